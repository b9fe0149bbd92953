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
from costing.selectors import catalog_rows, catalogs_for
from costing.services import (
    CatalogImmutable,
    catalog_export,
    catalog_export_csv,
    catalog_publish,
    catalog_version_create,
    private_catalog_create,
)
from costing.web.forms import CatalogForm, CatalogVersionForm
from costing.web.views.common import (
    MAIN_PRICE,
    PUBLIC_READ_ONLY,
    kind_from,
    kind_tabs,
    price_rows,
    refuse_unless_draft,
)
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
        )
        return context


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
    """GET asks for confirmation; POST freezes the draft (admins and above)."""

    section = "catalogs"
    read_role = Role.ADMIN
    write_role = Role.ADMIN
    template_name = "catalogs/publish.html"
    context_object_name = "catalog"

    def scoped_queryset(self, organization):
        return catalogs_for(organization=organization)

    def post(self, request, *args, **kwargs):
        catalog = self.get_object()
        refused = refuse_unless_draft(request, catalog)
        if refused is not None:
            return refused
        try:
            catalog_publish(catalog=catalog, organization=self.organization)
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
