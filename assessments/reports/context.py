"""What the report template shows, computed from a run's results, snapshot and metadata.

Every optional section (Monte Carlo, tornado, sovereignty, placement, summary) may be missing
or None: the report then says so instead of failing.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from assessments import charts
from assessments.results import unit_cost

from . import appendix, ledger
from .formatting import (
    breakeven,
    money,
    option_label,
    percent,
    setting_label,
    setting_value,
    uncertain_input,
    uncertain_range,
)

HEATMAP_ROWS_PER_CHART = 40  # one chart must fit on a page; longer portfolios get several
# Up to this many heatmap rows each cell carries its score: text is what costs most to render.
HEATMAP_LABELS_MAX = 25


def _date(value: str | None) -> str:
    if not value:
        return ""
    try:
        return datetime.fromisoformat(str(value)).strftime("%-d %B %Y, %H:%M")
    except ValueError:
        return str(value)


def is_priced(row) -> bool:
    """Whether the engine priced this option (a row without a price says what it misses)."""
    return isinstance(row, dict) and "npv" in row and "missing" not in row


def options_table(engine: dict, monte_carlo: dict, unpriced: dict[str, int]) -> list[dict]:
    """A row per option; one not priced for every workload says how many lack a price."""
    spreads = monte_carlo.get("options") or {}
    rows = []
    for option, row in (engine.get("portfolio") or {}).items():
        spread = (spreads.get(option) or {}).get("npv") or {}
        rows.append({
            "option": option,
            "available": is_priced(row),
            "total": row.get("total"),
            "npv": row.get("npv"),
            "per_million_tokens": unit_cost(row, "per_million_tokens"),
            "per_gpu_hour": unit_cost(row, "per_gpu_hour"),
            "utilisation": unit_cost(row, "utilisation"),
            "p10": spread.get("p10"),
            "p50": spread.get("p50"),
            "p90": spread.get("p90"),
            "probability_cheapest": (spreads.get(option) or {}).get("probability_cheapest"),
            "reason": row.get("reason", ""),
            "missing": row.get("missing", ""),
            "lacking": unpriced.get(option),
        })  # fmt: skip
    rows.sort(key=lambda r: (not r["available"], r["npv"] if r["available"] else 0.0))
    return rows


def _breakeven_sentence(row: dict | None) -> str:
    if not row or not row.get("options"):
        return ""
    cheaper = row.get("cheaper_at_horizon")
    dearer = next((o for o in row["options"] if o != cheaper), "")
    return (
        f"{option_label(cheaper)} costs less than {option_label(dearer)} in cumulative cost "
        f"{breakeven(row.get('breakeven_month'))}."
    )


def _summary(results: dict, engine: dict, monte_carlo: dict, currency: str) -> dict:
    summary = results.get("summary") or {}
    available = {k: v for k, v in (engine.get("portfolio") or {}).items() if is_priced(v)}
    ordered = sorted(available, key=lambda k: available[k]["npv"])
    cheapest = summary.get("cheapest_option") or engine.get("cheapest_by_npv")
    recommended = summary.get("recommended_option") or cheapest
    probability = summary.get("probability_cheapest")
    if probability is None and cheapest:
        probability = ((monte_carlo.get("options") or {}).get(cheapest) or {}).get(
            "probability_cheapest"
        )
    row = summary.get("breakeven")
    if row is None and len(ordered) >= 2:
        pair = set(ordered[:2])
        row = next((b for b in engine.get("breakevens") or [] if set(b["options"]) == pair), None)
    sentences = []
    if cheapest in available:
        sentences.append(
            f"Of the options priced for every workload, {option_label(cheapest)} costs least: "
            f"a net present value of {money(available[cheapest]['npv'], currency)} over "
            f"{engine.get('horizon_months')} months."
        )
    if probability is not None and cheapest:
        sentences.append(
            f"It was the cheapest in {percent(probability)} of "
            f"{monte_carlo.get('samples', 0):,} Monte Carlo samples of the uncertain inputs."
        )
    return {
        "recommended": recommended,
        "cheapest": cheapest,
        "probability": probability,
        "breakeven": _breakeven_sentence(row),
        "sentences": sentences,
        "headline": list(summary.get("headline") or []),
        "risks": list(summary.get("risks") or []),
        "recommendations": summary.get("recommendations") or {},
        "answer": summary.get("answer") or {},
    }


def _placement(placement: dict | None) -> dict | None:
    if not placement:
        return None
    by_option = [
        {"option": k, "workloads": v.get("workloads"), "cost": v.get("cost")}
        for k, v in (placement.get("by_option") or {}).items()
    ]
    return {**placement, "by_option_rows": by_option, "solved": placement.get("cost") is not None}


def _findings(options: dict) -> list[dict]:
    """Blocking findings and preconditions grouped by rule, naming the options each blocks."""
    grouped: dict[str, dict] = {}
    for option, assessment in options.items():
        for kind in ("findings", "preconditions"):
            for finding in assessment.get(kind) or []:
                key = f"{kind}:{finding.get('rule_id')}"
                row = grouped.setdefault(key, {**finding, "kind": kind, "options": []})
                row["options"].append(option)
    return sorted(grouped.values(), key=lambda r: (r["kind"] != "findings", r.get("rule_id", "")))


def _blocking_rules(assessment: dict, row: dict) -> list[dict]:
    """The rules that refuse an option: its blocking findings, or the eligibility screen's."""
    rules = [
        {"rule_id": f.get("rule_id", ""), "name": f.get("name", "")}
        for f in assessment.get("findings") or []
    ]
    refused = assessment.get("blocked_by") or row.get("blocked_by")
    return rules or ([{"rule_id": refused, "name": ""}] if refused else [])


