"""The run's portfolio placement: the exact MILP over the options sovereignty leaves open."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from assessments.compute import scenario_of
from assessments.placement.costs import placement_cost
from assessments.placement.from_engine import placement_problem
from assessments.placement.problem import Constraints, PlacementProblem
from assessments.placement.solve import solve_placement
from costing.engine.sovereignty_price import rule_totals
from costing.engine.uncertainty import placement_spread


def _masks(sovereignty: dict) -> tuple[dict, dict]:
    """(workload, option) -> permitted (no blocking finding), and -> counts as sovereign."""
    allowed, sovereign = {}, {}
    for workload in sovereignty.get("workloads", []):
        for option, row in workload["options"].items():
            key = (workload["id"], option)
            allowed[key] = not row.get("unavailable") and not row.get("blocked")
            sovereign[key] = bool(row.get("sovereign"))
    return allowed, sovereign


def placement_section(snapshot: dict, results: dict) -> dict:
    """Every workload's placement chosen jointly under the assessment's constraints."""
    limits = snapshot["assessment"]["constraints"]
    share = limits.get("min_sovereign_share_pct")
    constraints = Constraints(
        budget_cap=limits.get("budget_cap"),
        power_limit_kw=limits.get("power_limit_kw"),
        rack_units_limit=limits.get("rack_units_limit"),
        min_sovereign_share=None if share is None else share / 100,
    )
    allowed, sovereign = _masks(results.get("sovereignty") or {})
    scenario = scenario_of(snapshot)
    # A workload every option of which is blocked or unpriced cannot be placed: it is left out
    # (and listed) so that the others still get their joint placement.
    placeable = {w for (w, _), ok in allowed.items() if ok}
    left_out = [w.id for w in scenario.workloads if w.id not in placeable]
    kept = tuple(w for w in scenario.workloads if w.id in placeable)
    if not kept:
        return {
            "status": "infeasible",
            "message": "No workload has an option without a blocking finding and with a price.",
            "currency": scenario.reporting_currency,
            "cost": None, "baseline_cost": None, "saving": None,
            "assignment": {}, "baseline_assignment": {}, "by_option": {}, "fleets": [],
            "constraints": {**constraints.given(), "binding": []},
            "unplaced": left_out,
        }  # fmt: skip
    problem = placement_problem(
        replace(scenario, workloads=kept),
        allowed=allowed,
        sovereign=sovereign,
        constraints=constraints,
    )
    result = solve_placement(problem).as_dict()
    result["unplaced"] = left_out
    result["npv_spread"] = _placement_spread(snapshot, scenario, result)
    price, free = _unrestricted_placement(scenario, kept, constraints, result)
    rules = _option_rules(results.get("engine") or {})
    price.update(_attributed(problem, free, result.get("assignment") or {}, price, rules))
    result["price_of_sovereignty"] = price
    return result


UNRESTRICTED_SECONDS = 10.0


def _placement_spread(snapshot: dict, scenario, placement: dict) -> dict | None:
    """P10-P90 of the placement's NPV over the Monte Carlo's own samples (see placement_spread)."""
    settings = snapshot["assessment"]
    parts = {}
    for option, row in (placement.get("by_option") or {}).items():
        carried = frozenset(w for w, o in placement["assignment"].items() if o == option)
        if carried:
            parts[option] = (row["cost"], carried)
    spread = placement_spread(
        scenario,
        parts,
        samples=int(settings.get("monte_carlo_samples") or 0),
        seed=int(settings.get("random_seed") or 0),
    )
    return None if spread is None else spread.as_dict()


def _unrestricted_placement(
    scenario, kept, constraints: Constraints, permitted: dict
) -> tuple[dict, PlacementProblem]:
    """The same workloads placed jointly with every sovereignty rule lifted (same budget, power
    and rack limits; no sovereign share): what the portfolio would cost regardless of rules,
    and the problem it was solved as."""
    free = placement_problem(
        replace(scenario.unrestricted(), workloads=kept),
        constraints=replace(constraints, min_sovereign_share=None),
    )
    # The twin only sizes the gap: it gets a short budget, and a placement found but not proven
    # optimal costs at least the optimum, so the price it gives is then a lower bound.
    solved = solve_placement(free, time_limit_seconds=UNRESTRICTED_SECONDS).as_dict()
    cost, free_cost = permitted.get("cost"), solved.get("cost")
    assignment = solved.get("assignment") or {}
    # Lifting the rules never makes the permitted placement dearer: where the solver stopped
    # at a dearer one (within its gap, or out of time), the permitted placement stands in.
    same = _permitted_without_rules(free, permitted.get("assignment") or {})
    if same is not None and (free_cost is None or same < free_cost):
        free_cost, assignment = same, permitted["assignment"]
    difference = None if cost is None or free_cost is None else cost - free_cost
    proven = solved.get("status") == "optimal"
    return {
        "basis": "portfolio placement NPV with the rules against the same placement without them"
        + (
            ""
            if proven
            else f" (not proven optimal within {UNRESTRICTED_SECONDS:g} s: "
            "the price is at least this)"
        ),
        "at_least": not proven,
        "permitted_npv": cost,
        "unrestricted_npv": free_cost,
        "difference": difference,
        "difference_pct": difference / free_cost * 100
        if difference is not None and free_cost
        else None,
        "unrestricted_assignment": assignment,
        "unrestricted_status": solved.get("status"),
    }, free


def _permitted_without_rules(free: PlacementProblem, assignment: dict) -> float | None:
    """The permitted placement costed in the problem without the rules (None where it cannot
    be: a workload it leaves out, an option the twin cannot price, a limit it breaks)."""
    if set(assignment) != set(free.workloads):
        return None
    choice = np.array([free.options.index(assignment[w]) for w in free.workloads])
    if not free.allowed[np.arange(choice.size), choice].all():
        return None
    costed = placement_cost(free, choice)
    return None if costed.violations else costed.cost


def _option_rules(engine: dict) -> dict[str, dict[str, list[dict]]]:
    """workload -> option -> the rules that make that option dearer for it (engine's)."""
    price = engine.get("sovereignty_price") or {}
    return {row["workload"]: row.get("option_rules") or {} for row in price.get("workloads", [])}


def _attributed(
    problem: PlacementProblem,
    free: PlacementProblem,
    assignment: dict[str, str],
    price: dict,
    option_rules: dict,
) -> dict:
    """The joint price of sovereignty taken apart, so that its parts add up to it: each
    workload's own cost (offers, tokens, the energy of its work) with the rules against without
    them, summed by the rules that make its option dearer; and the rest, the owned fleets'
    servers the workloads share (and any workload a changed fleet moves without a rule)."""
    difference = price.get("difference")
    if difference is None:
        return {"rules": [], "workloads": [], "other_difference": None}
    without = price.get("unrestricted_assignment") or {}
    rows_free = {w: i for i, w in enumerate(free.workloads)}
    workloads, bound = [], []
    for i, workload in enumerate(problem.workloads):
        if workload not in assignment or workload not in without:
            continue
        option, free_option = assignment[workload], without[workload]
        own = float(
            problem.cost[i, problem.options.index(option)]
            - free.cost[rows_free[workload], free.options.index(free_option)]
        )
        if abs(own) < 0.005:
            continue
        rules = option_rules.get(workload, {}).get(free_option, []) if own > 0 else []
        workloads.append({
            "workload": workload, "option": option, "unrestricted_option": free_option,
            "difference": own, "rules": [rule["rule"] for rule in rules],
        })  # fmt: skip
        bound.append((workload, own, rules))
    ruled = sum(row["difference"] for row in workloads if row["rules"])
    return {
        "rules": rule_totals(bound),
        "workloads": workloads,
        "other_difference": difference - ruled,
    }
