"""The exact placement: a mixed-integer program solved to proven optimality by HiGHS.

Variables: x[w, o] binary for every allowed (workload, option); s[g, p] integer servers held by
fleet group g in period p. Rows: each workload on exactly one option; each group's servers x
GPUs per server cover the GPUs its workloads need in every period; servers never fall from one
period to the next (the engine keeps what it bought); then the organization's limits. The
matrices are built sparse: a workload appears in one row per period of the groups it may join,
so the rows grow with workloads x periods, never with workloads squared.

Workloads the problem cannot tell apart (same costs, needs, masks and weight: the same service
run for several teams) are one class: x[c, o] counts how many of its k members take o, with
sum over o = k, and a job's gang row holds through a binary z[c, o] >= x[c, o] / k. The optimum
is the same; the solver no longer proves it over every permutation of interchangeable members.
A class of one is the binary x[w, o] above, row for row.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp

from assessments.placement.costs import (
    PlacementCost,
    baseline_choice,
    placement_cost,
)
from assessments.placement.problem import Array, Constraints, PlacementProblem
from assessments.placement.result import FleetSummary, PlacementResult

# HiGHS' own default relative gap: the optimum is proven to within 0.01% of the best bound.
MIP_REL_GAP = 1e-4
# A limit counts as binding when relaxing it alone lowers the optimum by more than this share
# (twice the proof tolerance, so that two solves' gaps cannot make a limit look binding).
BINDING_REL = 2 * MIP_REL_GAP

METHOD = (
    "mixed-integer program: binary x[w,o] per allowed (workload, option), "
    "sum over o of x[w,o] = 1; integer servers s[g,p] per owned fleet group (option, GPU type) "
    "and checkpoint period, GPUs per server x s[g,p] >= sum of the GPUs its workloads need "
    "in p, and >= the GPUs any one of its jobs needs at once; s[g,p] <= s[g,p+1]; "
    "objective = sum of variable NPVs x x + sum of holding cost per server and period x s; "
    "budget, power, rack units (servers at the horizon) and sovereign share as rows; "
    "solved by HiGHS branch and cut (scipy.optimize.milp) to a relative gap of 1e-4"
)

LABELS = {
    "budget_cap": "budget cap",
    "power_limit_kw": "power limit",
    "rack_units_limit": "rack-units limit",
    "min_sovereign_share": "minimum sovereign share",
}


@dataclass(frozen=True)
class _Classes:
    """Workloads grouped by everything the problem knows of them, in order of first member."""

    members: tuple[NDArray[np.int64], ...]  # per class, its workloads in the problem's order

    @property
    def first(self) -> NDArray[np.int64]:
        return np.array([m[0] for m in self.members], dtype=np.int64)

    @property
    def size(self) -> Array:
        return np.array([m.size for m in self.members], dtype=np.float64)


def _classes(problem: PlacementProblem) -> _Classes:
    allowed = problem.allowed
    count = len(problem.workloads)
    features = np.hstack([
        np.where(allowed, problem.cost, 0.0), allowed, problem.sovereign, problem.group_of,
        problem.need_gpus.reshape(count, -1), problem.gangs(),
        problem.workload_weights()[:, None],
    ])  # fmt: skip
    _, first, inverse = np.unique(features, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # classes in the order of their first member
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    of = rank[np.ravel(inverse)]
    sorted_members = np.argsort(of, kind="stable")
    bounds = np.searchsorted(of[sorted_members], np.arange(order.size + 1))
    return _Classes(tuple(sorted_members[a:b] for a, b in itertools.pairwise(bounds)))


@dataclass(frozen=True)
class _Model:
    """The MILP's arrays, and where each variable came from."""

    objective: Array
    matrix: sparse.csr_array
    row_low: Array
    row_high: Array
    upper: Array
    pair_class: NDArray[np.int64]
    pair_option: NDArray[np.int64]
    classes: _Classes

    @property
    def variables(self) -> int:
        return self.objective.size

    @property
    def rows(self) -> int:
        return self.matrix.shape[0]


