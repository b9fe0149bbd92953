"""What the run page and the dashboard show of a run's results, beyond the report's own context.

Plain functions over the typed results (no database): the page reuses the PDF's context and
charts, and adds the placement per workload; the dashboard sums GPU demand.
"""

from __future__ import annotations

from assessments.inputs import RunSnapshot
from assessments.reports.context import report_context
from assessments.results import EngineResults, RunResults


def run_page_context(*, results: RunResults, snapshot: RunSnapshot, meta: dict) -> dict:
    """The report's context (charts as SVG included) with the placement per workload."""
    context = report_context(results=results, snapshot=snapshot, meta=meta)
    placement = results.placement
    assignment = placement.assignment if placement else {}
    baseline = placement.baseline_assignment if placement else {}
    for row in context["workloads"]:
        row["placed"] = assignment.get(row["id"])
        row["placed_alone"] = baseline.get(row["id"])
    context["placement_rows"] = [
        {
            "id": row["id"],
            "name": row["name"],
            "placed": row["placed"],
            "alone": row["placed_alone"],
        }
        for row in context["workloads"]
        if row["placed"] or row["placed_alone"]
    ]
    return context


def gpu_demand(engine: EngineResults, choice: dict[str, str | None]) -> list[dict]:
    """Peak GPUs by GPU type, each workload sized for its chosen option; API-served ones apart."""
    by_gpu: dict[str, dict] = {}
    for workload in engine.workloads:
        option = choice.get(workload.id)
        sizing = workload.sizing.get(option) if option else None
        if sizing is None and option is None:
            sizing = next(iter(workload.sizing.values()), None)
        if sizing is None or not sizing.gpu:
            continue
        row = by_gpu.setdefault(sizing.gpu, {"gpu": sizing.gpu, "peak_gpus": 0.0, "workloads": 0})
        row["peak_gpus"] += float(sizing.peak_gpus or 0.0)
        row["workloads"] += 1
    return sorted(by_gpu.values(), key=lambda r: (-r["peak_gpus"], r["gpu"]))
