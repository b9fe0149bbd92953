"""Evaluate a scenario: cash flows, totals, NPV, unit costs and breakevens per deployment option."""

from __future__ import annotations

import itertools
from dataclasses import asdict, replace

import numpy as np

from costing.engine import budget, finance
from costing.engine.cashflows import COMPONENTS, Array, Drivers, add_into
from costing.engine.choices import OWNED
from costing.engine.fallbacks import add_fallback_flows, fallback_choices, likely_fallbacks
from costing.engine.figures import Figure, given
from costing.engine.finance import HOURS_PER_MONTH as HOURS
from costing.engine.offers import Unavailable
from costing.engine.options import DAYS_PER_MONTH
from costing.engine.portfolio import (
    Plan,
    fleets_for,
    make_plans,
    merged_plans,
    workload_flows,
)
from costing.engine.results import (
    OptionResult,
    Outcome,
    ScenarioResult,
    WorkloadResult,
)
from costing.engine.scenario import Scenario
from costing.engine.sovereignty_price import price_of_sovereignty

# Which price and term figures each component is computed from, by words in their names: a
# component's figure lists them (with catalog row, source, date and exchange rate) as inputs,
# so a reader can follow a total back to its rows.
COMPONENT_INPUTS = {
    "purchase": ("purchase price",),
    "refresh": ("purchase price",),
    "residual": ("purchase price",),
    "loan_payments": ("purchase price",),
    "support": ("purchase price", "support %"),
    "energy": ("server power", "electricity tariff", "PUE"),
    "colocation": ("server power", "colocation rent"),
    "facility_build": ("server power", "facility build cost"),
    "staff": ("loaded cost per FTE-year", "servers per FTE"),
    "cloud_committed": ("reserved", "on_demand"),
    "cloud_on_demand": ("on_demand",),
    "api_tokens": ("token cost",),
}


def _component_inputs(name: str, prices) -> tuple:
    words = COMPONENT_INPUTS.get(name, ())
    return tuple(p for p in prices if any(word in p.name for word in words))


def _result(scenario, option, flows, *, tokens, gpu_hours, prices, utilisation=None):
    currency = scenario.reporting_currency
    stacked = {name: np.asarray(v, dtype=np.float64) for name, v in sorted(flows.items())}
    mean = {name: v.mean(axis=0) for name, v in stacked.items()}
    rate = scenario.discount_rate_per_year
    every = np.zeros(np.broadcast_shapes(*(v.shape for v in stacked.values())))
    for values in stacked.values():
        every += values  # NPV is linear: discount the sum once
    npv = finance.npv_with_upfront(every, rate)
    total = every.sum(axis=1)
    parts = tuple(
        Figure(
            f"{name} over horizon",
            float(v.sum()),
            currency,
            COMPONENTS[name],
            _component_inputs(name, prices),
        )
        for name, v in mean.items()
    )
    total_fig = Figure(
        "total cost", float(total.mean()), currency,
        "sum of every component over time 0 and months 1..horizon (undiscounted)", parts,
    )  # fmt: skip
    flat = every.mean(axis=0)
    npv_fig = finance.npv(flat[1:], rate, currency=currency, upfront=float(flat[0]))
    figures = [total_fig, npv_fig]
    # The unit costs by stable key, for readers; the figures keep their working.
    unit_costs: dict[str, Figure] = {}
    if float(np.mean(tokens)) > 0:
        count = given("tokens over horizon", float(np.mean(tokens)), "tokens")
        unit_costs["per_million_tokens"] = finance.cost_per_million_tokens(total_fig, count)
    if float(np.mean(gpu_hours)) > 0 and option != "managed_api":
        hours = given("GPU-hours of work over horizon", float(np.mean(gpu_hours)), "GPU-hours")
        unit_costs["per_gpu_hour"] = finance.cost_per_gpu_hour(total_fig, hours)
    if utilisation is not None:
        unit_costs["utilisation"] = utilisation
    figures += unit_costs.values()
    return OptionResult(
        option, currency, mean, total, npv, (*figures, *parts, *prices),
        unit_costs={key: figure.value for key, figure in unit_costs.items()},
    )  # fmt: skip


def _sizing(plan: Plan) -> dict[str, dict]:
    found = {}
    for option, place in plan.choice.items():
        s = place.sizing
        found[option] = {
            "gpu": place.gpu,
            "binding_constraint": s.binding_constraint,
            "peak_gpus": place.peak_gpus,
            "base_gpus": place.base_gpus,
            "gpu_hours_per_month": place.busy_gpu_hours,
            # Serving: the share of one replica its peak load fills (0 for batch work).
            "peak_replica_share": place.peak_load_replicas,
            # Figures stay objects until as_dict: most runs never print them.
            "figures": (s.gpus_per_replica, s.replicas, s.total_gpus, s.utilization,
                        s.tokens_per_second),
        }  # fmt: skip
    return found


