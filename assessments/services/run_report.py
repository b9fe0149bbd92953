"""What a run's report is made from: the run's typed results, read from its sections without
holding its workloads twice, and the facts of the run its cover and links print."""

from __future__ import annotations

from django.utils import timezone

from assessments.models import AssessmentRun
from assessments.results import EngineWorkload, RunResults, SovereigntyWorkload, typed
from assessments.services.emails import run_url


def typed_results_letting_go(results: dict) -> RunResults:
    """``RunResults.load`` of a running run's sections, each workload's part replaced by its
    typed copy as it is made: a portfolio's workloads are never held twice over."""
    for name, model in (("engine", EngineWorkload), ("sovereignty", SovereigntyWorkload)):
        rows = (results.get(name) or {}).get("workloads") or []
        for i, row in enumerate(rows):
            rows[i] = typed(model, row)
    return RunResults.load(results)


def report_meta(run: AssessmentRun) -> dict:
    user = run.requested_by
    return {
        "organization": run.organization.name,
        "run_id": str(run.pk),
        # Where a long report's reader finds the detail it leaves out.
        "run_url": run_url(run),
        "results_url": run_url(run, "api:run-results"),
        "xlsx_url": run_url(run, "api:run-xlsx"),
        "run_number": run.number,
        "assessment": run.assessment.name,
        "created": run.created_at.isoformat(),
        "finished": timezone.now().isoformat(),
        "requested_by": (user.get_full_name() or user.get_username()) if user else "",
    }