def _build(problem: PlacementProblem, limits: Constraints) -> _Model:
    periods = problem.periods
    classes = _classes(problem)
    first, size = classes.first, classes.size
    pc, po = np.nonzero(problem.allowed[first])
    pw = first[pc]  # the pair's class, by its first member (they are all alike)
    n_x = pc.size
    pair_group = problem.group_of[pw, po]
    used = [g for g in range(len(problem.groups)) if np.any(pair_group == g)]
    first_held = {g: n_x + i * periods for i, g in enumerate(used)}
    n = n_x + len(used) * periods
    objective = np.zeros(n)
    objective[:n_x] = problem.cost[pw, po]
    upper = np.ones(n)
    upper[:n_x] = size[pc]
    rows: list[Array] = []
    cols: list[Array] = []
    vals: list[Array] = []
    low: list[Array] = []
    high: list[Array] = []
    gang_flags: list[tuple[int, float]] = []  # (pair, members): a class's z[c, o], added last

    def add(row_ids, col_ids, values, row_low, row_high) -> None:
        rows.append(np.asarray(row_ids)), cols.append(np.asarray(col_ids))
        vals.append(np.broadcast_to(np.asarray(values, dtype=np.float64), np.shape(row_ids)))
        low.append(np.atleast_1d(row_low)), high.append(np.atleast_1d(row_high))

    count = first.size
    gangs = problem.gangs()
    add(pc, np.arange(n_x), 1.0, size, size)
    row = count
    span = np.arange(periods)
    for g in used:
        group, held = problem.groups[g], first_held[g] + span
        objective[held] = group.holding_cost_by_period()
        members = np.flatnonzero(pair_group == g)
        need = problem.need_gpus[pw[members], po[members]]  # (members, periods)
        # No more servers than every member's largest need could fill.
        most = (need.max(axis=1) * size[pc[members]]).sum()
        upper[held] = np.ceil(most / group.gpus_per_server) + 1
        k, p = np.nonzero(need)
        add(row + p, members[k], need[k, p], np.full(periods, -np.inf), np.zeros(periods))
        add(row + span, held, -float(group.gpus_per_server), [], [])
        row += periods
        # A placed job's gang: GPUs per server x servers held from the first period (servers
        # never fall) >= the GPUs it needs at once; for a class, once any member is placed.
        gang = gangs[pw[members], po[members]]
        jobs = np.flatnonzero(gang > 0)
        if jobs.size:
            rows_of = row + np.arange(jobs.size)
            columns = members[jobs].copy()
            for j, pair in enumerate(members[jobs]):
                if size[pc[pair]] > 1:
                    columns[j] = n + len(gang_flags)
                    gang_flags.append((int(pair), float(size[pc[pair]])))
            add(rows_of, columns, gang[jobs], np.full(jobs.size, -np.inf), np.zeros(jobs.size))
            add(rows_of, np.full(jobs.size, held[0]), -float(group.gpus_per_server), [], [])
            upper[held] = np.maximum(upper[held], np.ceil(gang.max() / group.gpus_per_server))
            row += jobs.size
        steps = periods - 1
        add(row + span[:-1], held[:-1], 1.0, np.full(steps, -np.inf), np.zeros(steps))
        add(row + span[:-1], held[1:], -1.0, [], [])
        row += steps
    if gang_flags:
        # x[c, o] <= k z[c, o]: z is 1 as soon as one of the class's k members is placed.
        flags = np.arange(n, n + len(gang_flags))
        pairs = np.array([pair for pair, _ in gang_flags])
        members_of = np.array([k for _, k in gang_flags])
        rows_of = row + np.arange(flags.size)
        add(rows_of, pairs, 1.0, np.full(flags.size, -np.inf), np.zeros(flags.size))
        add(rows_of, flags, -members_of, [], [])
        row += flags.size
        n += flags.size
        objective = np.append(objective, np.zeros(flags.size))
        upper = np.append(upper, np.ones(flags.size))
    last = np.array([first_held[g] + periods - 1 for g in used], dtype=np.int64)
    if limits.budget_cap is not None:
        spent = np.flatnonzero(objective)
        add(np.full(spent.size, row), spent, objective[spent], -np.inf, limits.budget_cap)
        row += 1
    for name, per_server in (("power_limit_kw", "power_kw"), ("rack_units_limit", "rack_units")):
        limit = getattr(limits, name)
        if limit is not None:
            amounts = np.array([getattr(problem.groups[g], per_server) for g in used])
            add(np.full(last.size, row), last, amounts, -np.inf, limit)
            row += 1
    if limits.min_sovereign_share is not None:
        weights = problem.workload_weights()
        counted = np.flatnonzero(problem.sovereign[pw, po])
        need_weight = limits.min_sovereign_share * weights.sum()
        add(np.full(counted.size, row), counted, weights[pw[counted]], need_weight, np.inf)
        row += 1
    matrix = sparse.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(row, n)
    )
    low_all, high_all = np.concatenate(low), np.concatenate(high)
    return _Model(objective, matrix, low_all, high_all, upper, pc, po, classes)