def _fleet_summary(fleets) -> list[dict]:
    return [
        {
            "gpu": gpu,
            "servers_by_month": fleet.servers.mean(axis=0).tolist(),
            "utilisation_by_month": fleet.utilisation.mean(axis=0).round(4).tolist(),
            "utilisation": float(fleet.busy.sum() / max(fleet.gpus_held.sum() * HOURS, 1e-9)),
            "note": "utilisation = GPU-hours of work / (GPUs held x 730 h); servers are bought "
            "when the combined need of the workloads first exceeds the fleet, and kept",
        }
        for gpu, fleet in fleets.items()
    ]


def _utilisation(fleets) -> Figure | None:
    if not fleets:
        return None
    samples = next(iter(fleets.values())).busy.shape[0]
    busy = sum(float(f.busy.sum()) for f in fleets.values()) / samples
    held = sum(float(f.gpus_held.sum()) for f in fleets.values()) / samples
    return Figure(
        "fleet utilisation", busy / (held * HOURS) if held else 0.0, "fraction",
        "GPU-hours of work / (GPUs held x 730 h), over the horizon and every GPU type",
        (given("GPU-hours of work", busy, "GPU-hours"), given("GPU-months held", held, "GPUs")),
    )  # fmt: skip


def _breakevens(scenario: Scenario, results: dict[str, OptionResult]) -> tuple[dict, ...]:
    rows = []
    for a, b in itertools.combinations(sorted(results), 2):
        cheap, dear = sorted((a, b), key=lambda k: float(results[k].total.mean()))
        flows_c, flows_d = results[cheap].monthly, results[dear].monthly
        month = finance.breakeven_month(
            flows_c[1:], flows_d[1:], currency=scenario.reporting_currency,
            upfront_a=float(flows_c[0]), upfront_b=float(flows_d[0]),
            label_a=cheap, label_b=dear,
        )  # fmt: skip
        rows.append({
            "options": [a, b],
            "cheaper_at_horizon": cheap,
            "breakeven_month": None if month is None else month.value,
            "figure": month,  # written out with the result's sources by as_dict
        })  # fmt: skip
    return tuple(rows)


def _workload_result(scenario, plan: Plan, fleets, fleet_errors, drivers, share):
    w = plan.workload
    budget.check(f"the results of workload {w.id}")
    tokens = w.tokens_per_day * DAYS_PER_MONTH * plan.demand.sum(axis=1) if w.is_token else 0
    outcomes: dict[str, Outcome] = {}
    for option in scenario.options:
        missing = plan.unavailable.get(option) or fleet_errors.get(option)
        if missing is not None:
            if option in plan.inapplicable and isinstance(missing, Unavailable):
                missing = replace(missing, inapplicable=True)
            outcomes[option] = missing
            continue
        flows = workload_flows(scenario, plan, option, fleets.get(option), drivers, share)
        place = plan.choice.get(option)
        hours = place.busy_gpu_hours * plan.load.sum(axis=1) if place else 0.0
        outcomes[option] = _result(scenario, option, flows, tokens=tokens, gpu_hours=hours,
                                   prices=plan.prices.get(option, ()))  # fmt: skip
    priced = {k: v for k, v in outcomes.items() if isinstance(v, OptionResult)}
    suppliers = {
        option: [
            {"role": role, "name": name, "region": region, "offer": offer}
            for role, name, region, offer in rows
        ]
        for option, rows in plan.suppliers.items()
    }
    return WorkloadResult(
        w.id, w.name, w.kind, _sizing(plan), outcomes, _breakevens(scenario, priced), suppliers
    )


