"""The organization's home: its inventory, GPU demand, latest recommendations and cost outlook."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from assessments import charts
from assessments.models import AssessmentRun, RunStatus
from assessments.selectors import assessments_for, run_results, runs_for
from assessments.web.results import gpu_demand
from portal.selectors import workloads_for
from portal.web.views.dashboard import DashboardView as InventoryDashboardView

LATEST_ASSESSMENTS = 6
RECENT_RUNS = 8


def _latest_succeeded(organization):
    """Per assessment (most recently changed first), the id of its latest succeeded run."""
    latest = (
        AssessmentRun.objects.for_organization(organization)
        .filter(assessment=OuterRef("pk"), status=RunStatus.SUCCEEDED)
        .order_by("-number")
        .values("pk")[:1]
    )
    return (
        assessments_for(organization=organization)
        .annotate(latest_run_id=Subquery(latest))
        .filter(latest_run_id__isnull=False)
        .order_by("-updated_at", "-pk")
    )


def latest_recommendations(organization) -> list[dict]:
    """The latest succeeded run of each recent assessment with its option per workload.

    Only the small parts of the results are read (summary and placement assignment); the
    workloads' names come from the inventory in one query.
    """
    assessments = list(_latest_succeeded(organization)[:LATEST_ASSESSMENTS])
    ids = [a.latest_run_id for a in assessments]
    rows = {
        row["pk"]: row
        for row in runs_for(organization=organization)
        .filter(pk__in=ids)
        .values(
            "pk",
            "number",
            "finished_at",
            "currency",
            "cheapest_option",
            "recommended_option",
            "results__summary__recommendations",
            "results__summary__cheapest_npv",
            "results__placement__assignment",
        )
    }
    external_ids = set()
    for row in rows.values():
        external_ids.update((row["results__placement__assignment"] or {}).keys())
        external_ids.update((row["results__summary__recommendations"] or {}).keys())
    names = dict(
        workloads_for(organization=organization)
        .filter(external_id__in=external_ids)
        .values_list("external_id", "name")
    )
    found = []
    for assessment in assessments:
        row = rows.get(assessment.latest_run_id)
        if row is None:
            continue
        choice = row["results__placement__assignment"] or row["results__summary__recommendations"]
        found.append(
            {
                "assessment": assessment,
                "run": row,
                "workloads": [
                    {"id": wid, "name": names.get(wid, wid), "option": option}
                    for wid, option in sorted((choice or {}).items())
                ],
            }
        )
    return found


def cost_outlook(organization) -> dict | None:
    """The most recent succeeded run's cumulative cost chart, NPV per option and GPU demand."""
    run = (
        AssessmentRun.objects.for_organization(organization)
        .filter(status=RunStatus.SUCCEEDED)
        .select_related("assessment")
        .only(
            "pk", "number", "finished_at", "currency", "results", "assessment", "assessment__name"
        )
        .order_by("-finished_at", "-pk")
        .first()
    )
    if run is None:
        return None
    results = run_results(run)
    if results is None:
        return None
    summary, placement = results.summary, results.placement
    choice = (placement.assignment if placement else {}) or (
        summary.recommendations if summary else {}
    )
    return {
        "run": run,
        "chart": charts.cumulative_cost_svg(results.engine),
        "npv": list(summary.npv_by_option.items()) if summary else [],
        "recommended": summary.recommended_option if summary else None,
        "answer": summary.answer if summary else None,
        "cheapest": summary.cheapest_option if summary else None,
        "currency": (summary.currency if summary else "") or run.currency,
        "gpu_demand": gpu_demand(results.engine, choice),
    }


class DashboardView(InventoryDashboardView):
    """The inventory summary, then GPU demand, latest recommendations, cost outlook and runs."""

    template_name = "assessments/pages/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organization = self.organization
        context["recommendations"] = latest_recommendations(organization)
        context["outlook"] = cost_outlook(organization)
        context["recent_runs"] = list(
            runs_for(organization=organization)
            .select_related("requested_by")
            .order_by("-created_at", "-pk")[:RECENT_RUNS]
        )
        context["assessment_count"] = assessments_for(organization=organization).count()
        return context
