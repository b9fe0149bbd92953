"""The price of sovereignty: the cheapest option a workload's rules permit against the cheapest
option regardless of them, per workload and summed for the portfolio, with the rules behind it.

Both sides are the engine's own likely-case NPVs: the permitted side from the scenario as
given, the unrestricted side from the same scenario with every refusal lifted
(``Scenario.unrestricted``). The rules that make the difference are those that refuse an offer
(or the whole option) the unrestricted cheapest option is priced at.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from costing.engine.cashflows import Drivers
from costing.engine.portfolio import fleets_for, flows_npv, make_plans, workload_flows
from costing.engine.scenario import Scenario


@dataclass(frozen=True, slots=True)
class Cheapest:
    """The cheapest priced option of a workload and its likely-case NPV."""

    option: str
    npv: float

    def as_dict(self) -> dict:
        return {"option": self.option, "npv": self.npv}


@dataclass(frozen=True, slots=True)
class WorkloadSovereigntyPrice:
    """One workload: cheapest permitted, cheapest regardless of rules, and the rules between."""

    workload: str
    permitted: Cheapest | None  # None: the rules leave no priced option
    unrestricted: Cheapest | None
    rules: tuple[dict, ...]  # {"rule", "name", "citation", "refuses"} for each rule that binds
    # Each option the rules make dearer for this workload, with the rules that do it: what a
    # portfolio placement cites when it puts the workload there.
    option_rules: dict[str, tuple[dict, ...]] = field(default_factory=dict)

    @property
    def difference(self) -> float | None:
        if self.permitted is None or self.unrestricted is None:
            return None
        return self.permitted.npv - self.unrestricted.npv

    @property
    def why(self) -> str:
        """What makes the difference, in words."""
        difference = self.difference
        if self.permitted is None:
            return "the rules leave no priced option"
        if difference is None or abs(difference) < 0.5:
            return "the rules change nothing: the cheapest option is permitted"
        if self.rules:
            return "rules " + ", ".join(r["rule"] for r in self.rules) + " refuse the cheapest"
        # Its own offers are permitted; the owned fleet it shares holds fewer workloads (others
        # were refused it, or moved off it), so its share of that fleet costs more.
        return "its shared owned fleet carries fewer workloads under the rules"

    def as_dict(self) -> dict:
        return {
            "workload": self.workload,
            "permitted": self.permitted.as_dict() if self.permitted else None,
            "unrestricted": self.unrestricted.as_dict() if self.unrestricted else None,
            "difference": self.difference,
            "rules": list(self.rules),
            "option_rules": {option: list(rules) for option, rules in self.option_rules.items()},
            "why": self.why,
        }


@dataclass(frozen=True, slots=True)
class SovereigntyPrice:
    """Every workload's price of sovereignty and their sum (workload by workload)."""

    currency: str
    workloads: tuple[WorkloadSovereigntyPrice, ...]

    @property
    def comparable(self) -> tuple[WorkloadSovereigntyPrice, ...]:
        """Workloads priced both ways (a workload the rules leave nothing for has no price)."""
        return tuple(w for w in self.workloads if w.difference is not None)

    @property
    def permitted_npv(self) -> float:
        return sum(w.permitted.npv for w in self.comparable)  # type: ignore[union-attr]

    @property
    def unrestricted_npv(self) -> float:
        return sum(w.unrestricted.npv for w in self.comparable)  # type: ignore[union-attr]

    def as_dict(self) -> dict:
        permitted, unrestricted = self.permitted_npv, self.unrestricted_npv
        difference = permitted - unrestricted
        return {
            "currency": self.currency,
            "basis": "likely-case NPV, each workload at its cheapest option (workload by workload)",
            "permitted_npv": permitted,
            "unrestricted_npv": unrestricted,
            "difference": difference,
            "difference_pct": difference / unrestricted * 100 if unrestricted else None,
            "workloads_compared": len(self.comparable),
            "workloads_without_permitted_option": [
                w.workload for w in self.workloads if w.permitted is None
            ],
            "rules": rule_totals((w.workload, w.difference, w.rules) for w in self.comparable),
            "workloads": [w.as_dict() for w in self.workloads],
        }


def rule_totals(parts) -> list[dict]:
    """Each binding rule with the workloads it binds and the price they pay for it together;
    ``parts``: (workload id, difference, the rules that bind it), a workload counted once."""
    totals: dict[str, dict] = {}
    for workload, difference, rules in parts:
        for rule in rules:
            entry = totals.setdefault(
                rule["rule"],
                {"rule": rule["rule"], "name": rule["name"], "citation": rule.get("citation", ""),
                 "workloads": [], "difference": 0.0},
            )  # fmt: skip
            entry["workloads"].append(workload)
            entry["difference"] += difference or 0.0
    return sorted(totals.values(), key=lambda r: (-r["difference"], r["rule"]))


