"""The report's appendix rows: assumptions, prices with their sources, method and glossary.

Plain Python over the run's typed results and snapshot; every row keeps where its number came
from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from assessments.results import EngineResults, Figure

NOT_STATED = "not stated"

GLOSSARY = (
    ("NPV (net present value)", "The sum of every cost over the horizon, each discounted to "
     "today at the scenario's discount rate; lower is cheaper."),
    ("Total cost", "The same costs undiscounted: what will be paid, in the reporting currency."),
    ("Breakeven month", "The month from which the option cheaper at the horizon stays cheaper "
     "in cumulative cost."),
    ("P10 / P50 / P90", "Of the Monte Carlo samples, 10%, 50% and 90% cost no more than this."),
    ("Probability cheapest", "The share of Monte Carlo samples in which an option has the "
     "lowest NPV."),
    ("Tornado", "One input at a time moved to its low and high value, the rest at their likely "
     "value: how much each moves the lead of the cheapest option over the next."),
    ("Binding constraint", "What sets the number of GPUs a workload needs: memory (weights and "
     "KV cache), memory bandwidth (decoding), compute (prefill, training) or the stated peak."),
    ("Cost per 1M tokens", "Total cost divided by the tokens processed over the horizon, "
     "times one million."),
    ("Utilisation", "GPU-hours of work divided by the GPU-hours of the GPUs held."),
    ("Weighted sovereignty score", "The criteria scores (0-5) averaged with the library's "
     "weights; an unknown criterion counts as 0."),
    ("Blocking finding", "A rule of the criteria library whose condition holds: the option may "
     "not be used for the workload as it stands."),
    ("SEAL", "Sovereignty level 0-4 of the Cloud Sovereignty Framework, placed from the "
     "provider's jurisdiction and control."),
    ("Portfolio placement", "Every workload assigned to one option jointly, so that a shared "
     "owned fleet is sized once, under the organization's constraints."),
    ("Option", "A way to run the workloads: on premises, colocation, cloud GPUs on demand or "
     "committed, a managed model API, or a hybrid of owned base and rented peaks."),
)  # fmt: skip


def _quantities(figure: Figure) -> Iterator[Figure]:
    """Every sourced input under a figure (figures carry inputs, quantities a source; an input
    written in full elsewhere in the same list is a stub, ``see``, with neither)."""
    stack = [figure]
    while stack:
        item = stack.pop()
        if item.source is not None:
            yield item
        stack.extend(item.inputs or ())


def _figure_lists(engine: EngineResults) -> Iterator[tuple[str, list[Figure]]]:
    for option, row in engine.portfolio.items():
        yield option, row.figures or []
    for workload in engine.workloads:
        for option, row in workload.options.items():
            yield option, row.figures or []


def prices_used(engine: EngineResults) -> list[dict]:
    """Each catalog figure the costs were computed from, once, with its source and date."""
    found: dict[tuple, dict] = {}
    for option, figures in _figure_lists(engine):
        for figure in figures:
            for quantity in _quantities(figure):
                source = engine.sources[quantity.source]  # an index in the results' list
                if source.kind != "catalog":
                    continue
                key = (quantity.name, quantity.value, quantity.unit, source.reference)
                row = found.setdefault(key, {
                    "name": quantity.name,
                    "value": quantity.value,
                    "unit": quantity.unit,
                    "reference": source.reference,
                    "url": source.url,
                    "date": source.date or NOT_STATED,
                    "note": source.note,
                    "options": set(),
                })  # fmt: skip
                row["options"].add(option)
    rows = sorted(found.values(), key=lambda r: (r["name"].lower(), r["reference"]))
    for row in rows:
        row["options"] = sorted(row["options"])
    return rows


_CURRENCY_UNIT = re.compile(r"([A-Z]{3})(?:/(.+))?")


def price_unit(unit: str) -> tuple[str, str]:
    """A price's unit split into its currency and what it is per: ``USD/hour`` -> ``("USD",
    "per hour")``, ``USD`` -> ``("USD", "")``; a unit without a currency stays whole."""
    found = _CURRENCY_UNIT.fullmatch(unit or "")
    if found is None:
        return "", unit or ""
    currency, per = found.groups()
    return currency, f"per {per}" if per else ""


LABEL_KEYS = ("provider", "name", "instance", "model", "gpu", "region")


def _offer_label(kind: str, offer: dict) -> str:
    words = [str(offer[k]) for k in LABEL_KEYS if isinstance(offer.get(k), str) and offer[k]]
    return f"{kind}: {' '.join(words)}" if words else kind


def _prices_in(value, path: str) -> Iterator[tuple[str, dict]]:
    if isinstance(value, dict):
        if "amount" in value and "currency" in value:
            yield path, value
            return
        for key, inner in value.items():
            if key != "source":
                yield from _prices_in(inner, f"{path} {key}".strip())
    elif isinstance(value, list):
        for inner in value:
            yield from _prices_in(inner, path)


def scenario_offers(scenario: dict | None) -> list[dict]:
    """Every price in the scenario's offers (used or not), with the source it states."""
    rows = []
    for kind, offers in ((scenario or {}).get("offers") or {}).items():
        for offer in offers if isinstance(offers, list) else [offers]:
            if not isinstance(offer, dict):
                continue
            label = _offer_label(kind, offer)
            fallback = offer.get("source") or {}
            for path, price in _prices_in(offer, ""):
                source = price.get("source") or fallback
                rows.append({
                    "offer": label,
                    "price": path.replace("_", " "),
                    "amount": price.get("amount"),
                    "currency": price.get("currency", ""),
                    "reference": source.get("reference", ""),
                    "url": source.get("url", ""),
                    "date": source.get("date") or NOT_STATED,
                    "note": source.get("note", ""),
                })  # fmt: skip
            if kind == "fx":
                rows.append({
                    "offer": f"fx: {offer.get('base')}/{offer.get('quote')}",
                    "price": "exchange rate", "amount": offer.get("rate"), "currency": "",
                    "reference": fallback.get("reference", ""), "url": fallback.get("url", ""),
                    "date": offer.get("date") or fallback.get("date") or NOT_STATED,
                    "note": fallback.get("note", ""),
                })  # fmt: skip
    return rows


