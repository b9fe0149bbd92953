"""A run's results as an XLSX workbook: summary, workloads, monthly cash flows, prices used.

Read from the rows the PDF report prints (options table, workload rows, prices used), so the
spreadsheet and the report agree. Numbers stay numbers with a format, units stand in the
headers, and every text from the data goes through the inventory export's formula guard.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, date
from typing import Any

from assessments.results import EngineResults, PlacementResults, RunResults, Summary
from assessments.selectors import run_results
from costing.engine.cashflows import COMPONENTS
from costing.engine.deployment_options import OPTIONS
from portal.services.exports import neutralise_formula
from portal.services.xlsx_writer import Cell, Column, Sheet, stream_workbook

from .appendix import price_unit, prices_used
from .context import options_table, workload_rows
from .formatting import component_label, kind_label, option_label

SHEETS = ("Summary", "Workloads", "Cash flows", "Prices")
YES = "yes"


def _guard(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise_formula(value)
    if isinstance(value, Cell) and isinstance(value.value, str):
        return replace(value, value=neutralise_formula(value.value))
    return value


def _sheet(name: str, columns: list[Column], rows: Iterable[list], **options) -> Sheet:
    """A sheet whose every text is shown as text, never run as a formula when edited."""
    guarded = ([_guard(value) for value in row] for row in rows)
    return Sheet(name, columns, guarded, **options)


def _ranked(keys: Iterable[str], order: Iterable[str]) -> list[str]:
    """``keys`` in the engine's order (stored JSON keeps no order), any it does not name last."""
    place = {key: index for index, key in enumerate(order)}
    return sorted(keys, key=lambda key: (place.get(key, len(place)), key))


def _in(label: str, currency: str) -> str:
    return f"{label} ({currency})" if currency else label


# --------------------------------------------------------------------------- Summary

SUMMARY_COLUMNS = [
    Column("", 30),
    Column("", 18),
    *[Column("", 16)] * 4,
    Column("", 14),
    Column("", 50),
]
_SPAN = len(SUMMARY_COLUMNS) - 1  # a sentence spans every column after its label


def _header(*labels: str) -> list[Cell]:
    return [Cell(label, "header") for label in labels]


def _answer_sections(summary: Summary | None) -> tuple[tuple[str, list], ...]:
    answer = summary.answer if summary else None
    if answer is None:  # runs from before the answer was written
        return (("Headline", summary.headline if summary else []),)
    left_out = [
        f"{r.name} ({r.id}): {r.reason}." + (f" To include it, {r.fix}." if r.fix else "")
        for r in answer.left_out
    ]
    return (
        ("What to do", [answer.do]),
        ("Why", answer.why),
        ("What sovereignty costs", [answer.sovereignty]),
        ("How sure", answer.how_sure),
        ("Left out", left_out),
        ("What the data lacks", [answer.data_gaps]),
    )


def _answer_rows(summary: Summary | None) -> Iterator[list]:
    sections = _answer_sections(summary)
    for label, sentences in sections:
        for index, sentence in enumerate(s for s in sentences if s):
            yield [Cell(label if index == 0 else "", "bold"), Cell(sentence, "wrap", _SPAN)]


def _options_rows(results: RunResults, currency: str) -> Iterator:
    yield _header(
        "Option", _in("NPV", currency), _in("Total cost", currency), _in("P10 NPV", currency),
        _in("P50 NPV", currency), _in("P90 NPV", currency), "Probability cheapest",
        "Not priced because",
    )  # fmt: skip
    answer = results.summary.answer if results.summary else None
    unpriced = answer.unpriced if answer else {}
    for row in options_table(results.engine, results.monte_carlo, unpriced):
        lacking = f"{row['lacking']:,} workloads without a price: " if row["lacking"] else ""
        note = "" if row["available"] else lacking + (row["reason"] or row["missing"])
        yield [
            option_label(row["option"]),
            *[Cell(row[k], "money") for k in ("npv", "total", "p10", "p50", "p90")],
            Cell(row["probability_cheapest"], "percent"),
            Cell(note, "wrap"),
        ]


def _placement_rows(placement: PlacementResults | None, currency: str) -> Iterator[list]:
    if placement is None:
        return
    yield _header(
        "Placement by option", _in("NPV", currency), "Workloads", _in("P10 NPV", currency),
        _in("P50 NPV", currency), _in("P90 NPV", currency),
    )  # fmt: skip
    if placement.cost is None:
        message = placement.message or "No placement could be computed."
        yield [Cell("No placement", "bold"), Cell(message, "wrap", _SPAN)]
        return
    by_option = placement.by_option
    for option in _ranked(by_option, OPTIONS):
        row = by_option[option]
        if row.workloads:
            yield [option_label(option), Cell(row.cost, "money"), row.workloads]
    spread = placement.npv_spread
    yield [
        Cell("All workloads", "bold"),
        Cell(placement.cost, "money"),
        sum(row.workloads for row in by_option.values()),
        *[Cell(getattr(spread, k) if spread else None, "money") for k in ("p10", "p50", "p90")],
    ]


def _summary_sheet(results: RunResults, meta: dict, currency: str) -> Sheet:
    title = " · ".join(
        str(part)
        for part in (
            meta.get("organization"),
            meta.get("assessment"),
            f"run {meta['run_number']}" if meta.get("run_number") else "",
        )
        if part
    )

    def rows() -> Iterator[list]:
        yield [Cell(title, "bold", len(SUMMARY_COLUMNS))]
        yield []
        yield [Cell("Assessment", "bold"), meta.get("assessment")]
        yield [Cell("Run", "bold"), meta.get("run_number")]
        yield [Cell("Finished (UTC)", "bold"), meta.get("finished")]
        yield [Cell("Currency", "bold"), currency]
        yield [Cell("Horizon (months)", "bold"), results.engine.horizon_months]
        yield []
        yield [Cell("The answer", "header")]
        yield from _answer_rows(results.summary)
        yield []
        yield from _options_rows(results, currency)
        yield []
        yield from _placement_rows(results.placement, currency)

    return _sheet("Summary", SUMMARY_COLUMNS, rows(), header=False)


