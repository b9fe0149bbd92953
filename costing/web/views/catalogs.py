"""Catalog pages: the list, one catalog's offers, a new draft, publish, new version, export."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.generic import CreateView, DetailView, FormView, ListView

from costing.models import CATALOG_ROW_MODELS, Catalog
from costing.models.base import SourceKind
from costing.price_display import KIND_LABELS
from costing.selectors import catalog_rows, catalogs_for, feed_imports_of
from costing.services import (
    CatalogImmutable,
    FeedNeedsConfirmation,
    catalog_export,
    catalog_export_csv,
    catalog_publish,
    catalog_version_create,
    private_catalog_create,
)
from costing.web.forms import CatalogForm, CatalogVersionForm, PublishForm
from costing.web.views.common import (
    MAIN_PRICE,
    PUBLIC_READ_ONLY,
    kind_from,
    kind_tabs,
    price_rows,
    refuse_unless_draft,
)
from costing.web.views.feeds import may_import_feeds
from portal.models import Role
from portal.tenancy import OrgScopedView
from portal.web.forms import add_service_errors
from portal.web.views.common import download

SEARCH = {
    "cloud_gpu": ("instance", "gpu_name", "region", "provider__name"),
    "api": ("model_name", "provider__name", "regions"),
    "server": ("system", "gpu_name"),
}


class CatalogListView(OrgScopedView, ListView):
    """Public catalogs and the organization's own: version, effective date, status."""

    section = "catalogs"
    template_name = "catalogs/list.html"
    context_object_name = "catalogs"
    paginate_by = 50

    def scoped_queryset(self, organization):
        return catalogs_for(organization=organization).select_related("based_on")