def _portfolio_option(
    scenario, plans: list[Plan], option, fleets, fleet_errors, drivers, share, fallbacks_to
):
    """One option for the whole portfolio, costed on workloads merged by growth and GPU type.

    A workload that cannot use the option whatever the prices (a closed model on premises,
    speech through a token API, an offer its rules refuse) keeps its cheapest other option, so
    that every option's total covers every workload; the option's figures name each such
    fallback. A missing price still makes the option unavailable, saying which.
    """
    budget.check(f"the portfolio's {option} totals")
    if option in fleet_errors:
        return fleet_errors[option]
    if not plans:  # every workload was left out: nothing to cost, never a zero total
        return Unavailable(option, "workloads", "no workload of the portfolio can be placed")
    blocked = [plan for plan in plans if option in plan.unavailable]
    priceless = [plan for plan in blocked if option not in plan.incompatible]
    if priceless:  # a missing price makes the option unavailable, never cheaper
        ids = [plan.workload.id for plan in priceless]
        names = ", ".join(ids[:5]) + ("..." if len(ids) > 5 else "")
        first = priceless[0].unavailable[option]
        counted = f"{len(ids)} workload{'' if len(ids) == 1 else 's'}"
        why = f"{counted} cannot use it ({names}); first: {first.reason}"
        return Unavailable(option, first.missing, why)
    if blocked and len(blocked) == len(plans):  # nothing would run on the option itself
        # Name what is missing for work the option could take before work it never applies to.
        telling = [p for p in blocked if option not in p.inapplicable]
        first = (telling or blocked)[0].unavailable[option]
        why = f"no workload of the portfolio can use it; first: {first.reason}"
        return Unavailable(option, first.missing, why)
    flows: dict[str, Array] = {}
    fallbacks = []
    for plan in blocked:
        other = fallbacks_to.get((option, plan.workload.id))
        if other is None:
            ids = [p.workload.id for p in blocked]
            names = ", ".join(ids[:5]) + ("..." if len(ids) > 5 else "")
            reason = plan.unavailable[option].reason
            why = (
                f"{plan.workload.id} cannot use it nor any other option ({reason}); "
                f"workloads without it: {names}"
            )
            return Unavailable(option, plan.unavailable[option].missing, why)
        fallbacks.append((plan, other))
    unavailable = add_fallback_flows(scenario, flows, fallbacks, drivers, share)
    if unavailable is not None:
        return unavailable
    usable = [plan for plan in plans if option not in plan.unavailable]
    hours = tokens = 0.0
    if option in OWNED:
        # The shared fleets whole (the workloads' shares sum to them); below, each merged
        # plan adds what is its own (hybrid's bursts, network and storage).
        for fleet in fleets[option].values():
            add_into(flows, fleet.flows)
    # GPU-hours of work per month, summed per load curve before the curve over its months.
    busy: dict[int, list] = {}

    def add_busy(plan: Plan, chosen: str) -> None:
        busy.setdefault(id(plan.load), [plan.load, 0.0])[1] += plan.choice[chosen].busy_gpu_hours

    for plan, count in merged_plans(usable, option):
        budget.check(f"the portfolio's {option} totals")
        add_into(flows, workload_flows(scenario, plan, option, None, drivers, share * count))
        if option in plan.choice:
            add_busy(plan, option)
    for plan, other in fallbacks:
        if other in plan.choice:
            add_busy(plan, other)
    for load, per_month in busy.values():
        hours = hours + per_month * load.sum(axis=1)
    if all(plan.workload.is_token for plan in plans):
        by_curve: dict[int, list[Plan]] = {}
        for plan in plans:
            by_curve.setdefault(id(plan.demand), []).append(plan)
        for group in by_curve.values():
            per_day = sum(plan.workload.tokens_per_day for plan in group)
            tokens = tokens + per_day * DAYS_PER_MONTH * group[0].demand.sum(axis=1)
    # The offers behind the option's costs, each once, with their conversion and date.
    prices = {f.name: f for plan in usable for f in plan.prices.get(option, ())}
    prices |= {f.name: f for plan, other in fallbacks for f in plan.prices.get(other, ())}
    result = _result(
        scenario, option, flows, tokens=tokens, gpu_hours=hours, prices=tuple(prices.values()),
        utilisation=_utilisation(fleets.get(option, {})),
    )  # fmt: skip
    if not fallbacks:
        return result
    note = Figure(
        "workloads on another option", float(len(fallbacks)), "workloads",
        "workloads that cannot use this option, costed on their cheapest other option: "
        + "; ".join(f"{plan.workload.id} -> {other} ({plan.unavailable[option].reason})"
                    for plan, other in fallbacks),
    )  # fmt: skip
    return replace(result, figures=(*result.figures, note), fallbacks=tuple(
        {"workload": plan.workload.id, "option": other, "reason": plan.unavailable[option].reason}
        for plan, other in fallbacks
    ))  # fmt: skip


def _likely_npvs(workloads: list[WorkloadResult]) -> dict[str, dict[str, float]]:
    return {
        w.id: {o: float(v.npv.mean()) for o, v in w.options.items() if isinstance(v, OptionResult)}
        for w in workloads
    }


# The last scenarios' plans and fleets at the likely drivers, by object: a run in chunks sizes
# its whole portfolio once per process, not once per chunk. The scenario is kept with them so
# that its id cannot be reused while the entry lives.
_LIKELY_PLANS: dict[int, tuple[Scenario, list[Plan], tuple]] = {}