# --------------------------------------------------------------------------- Workloads


def _workload_columns(currency: str) -> list[Column]:
    return [
        Column("Workload", 34),
        Column("Workload ID", 18),
        Column("Kind of work", 16),
        Column("Option", 18),
        Column(_in("NPV", currency), 14, "money"),
        Column(_in("Total cost", currency), 14, "money"),
        Column(_in("Cost per 1M tokens", currency), 14, "unit_money"),
        Column(_in("Cost per GPU-hour", currency), 14, "unit_money"),
        Column("Sovereignty score (0-5)", 13, "score"),
        Column("SEAL level (0-4)", 10, "integer"),
        Column("Blocked", 9),
        Column("Blocked by (rule)", 40, "wrap"),
        Column("Findings (rule IDs)", 16),
        Column("Recommended alone", 13),
        Column("In the placement", 12),
        Column("Not priced because", 50, "wrap"),
    ]


def _workloads_sheet(results: RunResults, currency: str) -> Sheet:
    recommendations = results.summary.recommendations if results.summary else {}
    assignment = results.placement.assignment if results.placement else {}

    def rows() -> Iterator[list]:
        for workload in workload_rows(results.engine, results.sovereignty, recommendations):
            options = {option["option"]: option for option in workload["options"]}
            for name in _ranked(options, OPTIONS):
                option = options[name]
                yield [
                    workload["name"],
                    workload["id"],
                    kind_label(workload["kind"]),
                    option_label(name),
                    option["npv"],
                    option["total"],
                    option["per_million_tokens"],
                    option["per_gpu_hour"],
                    option["score"],
                    option["seal"],
                    YES if option["blocked"] else "no",
                    "; ".join(
                        f"{rule['rule_id']} {rule['name']}".strip() for rule in option["blocked_by"]
                    ),
                    ", ".join(option["rule_ids"]),
                    YES if option["recommended"] else "",
                    YES if assignment.get(workload["id"]) == name else "",
                    "" if option["available"] else option["reason"],
                ]

    return _sheet("Workloads", _workload_columns(currency), rows(), frozen_columns=1)


# --------------------------------------------------------------------------- Cash flows


def _cash_flows_sheet(engine: EngineResults, currency: str) -> Sheet:
    priced = {k: v for k, v in engine.portfolio.items() if v.priced}
    months = max((len(row.monthly_total or []) for row in priced.values()), default=0)
    columns = [
        Column("Option", 18),
        Column("Component", 22),
        Column(_in("Total", currency), 14, "money"),
        *[
            Column(_in("Month 0, at the start" if m == 0 else f"Month {m}", currency), 12, "money")
            for m in range(months)
        ],
    ]

    def rows() -> Iterator[list]:
        for option in _ranked(priced, OPTIONS):
            row = priced[option]
            series = row.monthly_by_component or {}
            for component in _ranked(series, COMPONENTS):
                flows = series[component]
                known = sum(flow for flow in flows if flow is not None)
                yield [option_label(option), component_label(component), known, *flows]
            total = row.monthly_total or []
            yield [option_label(option), Cell("Total", "bold"), row.total, *total]

    return _sheet("Cash flows", columns, rows(), frozen_columns=2)


# --------------------------------------------------------------------------- Prices

PRICE_COLUMNS = [
    Column("Price", 40, "wrap"),
    Column("Value", 14, "price"),
    Column("Unit", 16),
    Column("Currency", 10),
    Column("Source", 50, "wrap"),
    Column("Source URL", 40),
    Column("Source date", 12),
    Column("Note", 40, "wrap"),
    Column("Used by", 30, "wrap"),
]


def _date(text: str) -> date | str:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return text


def _prices_sheet(engine: EngineResults) -> Sheet:
    def rows() -> Iterator[list]:
        for price in prices_used(engine):
            currency, unit = price_unit(price["unit"])
            yield [
                price["name"],
                price["value"],
                unit,
                currency,
                price["reference"],
                price["url"],
                _date(price["date"]),
                price["note"],
                ", ".join(option_label(o) for o in price["options"]),
            ]

    return _sheet("Prices", PRICE_COLUMNS, rows())


# --------------------------------------------------------------------------- the workbook


def results_workbook(*, results: RunResults, meta: dict) -> Iterator[bytes]:
    """The workbook's bytes, piece by piece. ``meta``: organization, assessment, run_number
    and finished (a datetime in UTC)."""
    currency = results.engine.currency or (results.summary.currency if results.summary else "")
    return stream_workbook(
        [
            _summary_sheet(results, meta, currency),
            _workloads_sheet(results, currency),
            _cash_flows_sheet(results.engine, currency),
            _prices_sheet(results.engine),
        ]
    )


def run_results_workbook(*, run) -> Iterator[bytes]:
    """A succeeded run's results as a workbook, named for its organization and run."""
    finished = (
        run.finished_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)
        if run.finished_at
        else None
    )
    meta = {
        "organization": run.organization.name,
        "assessment": run.assessment.name,
        "run_number": run.number,
        "finished": finished,
    }
    return results_workbook(results=run_results(run), meta=meta)


def results_file_stem(*, run) -> str:
    """The PDF's name without its suffix, so the two downloads of a run sort together."""
    return f"sovra-{run.organization.slug}-run-{run.pk}"
