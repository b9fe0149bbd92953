"""Portfolio fallbacks: the option a workload keeps in an option's portfolio total when it
cannot use that option, chosen once in the likely case, and the flows it adds there."""

from __future__ import annotations

from costing.engine import budget
from costing.engine.cashflows import Array, Drivers, add_into
from costing.engine.choices import OWNED
from costing.engine.offers import Missing, Unavailable
from costing.engine.portfolio import (
    Plan,
    add_fleet,
    fleets_for,
    flows_npv,
    make_plans,
    merged_plans,
    shared_fleets,
    workload_flows,
)
from costing.engine.scenario import Scenario


def _cheapest_other(scenario, plan: Plan, option, fleets, drivers, share) -> str | None:
    """The option a workload that cannot use ``option`` keeps: its cheapest other one (NPV of
    the first sample of ``drivers``, which callers make the likely case), or None."""
    best = None
    for other in scenario.options:
        if other == option or other in plan.unavailable:
            continue
        if other in OWNED and other not in fleets:
            continue  # the owned fleet cannot be costed (a facility or staff price missing)
        flows = workload_flows(scenario, plan, other, fleets.get(other), drivers, share)
        npv = float(flows_npv(scenario, flows)[0])
        if best is None or npv < best[1]:
            best = (other, npv)
    return None if best is None else best[0]


def fallback_choices(scenario, plans: list[Plan], fleets, share, likely) -> dict:
    """(option, workload id) -> the option it keeps instead, chosen at the likely drivers so that
    every sample of a Monte Carlo and every tornado bar keeps the same choice."""
    choices = {}
    for plan in plans:
        budget.check(f"choosing where workload {plan.workload.id} falls back")
        for option in scenario.options:
            if option in plan.unavailable:
                other = _cheapest_other(scenario, plan, option, fleets, likely, share)
                if other is not None:
                    choices[option, plan.workload.id] = other
    return choices


def add_fallback_flows(
    scenario, flows: dict[str, Array], fallbacks, drivers, share
) -> Unavailable | None:
    """Add the flows of the workloads kept on another option. Those kept on an owned option
    hold a fleet of their own, sized on them alone: a share of the fleet sized for every
    workload that could use that option would price servers this portfolio never buys."""
    by_other: dict[str, list[Plan]] = {}
    for plan, other in fallbacks:
        budget.check(f"costing workload {plan.workload.id} on {other}")
        by_other.setdefault(other, []).append(plan)
    for other, group in by_other.items():
        if other not in OWNED:
            continue
        try:
            own = shared_fleets(scenario, group, other, drivers)
        except Missing as error:
            return error.for_option(other).as_result()
        # The workloads' shares of their fleet sum to the fleet wherever it is needed.
        for fleet in own.values():
            add_fleet(flows, fleet)
    for other, group in by_other.items():
        # A kept workload commits in whole instances of its own, which do not add up; every
        # other cost is linear in the load, so workloads that grow alike on the same GPU type
        # and prices are added up first and costed once.
        if other == "cloud_committed":
            parts = [(plan, 1) for plan in group]
        else:
            parts = merged_plans(group, other)
        for plan, count in parts:
            add_into(flows, workload_flows(scenario, plan, other, None, drivers, share * count))
    return None


# The last scenarios' likely-case fallbacks, by object: a Monte Carlo or a tornado evaluates one
# scenario many times and the choice never moves with the drivers. The scenario is kept with
# its answer so that its id cannot be reused while the entry lives.
_FALLBACKS: dict[int, tuple[Scenario, dict]] = {}


def fallbacks_known(scenario: Scenario, choices: dict) -> None:
    """Record the likely-case fallbacks of ``scenario``, chosen workload by workload elsewhere
    (a run in chunks), as ``likely_fallbacks`` would have chosen them."""
    if len(_FALLBACKS) >= 8:
        _FALLBACKS.pop(next(iter(_FALLBACKS)))
    _FALLBACKS[id(scenario)] = (scenario, choices)


def likely_fallbacks(scenario: Scenario, evaluated: tuple | None) -> dict:
    cached = _FALLBACKS.get(id(scenario))
    if cached is not None and cached[0] is scenario:
        return cached[1]
    likely = Drivers.likely(scenario.uncertainty)
    plans, fleets = evaluated or (None, None)
    if plans is None:
        plans = make_plans(scenario, likely)
        fleets = fleets_for(scenario, plans, likely)[0]
    choices = fallback_choices(scenario, plans, fleets, 1 / len(plans), likely)
    if len(_FALLBACKS) >= 8:
        _FALLBACKS.pop(next(iter(_FALLBACKS)))
    _FALLBACKS[id(scenario)] = (scenario, choices)
    return choices
