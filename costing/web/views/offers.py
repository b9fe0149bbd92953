"""Add, edit and delete offers of the organization's own draft catalogs (analysts and above)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import DetailView, FormView

from costing.price_display import KIND_LABELS, KIND_SLUGS
from costing.selectors import catalogs_for, offers_across_versions
from costing.services import (
    CatalogImmutable,
    catalog_row_add,
    catalog_row_delete,
    catalog_row_save,
)
from costing.web.forms import offer_form_class
from costing.web.views.common import refuse_unless_draft
from portal.models import Role
from portal.tenancy import OrgScopedView
from portal.web.forms import add_service_errors

SLUG_OF = {kind: slug for slug, kind in KIND_SLUGS.items()}


class OfferCreateView(OrgScopedView, FormView):
    """A new offer of ``kind`` in a draft catalog of the organization's own."""

    section = "catalogs"
    read_role = Role.ANALYST
    template_name = "catalogs/offer_form.html"
    kind = "cloud_gpu"

    def scoped_queryset(self, organization):
        return catalogs_for(organization=organization)

    def get(self, request, *args, **kwargs):
        self.catalog = self.get_object()
        return refuse_unless_draft(request, self.catalog) or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.catalog = self.get_object()
        return refuse_unless_draft(request, self.catalog) or super().post(request, *args, **kwargs)

    def get_form_class(self):
        return offer_form_class(self.kind, self.organization)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_form_class()._meta.model(catalog=self.catalog)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(catalog=self.catalog, kind_label=KIND_LABELS[self.kind], offer=None)
        return context

    def form_valid(self, form):
        fields = dict(form.cleaned_data)
        try:
            catalog_row_add(
                catalog=self.catalog, kind=self.kind, fields=fields, organization=self.organization
            )
        except CatalogImmutable as exc:
            messages.error(self.request, " ".join(exc.messages))
            return redirect_to_catalog(self.organization, self.catalog, self.kind)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{KIND_LABELS[self.kind]} offer added.")
        return redirect_to_catalog(self.organization, self.catalog, self.kind)


class OfferUpdateView(OrgScopedView, FormView):
    """Change an offer of a draft catalog of the organization's own."""

    section = "catalogs"
    read_role = Role.ANALYST
    template_name = "catalogs/offer_form.html"
    kind = "cloud_gpu"

    def scoped_queryset(self, organization):
        return offers_across_versions(organization=organization, kind=self.kind)

    def get(self, request, *args, **kwargs):
        self.offer = self.get_object()
        return refuse_unless_draft(request, self.offer.catalog) or super().get(
            request, *args, **kwargs
        )

    def post(self, request, *args, **kwargs):
        self.offer = self.get_object()
        return refuse_unless_draft(request, self.offer.catalog) or super().post(
            request, *args, **kwargs
        )

    def get_form_class(self):
        return offer_form_class(self.kind, self.organization)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.offer}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            catalog=self.offer.catalog, kind_label=KIND_LABELS[self.kind], offer=self.offer
        )
        return context

    def form_valid(self, form):
        try:
            catalog_row_save(row=form.instance, organization=self.organization)
        except CatalogImmutable as exc:
            messages.error(self.request, " ".join(exc.messages))
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        else:
            messages.success(self.request, f"{KIND_LABELS[self.kind]} offer saved.")
        return redirect_to_catalog(self.organization, self.offer.catalog, self.kind)


class OfferDeleteView(OrgScopedView, DetailView):
    """GET asks for confirmation; POST removes the offer from the draft."""

    section = "catalogs"
    read_role = Role.ANALYST
    template_name = "catalogs/offer_delete.html"
    context_object_name = "offer"
    kind = "cloud_gpu"

    def scoped_queryset(self, organization):
        return offers_across_versions(organization=organization, kind=self.kind)

    def get(self, request, *args, **kwargs):
        offer = self.get_object()
        return refuse_unless_draft(request, offer.catalog) or super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(catalog=self.object.catalog, kind_label=KIND_LABELS[self.kind])
        return context

    def post(self, request, *args, **kwargs):
        offer = self.get_object()
        refused = refuse_unless_draft(request, offer.catalog)
        if refused is not None:
            return refused
        try:
            catalog_row_delete(row=offer, organization=self.organization)
        except CatalogImmutable as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{KIND_LABELS[self.kind]} offer deleted.")
        return redirect_to_catalog(self.organization, offer.catalog, self.kind)


def redirect_to_catalog(organization, catalog, kind):
    response = redirect("catalog-detail", org_slug=organization.slug, pk=catalog.pk)
    response["Location"] += f"?kind={SLUG_OF[kind]}"
    return response
