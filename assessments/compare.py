"""What changed between two runs of one assessment: their inputs, then their results.

Plain functions on each run's frozen ``(snapshot, results)``, with no database, so the API and
the web pages show the same differences. ``old`` is the baseline and ``new`` the run compared
with it; every list is in a stable order so two calls give the same answer.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec

from assessments.results import OptionOutcome, PlacementResults, Summary, load_section

# Scenario fields that hold the figures the engine reasons with (offers are compared apart).
_SCENARIO_SETTINGS = (
    "reporting_currency",
    "start_date",
    "horizon_months",
    "discount_rate_per_year",
    "options",
)
_OFFER_LISTS = ("cloud_gpu", "api", "servers", "fx")
_OFFER_SINGLES = ("facility_onprem", "facility_colocation", "staff")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _money(value: Any) -> bool:
    return isinstance(value, dict) and "amount" in value


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested settings as ``{"a.b": leaf}``; a money dict is one leaf (amount and currency)."""
    if _money(value):
        return {prefix: {"amount": value["amount"], "currency": value.get("currency")}}
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, inner in value.items():
            if key == "source":  # where a figure comes from is not the figure
                continue
            out.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def _changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"name": name, "old": old.get(name), "new": new.get(name)}
        for name in sorted(set(old) | set(new))
        if old.get(name) != new.get(name)
    ]


# --------------------------------------------------------------------------- inputs


def workload_changes(old_snapshot: dict, new_snapshot: dict) -> dict[str, list]:
    """Workloads added, removed and changed (field by field), by external id."""
    old = {row["external_id"]: row for row in old_snapshot.get("workloads") or []}
    new = {row["external_id"]: row for row in new_snapshot.get("workloads") or []}
    changed = []
    for external_id in sorted(set(old) & set(new)):
        before = {k: v for k, v in old[external_id].items() if k != "pk"}
        after = {k: v for k, v in new[external_id].items() if k != "pk"}
        fields = [
            {"field": c["name"], "old": c["old"], "new": c["new"]} for c in _changes(before, after)
        ]
        if fields:
            changed.append({"id": external_id, "name": after.get("name"), "fields": fields})
    return {
        "added": [_workload_ref(new[i]) for i in sorted(set(new) - set(old))],
        "removed": [_workload_ref(old[i]) for i in sorted(set(old) - set(new))],
        "changed": changed,
    }


def _workload_ref(row: dict) -> dict:
    return {"id": row["external_id"], "name": row.get("name")}


def offer_label(kind: str, offer: dict) -> str:
    """How a person names an offer: provider and instance or model, and where it runs."""
    if kind == "cloud_gpu":
        region = f" ({offer['region']})" if offer.get("region") else ""
        return f"{offer.get('provider', '?')} {offer.get('instance', '?')}{region}"
    if kind == "api":
        return f"{offer.get('provider', '?')} {offer.get('model', '?')} (API)"
    if kind == "servers":
        return str(offer.get("name", "?"))
    if kind == "fx":
        return f"FX {offer.get('base', '?')}/{offer.get('quote', '?')}"
    return kind.replace("_", " ")


def _offers(snapshot: dict) -> dict[tuple[str, str], dict[str, Any]]:
    """Every offer of the run's scenario by (kind, label), as its flattened priced figures."""
    offers = ((snapshot.get("scenario") or {}).get("offers")) or {}
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for kind in _OFFER_LISTS:
        for offer in offers.get(kind) or []:
            figures = {k: v for k, v in _flatten(offer).items() if _number(v) or _money(v)}
            label, count = offer_label(kind, offer), 1
            while (kind, label) in out:  # two offers a person would name alike stay apart
                count += 1
                label = f"{offer_label(kind, offer)} #{count}"
            out[(kind, label)] = figures
    for kind in _OFFER_SINGLES:
        if isinstance(offers.get(kind), dict):
            flat = _flatten(offers[kind])
            out[(kind, offer_label(kind, offers[kind]))] = {
                k: v for k, v in flat.items() if _number(v) or _money(v)
            }
    return out


def _amount(value: Any) -> tuple[Any, str | None]:
    if _money(value):
        return value["amount"], value.get("currency")
    return value, None