def likely_plans(scenario: Scenario, drivers: Drivers) -> tuple[list[Plan], tuple]:
    """Every workload's plan and the shared fleets, at the likely drivers (``drivers``)."""
    found = _LIKELY_PLANS.get(id(scenario))
    if found is not None and found[0] is scenario:
        return found[1], found[2]
    plans = make_plans(scenario, drivers)
    fleets = fleets_for(scenario, plans, drivers)
    if len(_LIKELY_PLANS) >= 2:
        _LIKELY_PLANS.pop(next(iter(_LIKELY_PLANS)))
    _LIKELY_PLANS[id(scenario)] = (scenario, plans, fleets)
    return plans, fleets


def workloads_part(scenario: Scenario, start: int, stop: int) -> tuple[list[WorkloadResult], dict]:
    """The results of workloads ``start`` to ``stop`` at the likely drivers, as ``evaluate``
    gives them, and where each falls back in an option's portfolio total it cannot use (see
    ``likely_fallbacks``)."""
    drivers = Drivers.likely(scenario.uncertainty)
    plans, (fleets, fleet_errors) = likely_plans(scenario, drivers)
    share = 1 / len(plans)
    chosen = plans[start:stop]
    workloads = [
        _workload_result(scenario, plan, fleets, fleet_errors, drivers, share) for plan in chosen
    ]
    return workloads, fallback_choices(scenario, chosen, fleets, share, drivers)


def evaluate(
    scenario: Scenario,
    drivers: Drivers | None = None,
    *,
    per_workload: bool = True,
    portfolio: bool = True,
    workloads_range: tuple[int, int] | None = None,
) -> ScenarioResult:
    """Cash flows of every option for the portfolio (unless ``portfolio`` is False) and (unless
    ``per_workload`` is False, as a Monte Carlo wants) for every workload, one row per sample
    of the drivers; with workloads, the price of sovereignty at the likely drivers.

    ``workloads_range`` (start, stop): the workloads' results of that slice only, each exactly
    as the whole portfolio's evaluation gives it (the shared fleets are sized on every workload
    still), so a large portfolio's workloads can be costed in chunks by several processes."""
    at_likely = drivers is None
    drivers = drivers or Drivers.likely(scenario.uncertainty)
    if at_likely:
        plans, (fleets, fleet_errors) = likely_plans(scenario, drivers)
    else:
        plans = make_plans(scenario, drivers)
        fleets, fleet_errors = fleets_for(scenario, plans, drivers)
    share = 1 / len(plans)  # network and storage are split evenly between workloads
    fallbacks_to = {}
    if portfolio:
        # Fallbacks are chosen in the likely case, whatever the drivers being evaluated.
        fallbacks_to = likely_fallbacks(scenario, (plans, fleets) if at_likely else None)
    context = (fleets, fleet_errors, drivers, share)
    chosen = plans if workloads_range is None else plans[slice(*workloads_range)]
    workloads = [_workload_result(scenario, plan, *context) for plan in chosen if per_workload]
    options = scenario.options if portfolio else ()
    # A workload no option can take (every one refused or unpriced) would make every total
    # unavailable: the totals cover the others and name it.
    placeable = [p for p in plans if any(o not in p.unavailable for o in scenario.options)]
    left_out = tuple(
        {"workload": p.workload.id,
         "reasons": {o: u.reason for o, u in p.unavailable.items()}}
        for p in plans if not any(o not in p.unavailable for o in scenario.options)
    )  # fmt: skip
    by_option = {
        o: _portfolio_option(scenario, placeable, o, *context, fallbacks_to) for o in options
    }
    available = {k: v for k, v in by_option.items() if isinstance(v, OptionResult)}
    cheapest = min(available, key=lambda k: float(available[k].npv.mean()), default=None)
    return ScenarioResult(
        name=scenario.name,
        currency=scenario.reporting_currency,
        horizon_months=scenario.horizon_months,
        samples=drivers.samples,
        discounting=finance.DISCOUNTING,
        portfolio=by_option,
        workloads=tuple(workloads),
        fleets={k: _fleet_summary(v) for k, v in fleets.items()},
        breakevens=_breakevens(scenario, available),
        cheapest=cheapest,
        assumptions=asdict(scenario.assumptions),
        left_out=left_out,
        sovereignty_price=(
            price_of_sovereignty(scenario, _likely_npvs(workloads), drivers)
            if per_workload and portfolio and drivers.samples == 1 and workloads_range is None
            else None
        ),
    )