def _run(model: _Model, time_limit_seconds: float, *, feasibility_only: bool = False):
    """HiGHS on the model; the objective is scaled to about 1 per variable (the relative gap
    does not move) and the objective value scaled back."""
    scale = float(np.abs(model.objective).max(initial=0.0)) or 1.0
    objective = np.zeros_like(model.objective) if feasibility_only else model.objective / scale
    found = milp(
        objective,
        integrality=np.ones(model.variables),
        bounds=Bounds(np.zeros(model.variables), model.upper),
        constraints=LinearConstraint(model.matrix, model.row_low, model.row_high),
        options={"time_limit": max(time_limit_seconds, 0.1), "mip_rel_gap": MIP_REL_GAP},
    )
    if found.fun is not None and not feasibility_only:
        found.fun *= scale
    return found


def _choice(model: _Model, solution: OptimizeResult, workloads: int) -> NDArray[np.int64]:
    """Option per workload: each class's members take its counts in order of the options."""
    counts = np.rint(solution.x[: model.pair_class.size]).astype(np.int64)
    choice = np.full(workloads, -1, dtype=np.int64)
    taken = np.zeros(len(model.classes.members), dtype=np.int64)
    for pair in np.flatnonzero(counts):
        c = model.pair_class[pair]
        members = model.classes.members[c][taken[c] : taken[c] + counts[pair]]
        choice[members] = model.pair_option[pair]
        taken[c] += counts[pair]
    return choice


def _optimum(problem: PlacementProblem, limits: Constraints, seconds: float) -> float | None:
    """The proven optimal cost under some limits (None if infeasible or not proven in time)."""
    found = _run(_build(problem, limits), seconds)
    return float(found.fun) if found.status == 0 else None


def _feasible(problem: PlacementProblem, limits: Constraints, seconds: float) -> bool | None:
    found = _run(_build(problem, limits), seconds, feasibility_only=True)
    return {0: True, 2: False}.get(found.status)


def _why_infeasible(problem: PlacementProblem, deadline: float) -> str:
    """Name the limit(s) that cannot be met: the smallest sets whose relaxation restores a
    placement, tried one limit at a time, then in pairs, and so on."""
    stranded = [
        w for w, ok in zip(problem.workloads, problem.allowed.any(axis=1), strict=True) if not ok
    ]
    if stranded:
        shown = ", ".join(stranded[:5]) + ("..." if len(stranded) > 5 else "")
        return f"{len(stranded)} workload(s) have no allowed option: {shown}"
    given = problem.constraints.given()
    weights = problem.workload_weights()
    reachable = float(weights @ (problem.allowed & problem.sovereign).any(axis=1) / weights.sum())
    share = given.get("min_sovereign_share")
    if share is not None and reachable < share - 1e-12:
        return (
            f"the minimum sovereign share of {share:.1%} cannot be met: at most {reachable:.1%} "
            "of the workloads have an allowed sovereign option"
        )
    for size in range(1, len(given) + 1):
        fixes = []
        for names in itertools.combinations(given, size):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return "no placement meets every limit (the search for the cause ran out of time)"
            if _feasible(problem, problem.constraints.without(*names), remaining):
                fixes.append(names)
        if fixes:
            return "; ".join(_fix_sentence(problem, names, deadline) for names in fixes)
    return "no placement exists even without the organization's limits"


def _fix_sentence(problem: PlacementProblem, names: tuple[str, ...], deadline: float) -> str:
    labels = " and ".join(LABELS[n] for n in names)
    sentence = f"the {labels} cannot be met together with the other limits (relaxing "
    sentence += "it" if len(names) == 1 else "them"
    sentence += " makes a placement possible)"
    if names == ("budget_cap",):
        least = _optimum(
            problem, problem.constraints.without("budget_cap"), deadline - time.perf_counter()
        )
        if least is not None:
            cap = problem.constraints.budget_cap
            sentence = (
                f"the budget cap of {cap:,.0f} {problem.currency} is below the cheapest placement "
                f"that meets the other limits, {least:,.0f} {problem.currency}"
            ).replace("  ", " ")
    return sentence