class CatalogDetailView(OrgScopedView, DetailView):
    """One catalog's offers of a kind, searchable, each price with source, date and conversion."""

    section = "catalogs"
    template_name = "catalogs/detail.html"
    context_object_name = "catalog"
    paginate_by = 50

    def scoped_queryset(self, organization):
        return catalogs_for(organization=organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        slug, kind = kind_from(self.request)
        offers = catalog_rows(catalog=self.object, kind=kind)
        query = self.request.GET.get("q", "").strip().replace("\x00", "")
        if query:
            condition = Q()
            for name in SEARCH[kind]:
                condition |= Q(**{f"{name}__icontains": query})
            offers = offers.filter(condition)
        source_kind = self.request.GET.get("source_kind", "")
        if source_kind in (SourceKind.PRIMARY, SourceKind.SECONDARY):
            offers = offers.filter(source_kind=source_kind)
        page = Paginator(offers, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(
            kind=kind,
            kind_slug=slug,
            kind_label=KIND_LABELS[kind],
            tabs=kind_tabs(slug),
            rows=price_rows(page.object_list, self.organization, main=MAIN_PRICE[kind][0]),
            page_obj=page,
            query=query,
            source_kind=source_kind,
            main_price=MAIN_PRICE[kind],
            editable=not self.object.is_public and not self.object.is_published,
            filtered=bool(query or source_kind),
            **_feed_context(self.request, self.object, self.membership),
        )
        return context


# Rows of each list of a feed diff shown on the page (the counts give the rest).
DIFF_SHOWN = 200


def _feed_context(request, catalog: Catalog, membership) -> dict:
    """The draft's feed diffs, and who may import a feed or publish from the page."""
    is_admin = membership.has_role(Role.ADMIN)
    return {
        "feed_imports": list(feed_imports_of(catalog=catalog)[:5]),
        "diff_shown": DIFF_SHOWN,
        "can_import_feed": may_import_feeds(request, catalog, is_admin=is_admin),
        "can_publish": not catalog.is_published
        and may_import_feeds(request, catalog, is_admin=is_admin),
    }


class CatalogCreateView(OrgScopedView, CreateView):
    """Start a private draft catalog of negotiated prices (analysts and above)."""

    section = "catalogs"
    read_role = Role.ANALYST
    template_name = "catalogs/form.html"
    form_class = CatalogForm

    def scoped_queryset(self, organization):
        return catalogs_for(organization=organization)

    def get_initial(self):
        return {"currency": self.organization.currency}

    def form_valid(self, form):
        try:
            catalog = private_catalog_create(organization=self.organization, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Draft catalog {catalog.name} {catalog.version} created.")
        return redirect("catalog-detail", org_slug=self.organization.slug, pk=catalog.pk)


class CatalogPublishView(OrgScopedView, DetailView):
    """GET asks for confirmation; POST freezes the draft (admins and above; staff for a public
    draft). A draft whose feed import changed many prices needs the confirmation box."""

    section = "catalogs"
    read_role = Role.ADMIN
    write_role = Role.ADMIN
    template_name = "catalogs/publish.html"
    context_object_name = "catalog"

    def scoped_queryset(self, organization):
        return catalogs_for(organization=organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            form=PublishForm(),
            flagged=[item for item in feed_imports_of(catalog=self.object) if item.flagged],
            staff_public=self.object.is_public and self.request.user.is_staff,
        )
        return context

    def post(self, request, *args, **kwargs):
        catalog = self.get_object()
        if catalog.is_public and request.user.is_staff and not catalog.is_published:
            owner = None
        else:
            refused = refuse_unless_draft(request, catalog)
            if refused is not None:
                return refused
            owner = self.organization
        form = PublishForm(request.POST)
        form.is_valid()
        try:
            catalog_publish(
                catalog=catalog,
                organization=owner,
                confirm_large_change=form.cleaned_data.get("confirm_large_change", False),
                confirmed_by=request.user,
            )
        except FeedNeedsConfirmation as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("catalog-publish", org_slug=self.organization.slug, pk=catalog.pk)
        except CatalogImmutable as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{catalog.name} {catalog.version} is published.")
        return redirect("catalog-detail", org_slug=self.organization.slug, pk=catalog.pk)


class CatalogVersionView(OrgScopedView, FormView):
    """Copy one of the organization's catalogs into a new draft version (analysts and above)."""

    section = "catalogs"
    read_role = Role.ANALYST
    template_name = "catalogs/version.html"
    form_class = CatalogVersionForm

    def scoped_queryset(self, organization):
        return catalogs_for(organization=organization)

    def source_catalog(self) -> Catalog:
        catalog = self.get_object()
        if catalog.is_public:
            raise PermissionDenied(PUBLIC_READ_ONLY)
        return catalog

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["catalog"] = self.source_catalog()
        return context

    def form_valid(self, form):
        catalog = self.source_catalog()
        fields = {k: v for k, v in form.cleaned_data.items() if v}
        try:
            new = catalog_version_create(catalog=catalog, organization=self.organization, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Draft {new.name} {new.version} created from {catalog.version}."
        )
        return redirect("catalog-detail", org_slug=self.organization.slug, pk=new.pk)


class CatalogExportView(OrgScopedView, DetailView):
    """The catalog as a JSON document (every kind) or as CSV (one kind, ``?kind=``)."""

    file_format = "json"

    def scoped_queryset(self, organization):
        return catalogs_for(organization=organization)

    def get(self, request, *args, **kwargs):
        catalog = self.get_object()
        stem = f"catalog-{catalog.name}-{catalog.version}".replace(" ", "_")
        if self.file_format == "csv":
            kind = request.GET.get("kind", "cloud_gpu")
            kind = kind if kind in CATALOG_ROW_MODELS else "cloud_gpu"
            text = catalog_export_csv(catalog=catalog, kind=kind)
            return download(text.encode(), stem=f"{stem}-{kind}", file_format="csv", dated=False)
        body = json.dumps(catalog_export(catalog=catalog), cls=DjangoJSONEncoder, indent=2)
        response = HttpResponse(body, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{stem}.json"'
        response["Cache-Control"] = "private, no-store"
        return response
