"""What the report template shows, computed from a run's typed results, snapshot and metadata.

Every optional section (Monte Carlo, tornado, sovereignty, placement, summary) may be None: the
report then says so instead of failing. The rows built here are the report's own view of the
results (the spreadsheet export reads the same rows, so the two agree).
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from django.conf import settings

from assessments import charts
from assessments.inputs import RunSnapshot
from assessments.results import (
    Breakeven,
    EngineResults,
    MonteCarloResults,
    OptionAssessment,
    OptionOutcome,
    PlacementResults,
    RunResults,
    SovereigntyResults,
    SovereigntyWorkload,
)

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


def options_table(
    engine: EngineResults, monte_carlo: MonteCarloResults | None, unpriced: dict[str, int]
) -> list[dict]:
    """A row per option; one not priced for every workload says how many lack a price."""
    spreads = monte_carlo.options if monte_carlo else {}
    rows = []
    for option, row in engine.portfolio.items():
        spread = spreads.get(option)
        npv = spread.npv if spread else None
        rows.append({
            "option": option,
            "available": row.priced,
            "total": row.total,
            "npv": row.npv,
            "per_million_tokens": row.unit_cost("per_million_tokens"),
            "per_gpu_hour": row.unit_cost("per_gpu_hour"),
            "utilisation": row.unit_cost("utilisation"),
            "p10": npv.p10 if npv else None,
            "p50": npv.p50 if npv else None,
            "p90": npv.p90 if npv else None,
            "probability_cheapest": spread.probability_cheapest if spread else None,
            "reason": row.reason or "",
            "missing": row.missing or "",
            "lacking": unpriced.get(option),
        })  # fmt: skip
    rows.sort(key=lambda r: (not r["available"], r["npv"] if r["available"] else 0.0))
    return rows


def _breakeven_sentence(row: Breakeven | None) -> str:
    if row is None or not row.options:
        return ""
    cheaper = row.cheaper_at_horizon
    dearer = next((o for o in row.options if o != cheaper), "")
    return (
        f"{option_label(cheaper)} costs less than {option_label(dearer)} in cumulative cost "
        f"{breakeven(row.breakeven_month)}."
    )


def _priced(options: dict[str, OptionOutcome]) -> dict[str, OptionOutcome]:
    return {name: row for name, row in options.items() if row.priced}


def _summary(results: RunResults, currency: str) -> dict:
    engine, monte_carlo, summary = results.engine, results.monte_carlo, results.summary
    available = _priced(engine.portfolio)
    ordered = sorted(available, key=lambda k: available[k].npv)
    cheapest = (summary.cheapest_option if summary else None) or engine.cheapest_by_npv
    recommended = (summary.recommended_option if summary else None) or cheapest
    probability = summary.probability_cheapest if summary else None
    spread = monte_carlo.options.get(cheapest) if monte_carlo and cheapest else None
    if probability is None and spread is not None:
        probability = spread.probability_cheapest
    row = summary.breakeven if summary else None
    if row is None and len(ordered) >= 2:
        pair = set(ordered[:2])
        row = next((b for b in engine.breakevens if set(b.options) == pair), None)
    sentences = []
    if cheapest in available:
        sentences.append(
            f"Of the options priced for every workload, {option_label(cheapest)} costs least: "
            f"a net present value of {money(available[cheapest].npv, currency)} over "
            f"{engine.horizon_months} months."
        )
    if probability is not None and cheapest:
        samples = monte_carlo.samples if monte_carlo else 0
        sentences.append(
            f"It was the cheapest in {percent(probability)} of "
            f"{samples:,} Monte Carlo samples of the uncertain inputs."
        )
    return {
        "recommended": recommended,
        "cheapest": cheapest,
        "probability": probability,
        "breakeven": _breakeven_sentence(row),
        "sentences": sentences,
        "headline": list(summary.headline) if summary else [],
        "risks": list(summary.risks) if summary else [],
        "recommendations": dict(summary.recommendations) if summary else {},
        "answer": summary.answer if summary else None,
    }


def _placement(placement: PlacementResults | None) -> dict | None:
    if placement is None:
        return None
    by_option = [
        {"option": k, "workloads": v.workloads, "cost": v.cost}
        for k, v in placement.by_option.items()
    ]
    return {
        **msgspec.structs.asdict(placement),
        "by_option_rows": by_option,
        "solved": placement.cost is not None,
    }


def _findings(options: dict[str, OptionAssessment]) -> list[dict]:
    """Blocking findings and preconditions grouped by rule, naming the options each blocks."""
    grouped: dict[str, dict] = {}
    for option, assessment in options.items():
        for kind in ("findings", "preconditions"):
            for finding in getattr(assessment, kind) or ():
                row = grouped.setdefault(
                    f"{kind}:{finding.rule_id}",
                    {**msgspec.structs.asdict(finding), "kind": kind, "options": []},
                )
                row["options"].append(option)
    return sorted(grouped.values(), key=lambda r: (r["kind"] != "findings", r["rule_id"]))


def _blocking_rules(assessment: OptionAssessment | None, row: OptionOutcome) -> list[dict]:
    """The rules that refuse an option: its blocking findings, or the eligibility screen's."""
    findings = (assessment.findings if assessment else None) or ()
    rules = [{"rule_id": f.rule_id, "name": f.name} for f in findings]
    refused = (assessment.blocked_by if assessment else None) or row.blocked_by
    return rules or ([{"rule_id": refused, "name": ""}] if refused else [])