def _summary(problem: PlacementProblem, costed: PlacementCost, choice) -> tuple:
    by_option = {
        option: {"workloads": int(np.sum(choice == j)), "cost": costed.cost_by_option[option]}
        for j, option in enumerate(problem.options)
    }
    fleets = tuple(
        FleetSummary(
            group.option,
            group.gpu,
            int(peak),
            int(peak) * group.gpus_per_server,
            peak * group.power_kw,
            peak * group.rack_units,
        )
        for group, held in zip(problem.groups, costed.servers_by_group, strict=True)
        if (peak := float(held[-1]) if held.size else 0.0) > 0
    )
    return by_option, fleets


def solve_placement(
    problem: PlacementProblem, *, time_limit_seconds: float = 60
) -> PlacementResult:
    """The cheapest placement meeting the limits, proven optimal by HiGHS within its gap, beside
    the workload-by-workload baseline. Never raises on an infeasible problem: says why."""
    started = time.perf_counter()
    deadline = started + time_limit_seconds
    limits = problem.constraints
    ids, options = problem.workloads, problem.options
    tick = time.perf_counter()
    base = baseline_choice(problem)
    base_cost = placement_cost(problem, base) if base is not None else None
    baseline_seconds = time.perf_counter() - tick
    baseline_assignment = (
        {} if base is None else {w: options[j] for w, j in zip(ids, base, strict=True)}
    )

    common = {
        "currency": problem.currency,
        "baseline_cost": None if base_cost is None else base_cost.cost,
        "baseline_assignment": baseline_assignment,
        "baseline_violations": () if base_cost is None else base_cost.violations,
        "baseline_seconds": baseline_seconds,
        "constraints": limits,
        "method": METHOD,
    }
    nothing = {"cost": None, "assignment": {}, "by_option": {}, "fleets": (), "binding": (),
               "mip_gap": None}  # fmt: skip
    if not problem.allowed.any(axis=1).all():
        # A workload with no allowed option leaves nothing to solve: say which, at once.
        return PlacementResult(
            status="infeasible", message=_why_infeasible(problem, deadline), solve_seconds=0.0,
            variables=0, rows=0, total_seconds=time.perf_counter() - started, **nothing,
            **common,
        )  # fmt: skip
    model = _build(problem, limits)
    tick = time.perf_counter()
    found = _run(model, time_limit_seconds)
    common |= {
        "solve_seconds": time.perf_counter() - tick,
        "variables": model.variables,
        "rows": model.rows,
    }
    if found.x is None:
        if found.status == 2:
            status, message = "infeasible", _why_infeasible(problem, deadline)
        else:
            status = "time_limit"
            message = f"no placement found within {time_limit_seconds:g} s ({found.message})"
        return PlacementResult(
            status=status, message=message, total_seconds=time.perf_counter() - started,
            **nothing, **common,
        )  # fmt: skip
    choice = _choice(model, found, len(ids))
    costed = placement_cost(problem, choice)
    if base_cost is not None and not base_cost.violations and base_cost.cost < costed.cost:
        # Within the proof's gap the baseline may be the optimum itself: never report a loss.
        choice, costed = base, base_cost
    by_option, fleets = _summary(problem, costed, choice)
    proven = found.status == 0
    effects = _binding_effects(problem, costed.cost, deadline) if proven else {}
    message = _message(problem, proven, costed, base_cost, found)
    return PlacementResult(
        status="optimal" if proven else "time_limit",
        message=message,
        cost=costed.cost,
        assignment={w: options[j] for w, j in zip(ids, choice, strict=True)},
        by_option=by_option,
        fleets=fleets,
        binding=tuple(effects),
        binding_effects=effects,
        mip_gap=None if found.mip_gap is None else float(found.mip_gap),
        total_seconds=time.perf_counter() - started,
        **common,
    )


def _binding_effects(problem: PlacementProblem, cost: float, deadline: float) -> dict[str, float]:
    """Each limit whose relaxation alone lowers the optimum, with the NPV it would save."""
    effects = {}
    for name in problem.constraints.given():
        relaxed = _optimum(
            problem, problem.constraints.without(name), deadline - time.perf_counter()
        )
        if relaxed is not None and cost - relaxed > BINDING_REL * max(abs(cost), 1.0):
            effects[name] = cost - relaxed
    return effects


def _message(problem, proven, costed, base_cost, found) -> str:
    currency = problem.currency
    head = "proven optimal" if proven else f"best placement found in time ({found.message})"
    text = f"{head}: {costed.cost:,.0f} {currency} NPV".replace("  ", " ")
    if base_cost is not None:
        text += f"; workload by workload {base_cost.cost:,.0f} {currency}"
        if base_cost.violations:
            broken = ", ".join(LABELS[n] for n in base_cost.violations)
            text += f" (breaks the {broken})"
    return text