def workload_rows(engine: dict, sovereignty: dict, recommendations: dict) -> list[dict]:
    """A row per workload, with its options' costs, scores and findings, in the engine's order."""
    scored = {w.get("id"): w for w in sovereignty.get("workloads") or []}
    rows = []
    for workload in engine.get("workloads") or []:
        sov = scored.get(workload["id"]) or {}
        recommended = recommendations.get(workload["id"], sov.get("recommended"))
        priced = {k: v for k, v in (workload.get("options") or {}).items() if is_priced(v)}
        cheapest = min(priced, key=lambda k: priced[k]["npv"], default=None)
        sizing_all = workload.get("sizing") or {}
        sizing = sizing_all.get(recommended) or sizing_all.get(cheapest)
        sizing = sizing or next(iter(sizing_all.values()), None)
        sov_options = sov.get("options") or {}
        options = []
        for option, row in (workload.get("options") or {}).items():
            assessment = sov_options.get(option) or {}
            options.append({
                "option": option,
                "available": is_priced(row),
                "npv": row.get("npv"),
                "total": row.get("total"),
                "per_million_tokens": unit_cost(row, "per_million_tokens"),
                "per_gpu_hour": unit_cost(row, "per_gpu_hour"),
                "reason": row.get("reason", ""),
                "score": assessment.get("weighted_score"),
                "blocked": assessment.get("blocked", False),
                "blocked_by": _blocking_rules(assessment, row),
                "rule_ids": sorted({f.get("rule_id", "") for kind in ("findings", "preconditions")
                                    for f in assessment.get(kind) or []}),
                "seal": (assessment.get("seal") or {}).get("level"),
                "recommended": option == recommended,
            })  # fmt: skip
        rows.append({
            "id": workload["id"],
            "name": workload.get("name") or workload["id"],
            "kind": workload.get("kind", ""),
            "classification": sov.get("classification", ""),
            "sizing": sizing,
            "recommended": recommended,
            "recommended_npv": (priced.get(recommended) or {}).get("npv"),
            "recommended_per_million_tokens": unit_cost(priced.get(recommended) or {},
                                                        "per_million_tokens"),
            "blocked": [o for o, a in sov_options.items() if a.get("blocked")],
            "cheapest": cheapest,
            "options": options,
            "findings": _findings(sov_options),
        })  # fmt: skip
    return rows


