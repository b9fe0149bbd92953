"""What the run page and the dashboard show of a run's results, beyond the report's own context.

Plain functions over the results dicts (no database): the page reuses the PDF's context and
charts, and adds the placement per workload; the dashboard sums GPU demand.
"""

from __future__ import annotations

from assessments.reports.context import report_context


def run_page_context(*, results: dict, snapshot: dict, meta: dict) -> dict:
    """The report's context (charts as SVG included) with the placement per workload."""
    context = report_context(results=results, snapshot=snapshot, meta=meta)
    placement = results.get("placement") or {}
    assignment = placement.get("assignment") or {}
    baseline = placement.get("baseline_assignment") or {}
    for row in context["workloads"]:
        row["placed"] = assignment.get(row["id"])
        row["placed_alone"] = baseline.get(row["id"])
        chosen = next((o for o in row["options"] if o["option"] == row["recommended"]), None)
        row["recommended_per_million_tokens"] = chosen["per_million_tokens"] if chosen else None
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


def gpu_demand(engine: dict, choice: dict[str, str | None]) -> list[dict]:
    """Peak GPUs by GPU type, each workload sized for its chosen option; API-served ones apart."""
    by_gpu: dict[str, dict] = {}
    for workload in engine.get("workloads") or []:
        sizing_all = workload.get("sizing") or {}
        option = choice.get(workload["id"])
        sizing = sizing_all.get(option) if option else None
        if sizing is None and option is None:
            sizing = next(iter(sizing_all.values()), None)
        if not sizing or not sizing.get("gpu"):
            continue
        row = by_gpu.setdefault(
            sizing["gpu"], {"gpu": sizing["gpu"], "peak_gpus": 0.0, "workloads": 0}
        )
        row["peak_gpus"] += float(sizing.get("peak_gpus") or 0.0)
        row["workloads"] += 1
    return sorted(by_gpu.values(), key=lambda r: (-r["peak_gpus"], r["gpu"]))
