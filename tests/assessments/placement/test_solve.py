"""The exact placement: hand-checked optima, each limit binding, infeasibility, properties."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.placement.costs import placement_cost
from assessments.placement.problem import Constraints, FleetGroup, PlacementProblem
from assessments.placement.solve import MIP_REL_GAP, solve_placement
from tests.assessments.placement.conftest import two_on_one_server

EXPECTED_KEYS = {
    "status", "message", "currency", "cost", "baseline_cost", "saving", "assignment",
    "baseline_assignment", "by_option", "fleets", "constraints", "solve_seconds", "mip_gap",
    "variables", "rows", "method",
}  # fmt: skip


def test_two_workloads_cheaper_in_the_cloud_alone_share_one_server():
    result = solve_placement(two_on_one_server()).as_dict()
    assert result.keys() >= EXPECTED_KEYS
    assert result["status"] == "optimal"
    assert result["assignment"] == {"a": "on_prem", "b": "on_prem"}
    assert result["baseline_assignment"] == {"a": "cloud", "b": "cloud"}
    assert (result["cost"], result["baseline_cost"], result["saving"]) == (110.0, 120.0, 10.0)
    assert result["by_option"] == {
        "on_prem": {"workloads": 2, "cost": 110.0},
        "cloud": {"workloads": 0, "cost": 0.0},
    }
    assert result["fleets"] == [
        {"option": "on_prem", "gpu": "H100", "servers": 1, "gpus": 8, "power_kw": 10.0,
         "rack_units": 8.0}
    ]  # fmt: skip
    assert result["constraints"]["binding"] == []
    # a and b are alike: one class of two, counted per option (2 counts + 1 server count).
    assert result["variables"] == 3
    assert result["rows"] == 2  # 1 class assignment + 1 capacity (one period: no step rows)


def test_a_power_limit_below_one_server_sends_both_to_the_cloud():
    result = solve_placement(two_on_one_server(Constraints(power_limit_kw=9.0)))
    assert result.status == "optimal"
    assert result.assignment == {"a": "cloud", "b": "cloud"}
    assert result.cost == 120.0
    assert result.binding == ("power_limit_kw",)
    assert result.binding_effects["power_limit_kw"] == pytest.approx(10.0)


def test_a_rack_units_limit_below_one_server_sends_both_to_the_cloud():
    result = solve_placement(two_on_one_server(Constraints(rack_units_limit=4.0)))
    assert (result.cost, result.binding) == (120.0, ("rack_units_limit",))


FULL_SERVER_EACH = np.array([[[8.0], [0.0]], [[8.0], [0.0]]])
DEAR_SERVER = (FleetGroup("on_prem", "H100", 8, np.array([200.0]), 10.0, 8.0),)


def test_a_sovereign_share_keeps_a_workload_on_premises_though_it_costs_more():
    """Each workload fills a 200 server: 205 on premises against 60 rented; a 50% sovereign
    share puts one on premises: 205 + 60 = 265 (both would cost 410)."""
    problem = two_on_one_server(
        Constraints(min_sovereign_share=0.5), groups=DEAR_SERVER, need_gpus=FULL_SERVER_EACH
    )
    result = solve_placement(problem)
    assert result.cost == 265.0
    assert sorted(result.assignment.values()) == ["cloud", "on_prem"]
    assert result.binding == ("min_sovereign_share",)
    assert result.baseline_violations == ("min_sovereign_share",)


def test_a_workload_weight_counts_in_the_sovereign_share():
    """Weights 3 and 1: a alone on premises reaches 75% >= 70% (by count it would be 50%)."""
    limits = Constraints(min_sovereign_share=0.7)
    weighted = two_on_one_server(
        limits, groups=DEAR_SERVER, need_gpus=FULL_SERVER_EACH, weights=np.array([3.0, 1.0])
    )
    counted = two_on_one_server(limits, groups=DEAR_SERVER, need_gpus=FULL_SERVER_EACH)
    assert solve_placement(weighted).assignment == {"a": "on_prem", "b": "cloud"}
    assert solve_placement(weighted).cost == 265.0
    assert solve_placement(counted).cost == 410.0


def test_a_budget_cap_that_is_met_does_not_bind():
    result = solve_placement(two_on_one_server(Constraints(budget_cap=110.0)))
    assert (result.status, result.cost, result.binding) == ("optimal", 110.0, ())


def test_a_budget_below_the_optimum_is_infeasible_and_says_what_would_do():
    result = solve_placement(two_on_one_server(Constraints(budget_cap=100.0))).as_dict()
    assert result["status"] == "infeasible"
    assert result["cost"] is None and result["saving"] is None
    assert "budget cap of 100 EUR" in result["message"]
    assert "110 EUR" in result["message"]


def test_conflicting_limits_are_named_together():
    """No power for a server, yet every workload sovereign: only on premises is sovereign."""
    limits = Constraints(power_limit_kw=5.0, min_sovereign_share=1.0)
    message = solve_placement(two_on_one_server(limits)).message
    assert "power limit" in message and "minimum sovereign share" in message


def test_a_sovereign_share_beyond_reach_says_how_far_it_can_go():
    problem = two_on_one_server(
        Constraints(min_sovereign_share=1.0),
        allowed=np.array([[True, True], [False, True]]),
    )
    result = solve_placement(problem)
    assert result.status == "infeasible"
    assert "at most 50.0%" in result.message


def test_a_workload_with_no_allowed_option_is_named():
    problem = two_on_one_server(allowed=np.array([[True, True], [False, False]]))
    result = solve_placement(problem)
    assert result.status == "infeasible"
    assert "no allowed option: b" in result.message
    assert result.baseline_cost is None


@st.composite
def problems(draw) -> PlacementProblem:
    """Up to 7 workloads, 3 options (two owned fleets, one rented), 1-3 periods of growth."""
    workloads = draw(st.integers(1, 7))
    periods = draw(st.integers(1, 3))
    money = st.floats(1.0, 300.0)
    cost = np.array(draw(st.lists(money, min_size=workloads * 3, max_size=workloads * 3)))
    cost = cost.reshape(workloads, 3)
    allowed = np.array(
        draw(st.lists(st.booleans(), min_size=workloads * 3, max_size=workloads * 3))
    )
    allowed = allowed.reshape(workloads, 3)
    allowed[:, 2] |= ~allowed.any(axis=1)  # every workload keeps at least one option
    base = np.array(draw(st.lists(st.floats(0.1, 12.0), min_size=workloads, max_size=workloads)))
    growth = np.cumprod(np.full(periods, draw(st.floats(1.0, 1.5))))
    need = np.zeros((workloads, 3, periods))
    need[:, 0] = need[:, 1] = base[:, None] * growth
    server_costs = [np.sort(draw(st.lists(st.floats(50.0, 500.0), min_size=periods,
                                          max_size=periods)))[::-1] for _ in range(2)]  # fmt: skip
    groups = tuple(
        FleetGroup(option, "H100", 8, costs, kw, 8.0)
        for option, costs, kw in zip(("on_prem", "colocation"), server_costs, (10.0, 12.0),
                                     strict=True)
    )  # fmt: skip
    group_of = np.tile(np.array([0, 1, -1]), (workloads, 1))
    sovereign = np.tile(np.array([True, False, False]), (workloads, 1))
    return PlacementProblem(
        tuple(f"w{i}" for i in range(workloads)), ("on_prem", "colocation", "cloud"), cost,
        allowed, sovereign, groups, group_of, need, currency="EUR",
    )  # fmt: skip


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 2 * MIP_REL_GAP * max(abs(a), abs(b)) + 1e-9


LIMITS = st.one_of(
    st.builds(Constraints, budget_cap=st.floats(100.0, 3000.0)),
    st.builds(Constraints, power_limit_kw=st.floats(0.0, 40.0)),
    st.builds(Constraints, rack_units_limit=st.floats(0.0, 24.0)),
    st.builds(Constraints, min_sovereign_share=st.floats(0.0, 1.0)),
)


@settings(max_examples=60, deadline=None)
@given(problems())
def test_every_workload_gets_one_allowed_option_and_never_more_than_the_baseline(problem):
    result = solve_placement(problem)
    assert result.status == "optimal"
    for i, workload in enumerate(problem.workloads):
        assert problem.allowed[i, problem.options.index(result.assignment[workload])]
    assert result.cost <= result.baseline_cost
    assert result.saving >= 0


@settings(max_examples=60, deadline=None)
@given(problems(), LIMITS)
def test_adding_a_limit_never_lowers_the_optimum(problem, limits):
    free = solve_placement(problem)
    bound = solve_placement(PlacementProblem(**{**_fields(problem), "constraints": limits}))
    if bound.status == "optimal":
        assert bound.cost >= free.cost or _close(bound.cost, free.cost)
    else:
        assert bound.status == "infeasible" and bound.message


@settings(max_examples=60, deadline=None)
@given(problems(), st.integers(0, 2))
def test_disallowing_an_option_never_lowers_the_optimum(problem, option):
    free = solve_placement(problem)
    allowed = problem.allowed.copy()
    allowed[:, option] = False
    narrower = solve_placement(PlacementProblem(**{**_fields(problem), "allowed": allowed}))
    if narrower.status == "optimal":
        assert narrower.cost >= free.cost or _close(narrower.cost, free.cost)
        assert option not in {problem.options.index(o) for o in narrower.assignment.values()}
    else:
        assert "no allowed option" in narrower.message


def _fields(problem: PlacementProblem) -> dict:
    names = ("workloads", "options", "cost", "allowed", "sovereign", "groups", "group_of",
             "need_gpus", "constraints", "weights", "currency")  # fmt: skip
    return {name: getattr(problem, name) for name in names}


@st.composite
def portfolios_with_copies(draw) -> PlacementProblem:
    """Up to 6 workloads, each kind 1-3 times over (the same service for several teams), some
    needing their GPUs at once (a gang), under one of the limits or none."""
    kinds = draw(problems())
    copies = draw(st.lists(st.integers(1, 3), min_size=len(kinds.workloads),
                           max_size=len(kinds.workloads)))  # fmt: skip
    rows = np.repeat(np.arange(len(kinds.workloads)), copies)[:6]
    gang = np.where(kinds.group_of >= 0, draw(st.sampled_from([0.0, 8.0, 12.0])), 0.0)
    problem = PlacementProblem(**{
        **_fields(kinds), "workloads": tuple(f"w{i}" for i in range(rows.size)),
        "cost": kinds.cost[rows], "allowed": kinds.allowed[rows],
        "sovereign": kinds.sovereign[rows], "group_of": kinds.group_of[rows],
        "need_gpus": kinds.need_gpus[rows], "gang_gpus": gang[rows],
    })  # fmt: skip
    limits = draw(st.one_of(st.just(Constraints()), LIMITS))
    return PlacementProblem(**{**_fields(problem), "gang_gpus": gang[rows], "constraints": limits})


@settings(max_examples=60, deadline=None)
@given(portfolios_with_copies())
def test_alike_workloads_solved_as_one_class_reach_the_optimum_of_every_assignment(problem):
    """GIVEN workloads repeated (solved as counts per option, not one binary each) WHEN placed
    THEN the cost is the least of every assignment that meets the limits, worked out one by
    one, and the placement is one of those."""
    result = solve_placement(problem)
    feasible = []
    for choice in itertools.product(*(np.flatnonzero(row) for row in problem.allowed)):
        costed = placement_cost(problem, np.array(choice))
        if not costed.violations:
            feasible.append(costed.cost)
    if not feasible:
        assert result.status == "infeasible"
        return
    assert result.status == "optimal"
    assert min(feasible) - 1e-9 <= result.cost <= min(feasible) * (1 + 2 * MIP_REL_GAP) + 1e-9
    choice = np.array([problem.options.index(result.assignment[w]) for w in problem.workloads])
    assert not placement_cost(problem, choice).violations