def _cheapest(npv_by_option: dict[str, float]) -> Cheapest | None:
    if not npv_by_option:
        return None
    option = min(npv_by_option, key=lambda k: (npv_by_option[k], k))
    return Cheapest(option, npv_by_option[option])


def binding_rules(scenario: Scenario, workload, option: str, offers: list[str]) -> tuple:
    """The rules that refuse ``option`` or one of the ``offers`` it is priced at, for a workload."""
    rules = scenario.rules_for(workload)
    found: dict[str, dict] = {}
    refusals = [rules.refused_options[option]] if option in rules.refused_options else []
    refusals += [rules.refused_offers[o] for o in offers if o in rules.refused_offers]
    for refusal in refusals:
        entry = found.setdefault(
            refusal.rule,
            {"rule": refusal.rule, "name": refusal.name, "citation": refusal.citation,
             "refuses": []},
        )  # fmt: skip
        entry["refuses"].append(refusal.reason)
    return tuple(found.values())


def sovereignty_price(
    scenario: Scenario,
    permitted: dict[str, dict[str, float]],
    unrestricted: dict[str, dict[str, float]],
    unrestricted_offers: dict[str, dict[str, list[str]]],
) -> SovereigntyPrice:
    """``permitted`` and ``unrestricted``: workload -> option -> likely NPV of priced options;
    ``unrestricted_offers``: workload -> option -> ids of the offers the unrestricted run chose."""
    rows = []
    for workload in scenario.workloads:
        allowed = permitted.get(workload.id, {})
        # Lifting the rules leaves every permitted offer on the table: an option never costs
        # a workload more unrestricted than permitted. (A shared fleet's whole servers can make
        # its share dip when the fleet's members change; that is the fleet's, not the rules'.)
        free = {
            option: min(npv, allowed.get(option, npv))
            for option, npv in unrestricted.get(workload.id, {}).items()
        }
        best_permitted = _cheapest(allowed)
        best_free = _cheapest(free)
        chosen = unrestricted_offers.get(workload.id, {})
        option_rules = {
            option: found
            for option, npv in free.items()
            if (option not in allowed or allowed[option] > npv + 1e-6)
            and (found := binding_rules(scenario, workload, option, chosen.get(option, [])))
        }
        rules: tuple = ()
        if best_free is not None and (
            best_permitted is None or best_permitted.npv > best_free.npv + 1e-6
        ):
            rules = option_rules.get(best_free.option, ())
        rows.append(
            WorkloadSovereigntyPrice(workload.id, best_permitted, best_free, rules, option_rules)
        )
    return SovereigntyPrice(scenario.reporting_currency, tuple(rows))


def option_npvs(
    scenario: Scenario,
    drivers: Drivers,
    planned: tuple | None = None,
    workloads_range: tuple[int, int] | None = None,
) -> tuple[dict, dict]:
    """workload -> option -> NPV (mean over samples), and workload -> option -> the ids of the
    offers chosen: the same figures as ``evaluate``'s workloads, without their working.
    ``planned``: the plans and (fleets, errors) already made; ``workloads_range``: a slice."""
    if planned is None:
        plans = make_plans(scenario, drivers)
        fleets, errors = fleets_for(scenario, plans, drivers)
    else:
        plans, (fleets, errors) = planned
    share = 1 / len(plans)
    npvs, offers = {}, {}
    for plan in plans if workloads_range is None else plans[slice(*workloads_range)]:
        row = {}
        for option in scenario.options:
            if option in plan.unavailable or option in errors:
                continue
            flows = workload_flows(scenario, plan, option, fleets.get(option), drivers, share)
            row[option] = float(flows_npv(scenario, flows).mean())
        npvs[plan.workload.id] = row
        offers[plan.workload.id] = {
            option: [offer for *_, offer in rows if offer]
            for option, rows in plan.suppliers.items()
        }
    return npvs, offers


def rules_refuse(scenario: Scenario) -> bool:
    """Whether any rule refuses an offer or option (else permitted and unrestricted agree)."""
    return any(p.refused_offers or p.refused_options for p in scenario.eligibility.values())


def price_of_sovereignty(
    scenario: Scenario, permitted: dict[str, dict[str, float]], drivers: Drivers
) -> SovereigntyPrice:
    """Permitted against unrestricted cheapest options; the unrestricted side is evaluated only
    when some rule refuses something (otherwise both sides are the same figures)."""
    if not rules_refuse(scenario):
        return sovereignty_price(scenario, permitted, permitted, {})
    free, offers = option_npvs(scenario.unrestricted(), drivers)
    return sovereignty_price(scenario, permitted, free, offers)
