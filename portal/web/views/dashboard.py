"""An organization's dashboard: what its inventory holds, at a glance."""

from __future__ import annotations

from django.views.generic import TemplateView

from portal.selectors import workloads_for, workloads_summary
from portal.tenancy import OrgScopedView


def _shares(rows: list[tuple[str, str, int]], total: int) -> list[dict]:
    """Rows with their share of the total in percent, for the bar charts."""
    return [
        {"value": value, "label": label, "count": count, "pct": round(100 * count / total, 1)}
        for value, label, count in rows
        if total
    ]


class DashboardView(OrgScopedView, TemplateView):
    """Inventory summary: workloads by kind and classification, daily demand, personal data."""

    template_name = "dashboard/dashboard.html"
    section = "dashboard"

    def scoped_queryset(self, organization):
        return workloads_for(organization=organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        summary = workloads_summary(workloads=self.get_queryset())
        context["summary"] = summary
        context["kinds"] = _shares(summary.by_kind, summary.total)
        context["classifications"] = _shares(summary.by_classification, summary.total)
        return context