def _rule_ids(assessment: OptionAssessment | None) -> list[str]:
    if assessment is None:
        return []
    found = [*(assessment.findings or ()), *(assessment.preconditions or ())]
    return sorted({f.rule_id for f in found})


def workload_rows(
    engine: EngineResults, sovereignty: SovereigntyResults | None, recommendations: dict
) -> list[dict]:
    """A row per workload, with its options' costs, scores and findings, in the engine's order."""
    scored = {w.id: w for w in sovereignty.workloads} if sovereignty else {}
    rows = []
    for workload in engine.workloads:
        sov = scored.get(workload.id)
        sov_options = sov.options if sov else {}
        recommended = recommendations.get(workload.id, sov.recommended if sov else None)
        priced = _priced(workload.options)
        cheapest = min(priced, key=lambda k: priced[k].npv, default=None)
        sizing_all = workload.sizing
        sizing = sizing_all.get(recommended) or sizing_all.get(cheapest)
        sizing = sizing or next(iter(sizing_all.values()), None)
        chosen = priced.get(recommended)
        options = []
        for option, row in workload.options.items():
            assessment = sov_options.get(option)
            options.append({
                "option": option,
                "available": row.priced,
                "npv": row.npv,
                "total": row.total,
                "per_million_tokens": row.unit_cost("per_million_tokens"),
                "per_gpu_hour": row.unit_cost("per_gpu_hour"),
                "reason": row.reason or "",
                "score": assessment.weighted_score if assessment else None,
                "blocked": bool(assessment and assessment.blocked),
                "blocked_by": _blocking_rules(assessment, row),
                "rule_ids": _rule_ids(assessment),
                "seal": assessment.seal.level if assessment and assessment.seal else None,
                "recommended": option == recommended,
            })  # fmt: skip
        rows.append({
            "id": workload.id,
            "name": workload.name or workload.id,
            "kind": workload.kind,
            "classification": sov.classification if sov else "",
            "sizing": sizing,
            "recommended": recommended,
            "recommended_npv": chosen.npv if chosen else None,
            "recommended_per_million_tokens": (
                chosen.unit_cost("per_million_tokens") if chosen else None
            ),
            "blocked": [o for o, a in sov_options.items() if a.blocked],
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


def _heatmaps(sovereignty: SovereigntyResults | None, only: set[str] | None = None) -> list[str]:
    workloads: list[SovereigntyWorkload] = sovereignty.workloads if sovereignty else []
    if only is not None:
        workloads = [w for w in workloads if w.id in only]
    if not workloads:
        return [charts.sovereignty_heatmap_svg([])]
    labels = len(workloads) <= HEATMAP_LABELS_MAX
    return [
        charts.sovereignty_heatmap_svg(workloads[i : i + size], cell_labels=labels)
        for size in [HEATMAP_ROWS_PER_CHART]
        for i in range(0, len(workloads), size)
    ]


def _uncertain_inputs(monte_carlo: MonteCarloResults | None, scenario: dict) -> list[dict]:
    """Each sampled input named, its range with units, and where the range comes from."""
    notes = (scenario.get("uncertainty") or {}).get("notes") or {}
    return [
        {
            "label": uncertain_input(name),
            "range": uncertain_range(name, value.low, value.high),
            "likely": value.likely,
            "note": notes.get(name, ""),
        }
        for name, value in (monte_carlo.inputs if monte_carlo else {}).items()
    ]


def _versions(
    snapshot: RunSnapshot, engine: EngineResults, sovereignty: SovereigntyResults | None
) -> dict:
    # The snapshot names the library it screened with; the scored section, the one it scored.
    if sovereignty is not None:
        library = msgspec.structs.asdict(sovereignty.library)
    else:
        library = snapshot.versions.library
    library_text = (
        f"{library.get('urn', '')} v{library['version']}"
        if library.get("version") is not None
        else library.get("urn", "")
    )
    return {
        "engine": snapshot.versions.engine or engine.engine_version,
        "library": library_text,
        "library_name": library.get("name", ""),
        # The versions in force on the run's prices-as-of date, as the snapshot froze them.
        "catalogs": [
            f"{c.name}, version {c.version} (in force from {c.effective_date})"
            for c in snapshot.catalogs
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
    *, results: RunResults, snapshot: RunSnapshot, meta: dict, detailed_max: int | None = None
) -> dict:
    """Everything the report template prints, with the five charts as SVG strings.

    A long portfolio's report details the ``detailed_max`` workloads that cost most (default
    ``SOVRA_REPORT_DETAILED_WORKLOADS``; their heatmap too) and lists every workload in one
    table row each: a thousand pages of detail would be read by no one, and the rest of it is
    on the run's page and in its results.
    """
    meta = meta or {}
    if detailed_max is None:
        detailed_max = settings.SOVRA_REPORT_DETAILED_WORKLOADS
    engine, monte_carlo, sovereignty = results.engine, results.monte_carlo, results.sovereignty
    currency = engine.currency or (monte_carlo.currency if monte_carlo else "")
    summary = _summary(results, currency)
    workloads = workload_rows(engine, sovereignty, summary["recommendations"])
    bounded = len(workloads) > detailed_max
    detailed = _largest_first(workloads, detailed_max) if bounded else workloads
    ledger_kept = bounded and len(workloads) <= settings.SOVRA_REPORT_LEDGER_MAX_WORKLOADS
    heatmaps = _heatmaps(sovereignty)
    scenario = snapshot.scenario
    assessment = msgspec.to_builtins(snapshot.assessment)
    header = " · ".join(
        part
        for part in (meta.get("organization"), meta.get("assessment"),
                     f"run {meta['run_number']}" if meta.get("run_number") else "")
        if part
    )  # fmt: skip
    answer = summary["answer"]
    return {
        "meta": meta,
        "header": header,
        "created": _date(meta.get("created")),
        "finished": _date(meta.get("finished")),
        "versions": _versions(snapshot, engine, sovereignty),
        "currency": currency,
        "engine": engine,
        "horizon_months": engine.horizon_months,
        "scenario_name": engine.name or scenario.get("name", ""),
        "options": options_table(engine, monte_carlo, answer.unpriced if answer else {}),
        "summary": summary,
        "placement": _placement(results.placement),
        "monte_carlo": monte_carlo,
        "tornado": results.tornado,
        "charts": {
            "cumulative": charts.cumulative_cost_svg(engine),
            "components": charts.components_svg(engine),
            "monte_carlo": charts.monte_carlo_svg(monte_carlo),
            "tornado": charts.tornado_svg(results.tornado),
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
        "criteria": sovereignty.criteria if sovereignty else [],
        "assumptions": _settings(engine.assumptions),
        "assessment_settings": _settings(
            {k: v for k, v in assessment.items() if k not in ("id", "name")}
        ),
        "discount_rate": scenario.get("discount_rate_per_year"),
        "start_date": scenario.get("start_date", ""),
        "uncertainty_inputs": _uncertain_inputs(monte_carlo, scenario),
        "prices": appendix.prices_used(engine),
        "missing_prices": appendix.missing_prices(engine),
        "offers": appendix.scenario_offers(scenario),
        "method": [(k.replace("_", " ").capitalize(), v) for k, v in engine.method.items()],
        "components": engine.components,
        "glossary": appendix.GLOSSARY,
    }