def flatten(values: dict | None, prefix: str = "") -> list[tuple[str, object]]:
    """Nested assumptions as ``(dotted key, value)`` rows; a money amount stays one row."""
    rows: list[tuple[str, object]] = []
    for key, value in (values or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and not ("amount" in value and "currency" in value):
            rows += flatten(value, f"{name}.") if value else [(name, "none")]
        else:
            rows.append((name, value))
    return rows


def describe(value) -> str:
    """An assumption's value as text: amounts with currency and source note, lists joined."""
    if value is None:
        return "not set"
    if isinstance(value, dict):
        per = f" per {value['per']}" if value.get("per") else ""
        note = (value.get("source") or {}).get("note")
        return f"{value['amount']:,} {value['currency']}{per}" + (f" ({note})" if note else "")
    if isinstance(value, Iterable) and not isinstance(value, str):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


NAMED_PER_GAP = 5  # a gap many workloads share names a few and counts the rest


def missing_prices(engine: EngineResults) -> list[dict]:
    """What the data lacks, once per option and missing price: the workloads it leaves unpriced
    and the engine's reason. An option the rules refuse a workload, or one that never applies to
    its kind of work, is no gap in the data."""
    gaps: dict[tuple[str, str], dict] = {}
    for workload in engine.workloads:
        for option, row in workload.options.items():
            if row.missing is None or row.blocked_by or row.inapplicable:
                continue
            gap = gaps.setdefault(
                (option, row.missing),
                {"option": option, "missing": row.missing, "reason": row.reason or "",
                 "workloads": []},
            )  # fmt: skip
            gap["workloads"].append(workload.name or workload.id)
    for gap in gaps.values():
        named, rest = gap["workloads"][:NAMED_PER_GAP], len(gap["workloads"]) - NAMED_PER_GAP
        gap["named"] = "; ".join(named) + (f" and {rest:,} more" if rest > 0 else "")
    return sorted(gaps.values(), key=lambda g: (g["option"], -len(g["workloads"])))
