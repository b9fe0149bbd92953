"""A placement problem built from a scenario with the engine's own sizing, cash flows and NPV.

Each coefficient is the engine's NPV of a piece of the engine's own flows at the likely drivers:

* variable cost of (workload, option): ``workload_flows`` with the shared fleet's flows left
  out (rent, tokens, network and storage share, hybrid's burst), plus on an owned option the
  energy its GPU-hours add to the fleet;
* server cost by month: ``owned_fleet`` run on a need of exactly one server from that month on,
  with no work (purchase, refresh, residual, build, support, staff, rent, software, idle energy);
* energy per GPU-hour of work by month: ``owned_fleet`` of one server with one GPU-hour of work
  in that month, less the same server idle.

Every owned flow is linear in the servers bought (or held) and in the GPU-hours of work, as
long as a fleet is never used above 100%: the engine sizes owned fleets on
max(peak, GPU-hours / (730 h x utilisation target)), so it never is. The sum of the pieces is
therefore the engine's cost of a placement, to rounding.

Whole servers are counted at checkpoints. With a checkpoint every month the problem is the
engine's own cost model (exact to rounding, but slow to prove for large portfolios: the solver
must show that no mix of workloads packs the servers better in all 60 months at once). With
fewer checkpoints (the default: one, at the horizon) a fleet costs its exact monthly fractional
servers plus, at each checkpoint, the part of a server left empty, held for the checkpoint's
period. In every month the model then holds less than one server more or fewer than the
engine, so a placement's cost differs from the engine's by less than one server's NPV over
the horizon per fleet used: negligible for a 1,000-workload portfolio (0.4% measured by the
benchmark), too much for a small one, which is why small portfolios are counted monthly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from assessments.placement.problem import Array, Constraints, FleetGroup, PlacementProblem
from costing.engine import options as opt
from costing.engine.cashflows import Drivers, monthly_curve, owned_fleet
from costing.engine.choices import OWNED, fleet_terms
from costing.engine.evaluate import evaluate
from costing.engine.offers import Missing
from costing.engine.portfolio import (
    flows_npv,
    make_plans,
    owned_gang,
    owned_levels,
    workload_flows,
)
from costing.engine.results import OptionResult
from costing.engine.scenario import Scenario

# Up to this many workloads, whole servers are counted every month by default.
EXACT_UP_TO = 60


def _npv(scenario: Scenario, flows: dict[str, Array]) -> Array:
    """NPV per row of flows (rows, months + 1), as the engine discounts them."""
    if not flows:  # an owned option whose every flow is the shared fleet's
        return np.zeros(1)
    return flows_npv(scenario, flows)


def _fleet_group(scenario: Scenario, option: str, gpu: str, drivers: Drivers):
    """The fleet group of (option, GPU) and the NPV of one GPU-hour of work in each month."""
    terms = fleet_terms(scenario, option, gpu)
    server, _ = opt.cheapest_server(scenario, gpu)
    months, gpus = scenario.horizon_months, terms.gpus_per_server
    span = np.arange(months)
    # Rows 0..months-1: one server first needed in month k, idle. Rows months..2 months-1:
    # one server from the start with one GPU-hour of work in month m. Last row: that server idle.
    first_needed = (span[None, :] >= span[:, None]) * float(gpus)
    need = np.vstack([first_needed, np.full((months + 1, months), float(gpus))])
    busy = np.vstack([np.zeros((months, months)), np.eye(months), np.zeros((1, months))])
    trend = monthly_curve(scenario.assumptions.electricity_price_trend_per_year, months)
    flows, _, _ = owned_fleet(need, busy, terms, scenario.assumptions, drivers, trend)
    value = _npv(scenario, flows)
    rack_units = np.nan if server.rack_units is None else float(server.rack_units)
    group = FleetGroup(option, gpu, gpus, value[:months], terms.power_kw, rack_units)
    return group, value[months:-1] - value[-1]


def placement_problem(
    scenario: Scenario,
    *,
    allowed: Mapping[tuple[str, str], bool] | None = None,
    sovereign: Mapping[tuple[str, str], bool] | None = None,
    constraints: Constraints | None = None,
    weights: Mapping[str, float] | None = None,
    checkpoint_months: int | None = None,
) -> PlacementProblem:
    """The scenario's workloads x options as a placement problem at the likely drivers.

    ``allowed`` and ``sovereign`` map (workload id, option) to a bool (missing: allowed, not
    sovereign); an option the engine cannot price for a workload is never allowed. ``weights``
    (workload id -> weight) weigh the sovereign share; missing ones weigh 1.
    ``checkpoint_months``: whole servers are counted every so many months (1 is the engine's
    model, exactly); None chooses: every month for portfolios of up to ``EXACT_UP_TO``
    workloads (proven in well under a second), else once, at the horizon.
    """
    allowed, sovereign, weights = allowed or {}, sovereign or {}, weights or {}
    limits = constraints or Constraints()
    drivers = Drivers.likely(scenario.uncertainty)
    plans = make_plans(scenario, drivers)
    ids = tuple(plan.workload.id for plan in plans)
    options, months = scenario.options, scenario.horizon_months
    shape = (len(plans), len(options))
    cost, ok = np.zeros(shape), np.zeros(shape, dtype=bool)
    group_of = np.full(shape, -1, dtype=np.int64)
    need = np.zeros((*shape, months))
    gang = np.zeros(shape)
    groups: list[FleetGroup] = []
    found: dict[tuple[str, str], tuple[int, Array] | None] = {}
    share = 1 / len(plans)
    for j, option in enumerate(options):
        for i, plan in enumerate(plans):
            if option in plan.unavailable or not allowed.get((plan.workload.id, option), True):
                continue
            if option not in OWNED:
                flows = workload_flows(scenario, plan, option, None, drivers, share)
                cost[i, j], ok[i, j] = _npv(scenario, flows)[0], True
                continue
            key = (option, plan.choice[option].gpu)
            if key not in found:
                found[key] = _new_group(scenario, key, drivers, groups)
            if found[key] is None:
                continue  # the fleet cannot be costed (no facility, staff or support terms)
            g, energy_per_gpu_hour = found[key]
            level, hours = owned_levels(plan, option)
            flows = workload_flows(scenario, plan, option, None, drivers, share)
            cost[i, j] = _npv(scenario, flows)[0] + float(hours[0] @ energy_per_gpu_hour)
            # Servers are kept when demand dips, so a workload's need never falls.
            ok[i, j], group_of[i, j] = True, g
            need[i, j] = np.maximum.accumulate(level[0])
            gang[i, j] = owned_gang(plan, option)
    if limits.rack_units_limit is not None and any(np.isnan(g.rack_units) for g in groups):
        raise ValueError("a rack-units limit needs the rack units of every server offer used")
    if checkpoint_months is None:
        checkpoint_months = 1 if len(plans) <= EXACT_UP_TO else months
    starts = np.arange(0, months, checkpoint_months)
    cost += _between_checkpoints(need, group_of, groups, starts)
    need = np.maximum.reduceat(need, starts, axis=2) if need.size else need[..., starts]
    return PlacementProblem(
        workloads=ids,
        options=options,
        cost=cost,
        allowed=ok,
        sovereign=np.array([[bool(sovereign.get((w, o), False)) for o in options] for w in ids]),
        groups=tuple(
            replace(g, server_cost_by_period=g.server_cost_by_period[starts]) for g in groups
        ),
        group_of=group_of,
        need_gpus=need,
        constraints=limits,
        weights=np.array([float(weights.get(w, 1.0)) for w in ids]),
        currency=scenario.reporting_currency,
        gang_gpus=gang,
    )


def _between_checkpoints(need: Array, group_of, groups: list[FleetGroup], starts) -> Array:
    """(W, O) cost of the months between checkpoints: a workload's exact monthly fractional
    servers, less what the checkpoints charge for its need at their end, so that the problem's
    fleet cost is monthly fractional servers + the empty part of a server at each checkpoint."""
    correction = np.zeros(group_of.shape)
    for g, group in enumerate(groups):
        monthly = group.holding_cost_by_period()
        per_period = np.add.reduceat(monthly, starts)
        ends = np.append(starts[1:], monthly.size) - 1
        members = group_of == g
        exact = need[members] @ monthly
        charged = need[members][:, ends] @ per_period
        correction[members] = (exact - charged) / group.gpus_per_server
    return correction


def _new_group(scenario, key, drivers, groups: list[FleetGroup]) -> tuple[int, Array] | None:
    try:
        group, energy_per_gpu_hour = _fleet_group(scenario, *key, drivers)
    except Missing:
        return None
    groups.append(group)
    return len(groups) - 1, energy_per_gpu_hour


def engine_cost_by_option(scenario: Scenario, assignment: Mapping[str, str]) -> dict[str, float]:
    """NPV per option of a placement, re-costed by ``evaluate`` on each option's workloads.

    The engine splits network and storage evenly between all of a scenario's workloads; a
    subset carries its members' share of it, so each sub-scenario's monthly amount is scaled
    by members / all workloads.
    """
    missing = [w.id for w in scenario.workloads if w.id not in assignment]
    if missing:
        raise ValueError(f"the placement leaves out {len(missing)} workload(s): {missing[:5]}")
    drivers = Drivers.likely(scenario.uncertainty)
    network = scenario.assumptions.network_storage_per_month
    members: dict[str, list] = {}
    for workload in scenario.workloads:
        members.setdefault(assignment[workload.id], []).append(workload)
    costs, everyone = {}, len(scenario.workloads)
    for option, workloads in members.items():
        assumptions = scenario.assumptions
        if network is not None:
            part = replace(network, amount=network.amount * len(workloads) / everyone)
            assumptions = replace(assumptions, network_storage_per_month=part)
        subset = replace(
            scenario, workloads=tuple(workloads), options=(option,), assumptions=assumptions
        )
        outcome = evaluate(subset, drivers, per_workload=False).portfolio[option]
        if not isinstance(outcome, OptionResult):
            raise ValueError(f"{option} is not available to its workloads: {outcome.reason}")
        costs[option] = float(outcome.npv.mean())
    return costs


def placement_cost_by_engine(scenario: Scenario, assignment: Mapping[str, str]) -> float:
    """NPV of a placement (workload id -> option) computed by the engine itself."""
    return sum(engine_cost_by_option(scenario, assignment).values())
