"""Compare one GPU type (or one API model) across providers and catalog versions."""

from __future__ import annotations

from django.db.models import F
from django.views.generic import TemplateView

from costing.selectors import offers_across_versions
from costing.web.compare import compare_rows
from costing.web.views.common import kind_from
from portal.tenancy import OrgScopedView

FIELD = {"cloud_gpu": "gpu_name", "api": "model_name"}


class CatalogCompareView(OrgScopedView, TemplateView):
    """Every matching offer, dated, with the low / median / high of the disagreeing sources."""

    section = "catalogs"
    template_name = "catalogs/compare.html"

    def scoped_queryset(self, organization):
        _slug, kind = kind_from(self.request)
        kind = kind if kind in FIELD else "cloud_gpu"
        return offers_across_versions(organization=organization, kind=kind)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        slug, kind = kind_from(self.request)
        if kind not in FIELD:
            slug, kind = "cloud-gpu", "cloud_gpu"
        offers = self.get_queryset()
        field = FIELD[kind]
        names = sorted(set(offers.values_list(field, flat=True)))
        chosen = self.request.GET.get("name", "").strip()
        rows, spread = [], None
        if chosen:
            matching = offers.filter(**{field: chosen}).order_by(
                F("date").asc(nulls_last=True), "pk"
            )
            rows, spread = compare_rows(matching, kind=kind, currency=self.organization.currency)
        context.update(
            kind=kind, kind_slug=slug, names=names, chosen=chosen, rows=rows, spread=spread
        )
        return context