def price_changes(old_snapshot: dict, new_snapshot: dict) -> dict[str, list]:
    """Offers added and removed, and each figure of a kept offer whose amount changed."""
    old, new = _offers(old_snapshot), _offers(new_snapshot)
    changed = []
    for key in sorted(set(old) & set(new)):
        kind, label = key
        for figure in sorted(set(old[key]) | set(new[key])):
            before, after = old[key].get(figure), new[key].get(figure)
            if before == after:
                continue
            old_amount, old_currency = _amount(before)
            new_amount, new_currency = _amount(after)
            changed.append(
                {
                    "kind": kind,
                    "offer": label,
                    "figure": figure,
                    "old": old_amount,
                    "new": new_amount,
                    "old_currency": old_currency,
                    "new_currency": new_currency,
                    "delta_pct": _delta_pct(old_amount, new_amount)
                    if old_currency == new_currency
                    else None,
                }
            )
    return {
        "added": [{"kind": k, "offer": label} for k, label in sorted(set(new) - set(old))],
        "removed": [{"kind": k, "offer": label} for k, label in sorted(set(old) - set(new))],
        "changed": changed,
    }


def assumption_changes(old_snapshot: dict, new_snapshot: dict) -> list[dict[str, Any]]:
    """Scenario assumptions and settings (discount rate, horizon, options, seed...) that differ."""

    def settings(snapshot: dict) -> dict[str, Any]:
        scenario = snapshot.get("scenario") or {}
        flat = _flatten(scenario.get("assumptions") or {}, "assumptions")
        flat.update({name: scenario.get(name) for name in _SCENARIO_SETTINGS})
        uncertainty = scenario.get("uncertainty") or {}
        flat.update({f"uncertainty.{k}": uncertainty.get(k) for k in ("samples", "seed", "inputs")})
        assessment = snapshot.get("assessment") or {}
        flat.update(_flatten(assessment.get("constraints") or {}, "constraints"))
        for name in ("sovereignty_weight_pct", "sovereign_min_seal", "offer_locations"):
            flat[f"assessment.{name}"] = assessment.get(name)
        flat["prices_as_of"] = snapshot.get("prices_as_of")
        return flat

    return _changes(settings(old_snapshot), settings(new_snapshot))


def version_changes(old_snapshot: dict, new_snapshot: dict) -> list[dict[str, Any]]:
    """Software, engine, criteria library and price catalog versions that differ."""

    def versions(snapshot: dict) -> dict[str, Any]:
        flat = _flatten(snapshot.get("versions") or {}, "")
        for catalog in snapshot.get("catalogs") or []:
            flat[f"catalog {catalog.get('name')}"] = catalog.get("version")
        return flat

    return _changes(versions(old_snapshot), versions(new_snapshot))


# --------------------------------------------------------------------------- results


def _delta_pct(old: Any, new: Any) -> float | None:
    if not (_number(old) and _number(new)) or old == 0:
        return None
    value = (new - old) / abs(old) * 100
    return round(value, 2) if math.isfinite(value) else None


class _Results:
    """What a comparison reads of a run's results, typed: its summary, its placement and, for a
    run that failed before its summary, the engine's portfolio. A run's per-workload detail
    (megabytes for a long portfolio) is not read at all."""

    def __init__(self, stored: dict | None):
        stored = stored or {}
        self.summary: Summary | None = load_section(stored, "summary")
        self.placement: PlacementResults | None = load_section(stored, "placement")
        engine = stored.get("engine") or {}
        self.portfolio = {
            option: msgspec.convert(row, OptionOutcome)
            for option, row in (engine.get("portfolio") or {}).items()
        }
        self.engine_currency: str | None = engine.get("currency")
        self.sovereignty_workloads = (stored.get("sovereignty") or {}).get("workloads", [])

    @property
    def currency(self) -> str | None:
        return self.summary.currency if self.summary else self.engine_currency

    def npv_by_option(self) -> dict[str, float | None]:
        if self.summary and self.summary.npv_by_option:
            return dict(self.summary.npv_by_option)
        return {option: row.npv for option, row in self.portfolio.items() if row.priced}

    def recommendations(self) -> dict[str, str | None]:
        if self.summary:
            return dict(self.summary.recommendations)
        # Without a summary, the sovereignty step's recommendation of each workload.
        return {row["id"]: row.get("recommended") for row in self.sovereignty_workloads}

    def placed(self) -> dict[str, str]:
        return dict(self.placement.assignment) if self.placement else {}

    def headline(self) -> dict[str, Any]:
        summary = self.summary
        return {
            "currency": self.currency,
            "cheapest_option": summary.cheapest_option if summary else None,
            "cheapest_npv": summary.cheapest_npv if summary else None,
            "recommended_option": summary.recommended_option if summary else None,
        }