def _largest_first(workloads: list[dict], limit: int) -> list[dict]:
    """The ``limit`` workloads that cost most under their recommended option (else their
    cheapest), largest first; the inventory's order among equals."""

    def cost(row: dict) -> float:
        npv = row["recommended_npv"]
        if npv is None:
            npv = next((o["npv"] for o in row["options"] if o["option"] == row["cheapest"]), None)
        return float(npv or 0.0)

    return sorted(workloads, key=cost, reverse=True)[:limit]


def _portfolio_findings(workloads: list[dict]) -> list[dict]:
    """Findings across the portfolio, once per rule, with the workload-option pairs they hit."""
    grouped: dict[str, dict] = {}
    for workload in workloads:
        for finding in workload["findings"]:
            key = f"{finding['kind']}:{finding.get('rule_id')}"
            row = grouped.setdefault(key, {**finding, "pairs": []})
            row["pairs"] += [f"{workload['id']} on {option_label(o)}" for o in finding["options"]]
    return sorted(grouped.values(), key=lambda r: (r["kind"] != "findings", r.get("rule_id", "")))


def _heatmaps(sovereignty: dict, only: set[str] | None = None) -> list[str]:
    workloads = sovereignty.get("workloads") or []
    if only is not None:
        workloads = [w for w in workloads if w.get("id") in only]
    if not workloads:
        return [charts.sovereignty_heatmap_svg(None)]
    labels = len(workloads) <= HEATMAP_LABELS_MAX
    return [
        charts.sovereignty_heatmap_svg(
            {**sovereignty, "workloads": workloads[i : i + size]}, cell_labels=labels
        )
        for size in [HEATMAP_ROWS_PER_CHART]
        for i in range(0, len(workloads), size)
    ]


def _uncertain_inputs(monte_carlo: dict, scenario: dict) -> list[dict]:
    """Each sampled input named, its range with units, and where the range comes from."""
    notes = (scenario.get("uncertainty") or {}).get("notes") or {}
    return [
        {
            "label": uncertain_input(name),
            "range": uncertain_range(name, value["low"], value["high"]),
            "likely": value["likely"],
            "note": notes.get(name, ""),
        }
        for name, value in (monte_carlo.get("inputs") or {}).items()
    ]


def _versions(snapshot: dict, engine: dict, sovereignty: dict) -> dict:
    versions = snapshot.get("versions") or {}
    # The snapshot names the library it screened with; the scored section, the one it scored.
    library = sovereignty.get("library") or versions.get("library") or {}
    if isinstance(library, str):  # runs frozen before the library was recorded as an object
        library = {"urn": library}
    library_text = (
        f"{library.get('urn', '')} v{library['version']}"
        if library.get("version") is not None
        else library.get("urn", "")
    )
    return {
        "engine": versions.get("engine") or engine.get("engine_version", ""),
        "library": library_text,
        "library_name": library.get("name", ""),
        # The versions in force on the run's prices-as-of date, as the snapshot froze them.
        "catalogs": [
            f"{c['name']}, version {c['version']} (in force from {c['effective_date']})"
            for c in snapshot.get("catalogs") or []
        ],
    }


def _settings(values: dict | None) -> list[tuple[str, str]]:
    """Assumptions or settings as (label, value) rows in words; amounts keep their source."""
    return [
        (setting_label(key), appendix.describe(value) if isinstance(value, dict) else
         setting_value(key, value))
        for key, value in appendix.flatten(values)
    ]  # fmt: skip


