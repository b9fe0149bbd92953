"""Costing a given placement under the problem's model, and the workload-by-workload baseline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from assessments.placement.problem import Array, Constraints, PlacementProblem

# A need this close above a whole number of servers still fits them, as the engine packs them.
PACKING_TOLERANCE = 1e-9


def servers_held(need_gpus: Array, gpus_per_server: int) -> Array:
    """Whole servers held per period for a need per period: bought when first needed, kept."""
    peak = np.maximum.accumulate(np.asarray(need_gpus, dtype=np.float64), axis=-1)
    return np.maximum(np.ceil(peak / gpus_per_server - PACKING_TOLERANCE), 0.0)


@dataclass(frozen=True)
class PlacementCost:
    """A placement costed under the problem's model: what it holds, which limits it breaks."""

    cost: float
    cost_by_option: dict[str, float]
    servers_by_group: tuple[Array, ...]  # per group, servers held per period
    power_kw: float
    rack_units: float
    sovereign_share: float
    violations: tuple[str, ...]


def placement_cost(problem: PlacementProblem, choice: NDArray[np.int64]) -> PlacementCost:
    """Cost a placement (option index per workload) with the owned fleets shared."""
    rows = np.arange(len(problem.workloads))
    if not np.all(problem.allowed[rows, choice]):
        raise ValueError("the placement puts a workload on an option it is not allowed")
    by_option = dict.fromkeys(problem.options, 0.0)
    np_costs = problem.cost[rows, choice]
    for j, option in enumerate(problem.options):
        by_option[option] = float(np_costs[choice == j].sum())
    held_all, power, racks = [], 0.0, 0.0
    chosen_group = problem.group_of[rows, choice]
    for g, group in enumerate(problem.groups):
        members = chosen_group == g
        need = problem.need_gpus[rows[members], choice[members]].sum(axis=0)
        gang = problem.gangs()[rows[members], choice[members]].max(initial=0.0)
        held = servers_held(np.maximum(need, gang), group.gpus_per_server)
        held_all.append(held)
        fleet = float(held @ group.holding_cost_by_period())
        by_option[group.option] += fleet
        peak = float(held[-1]) if held.size else 0.0
        power += peak * group.power_kw
        racks += peak * group.rack_units
    weights = problem.workload_weights()
    share = float(weights @ problem.sovereign[rows, choice] / weights.sum()) if len(rows) else 1.0
    cost = float(sum(by_option.values()))
    return PlacementCost(
        cost, by_option, tuple(held_all), power, racks, share,
        violations(problem.constraints, cost, power, racks, share),
    )  # fmt: skip


# Limits are met within this relative slack, as the solver's own feasibility tolerance allows.
LIMIT_TOLERANCE = 1e-7


def violations(
    limits: Constraints, cost: float, power_kw: float, rack_units: float, sovereign_share: float
) -> tuple[str, ...]:
    """Names of the limits a placement breaks."""
    found = []
    checks = (
        ("budget_cap", cost, limits.budget_cap, 1),
        ("power_limit_kw", power_kw, limits.power_limit_kw, 1),
        ("rack_units_limit", rack_units, limits.rack_units_limit, 1),
        ("min_sovereign_share", sovereign_share, limits.min_sovereign_share, -1),
    )
    for name, value, limit, sense in checks:
        if limit is not None and sense * (value - limit) > LIMIT_TOLERANCE * max(abs(limit), 1):
            found.append(name)
    return tuple(found)


def alone_costs(problem: PlacementProblem) -> Array:
    """(W, O) cost of each workload on each option as if it held its owned fleet alone
    (its own whole servers); +inf where the option is not allowed."""
    alone = np.where(problem.allowed, problem.cost, np.inf)
    rows, cols = np.nonzero(problem.allowed & (problem.group_of >= 0))
    for g, group in enumerate(problem.groups):
        members = problem.group_of[rows, cols] == g
        w, o = rows[members], cols[members]
        need = np.maximum(problem.need_gpus[w, o], problem.gangs()[w, o][:, None])
        held = servers_held(need, group.gpus_per_server)
        alone[w, o] += held @ group.holding_cost_by_period()
    return alone


def baseline_choice(problem: PlacementProblem) -> NDArray[np.int64] | None:
    """Workload by workload: each takes its cheapest allowed option alone (None if one has none)."""
    if not np.all(problem.allowed.any(axis=1)):
        return None
    return np.argmin(alone_costs(problem), axis=1)