def npv_changes(old_results: dict | None, new_results: dict | None) -> list[dict[str, Any]]:
    """NPV per option, old and new; the delta only when both are in the same currency."""
    return _npv_changes(_Results(old_results), _Results(new_results))


def _npv_changes(old_run: _Results, new_run: _Results) -> list[dict[str, Any]]:
    old, new = old_run.npv_by_option(), new_run.npv_by_option()
    same_currency = old_run.currency == new_run.currency
    rows = []
    for option in sorted(set(old) | set(new), key=lambda o: (new.get(o, old.get(o)), o)):
        before, after = old.get(option), new.get(option)
        comparable = same_currency and _number(before) and _number(after)
        rows.append(
            {
                "option": option,
                "old": before,
                "new": after,
                "delta": after - before if comparable else None,
                "delta_pct": _delta_pct(before, after) if comparable else None,
            }
        )
    return rows


def recommendation_changes(
    old_results: dict | None, new_results: dict | None
) -> list[dict[str, Any]]:
    """Per workload: the recommended option and the joint placement's choice, old and new."""
    return _recommendation_changes(_Results(old_results), _Results(new_results))


def _recommendation_changes(old: _Results, new: _Results) -> list[dict[str, Any]]:
    old_recommended, old_placed = old.recommendations(), old.placed()
    new_recommended, new_placed = new.recommendations(), new.placed()
    names = set(old_recommended) | set(new_recommended) | set(old_placed) | set(new_placed)
    return [
        {
            "workload": name,
            "old": old_recommended.get(name),
            "new": new_recommended.get(name),
            "changed": old_recommended.get(name) != new_recommended.get(name),
            "old_placement": old_placed.get(name),
            "new_placement": new_placed.get(name),
            "placement_changed": old_placed.get(name) != new_placed.get(name),
        }
        for name in sorted(names)
    ]


# --------------------------------------------------------------------------- both


def runs_compare(old: tuple[dict, dict | None], new: tuple[dict, dict | None]) -> dict[str, Any]:
    """The differences between two runs given as ``(snapshot, results)``; ``old`` is the base.

    A run without results (failed before them) compares its inputs only: its figures are None.
    """
    old_snapshot, old_results = old[0] or {}, old[1]
    new_snapshot, new_results = new[0] or {}, new[1]
    workloads = workload_changes(old_snapshot, new_snapshot)
    prices = price_changes(old_snapshot, new_snapshot)
    assumptions = assumption_changes(old_snapshot, new_snapshot)
    versions = version_changes(old_snapshot, new_snapshot)
    old_run, new_run = _Results(old_results), _Results(new_results)
    npv = _npv_changes(old_run, new_run)
    recommendations = _recommendation_changes(old_run, new_run)
    old_headline, new_headline = old_run.headline(), new_run.headline()
    return {
        "inputs": {
            "workloads": workloads,
            "prices": prices,
            "assumptions": assumptions,
            "versions": versions,
            "changed": any([*workloads.values(), *prices.values(), assumptions, versions]),
        },
        "results": {
            "currency": {"old": old_headline["currency"], "new": new_headline["currency"]},
            "headline": [
                {"name": name, "old": old_headline[name], "new": new_headline[name]}
                for name in ("cheapest_option", "cheapest_npv", "recommended_option")
            ],
            "npv_by_option": npv,
            "recommendations": recommendations,
            "recommendations_changed": sum(1 for r in recommendations if r["changed"]),
        },
    }