def report_context(
    *, results: dict, snapshot: dict, meta: dict, detailed_max: int | None = None
) -> dict:
    """Everything the report template prints, with the five charts as SVG strings.

    A long portfolio's report details the ``detailed_max`` workloads that cost most (default
    ``SOVRA_REPORT_DETAILED_WORKLOADS``; their heatmap too) and lists every workload in one
    table row each: a thousand pages of detail would be read by no one, and the rest of it is
    on the run's page and in its results.
    """
    results, snapshot, meta = results or {}, snapshot or {}, meta or {}
    if detailed_max is None:
        detailed_max = settings.SOVRA_REPORT_DETAILED_WORKLOADS
    engine = results.get("engine") or {}
    monte_carlo = results.get("monte_carlo") or {}
    sovereignty = results.get("sovereignty") or {}
    currency = engine.get("currency") or monte_carlo.get("currency", "")
    summary = _summary(results, engine, monte_carlo, currency)
    workloads = workload_rows(engine, sovereignty, summary["recommendations"])
    bounded = len(workloads) > detailed_max
    detailed = _largest_first(workloads, detailed_max) if bounded else workloads
    ledger_kept = bounded and len(workloads) <= settings.SOVRA_REPORT_LEDGER_MAX_WORKLOADS
    heatmaps = _heatmaps(sovereignty)
    scenario = snapshot.get("scenario") or {}
    assessment = snapshot.get("assessment") or {}
    header = " · ".join(
        part
        for part in (meta.get("organization"), meta.get("assessment"),
                     f"run {meta['run_number']}" if meta.get("run_number") else "")
        if part
    )  # fmt: skip
    return {
        "meta": meta,
        "header": header,
        "created": _date(meta.get("created")),
        "finished": _date(meta.get("finished")),
        "versions": _versions(snapshot, engine, sovereignty),
        "currency": currency,
        "engine": engine,
        "horizon_months": engine.get("horizon_months"),
        "scenario_name": engine.get("name") or scenario.get("name", ""),
        "options": options_table(engine, monte_carlo, summary["answer"].get("unpriced") or {}),
        "summary": summary,
        "placement": _placement(results.get("placement")),
        "monte_carlo": monte_carlo,
        "tornado": results.get("tornado"),
        "charts": {
            "cumulative": charts.cumulative_cost_svg(engine),
            "components": charts.components_svg(engine),
            "monte_carlo": charts.monte_carlo_svg(monte_carlo),
            "tornado": charts.tornado_svg(results.get("tornado")),
            "heatmaps": heatmaps,
            # The report's: the detailed workloads' rows only (the run's page shows every one).
            "detailed_heatmaps": (
                _heatmaps(sovereignty, {w["id"] for w in detailed}) if bounded else heatmaps
            ),
        },
        "workloads": workloads,
        "detailed_workloads": detailed,
        "not_detailed": len(workloads) - len(detailed),
        "every_workload_pages": ledger.ledger_pages(workloads, currency) if ledger_kept else [],
        # Fewer workloads detailed than the run has: every one gets a row of the appendix, up to
        # SOVRA_REPORT_LEDGER_MAX_WORKLOADS; beyond, the spreadsheet export holds every row.
        "every_workload_table": bounded,
        "every_workload_ledger": ledger_kept,
        "findings": _portfolio_findings(workloads),
        "criteria": sovereignty.get("criteria") or [],
        "assumptions": _settings(engine.get("assumptions")),
        "assessment_settings": _settings(
            {k: v for k, v in assessment.items() if k not in ("id", "name")}
        ),
        "discount_rate": scenario.get("discount_rate_per_year"),
        "start_date": scenario.get("start_date", ""),
        "uncertainty_inputs": _uncertain_inputs(monte_carlo, scenario),
        "prices": appendix.prices_used(engine),
        "missing_prices": appendix.missing_prices(engine),
        "offers": appendix.scenario_offers(scenario),
        "method": [
            (k.replace("_", " ").capitalize(), v) for k, v in (engine.get("method") or {}).items()
        ],
        "components": engine.get("components") or {},
        "glossary": appendix.GLOSSARY,
    }
