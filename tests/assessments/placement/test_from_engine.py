"""Problems built from the engine agree with the engine's own costing of the same placement."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assessments.placement.costs import placement_cost
from assessments.placement.from_engine import placement_cost_by_engine, placement_problem
from assessments.placement.problem import Constraints
from assessments.placement.solve import solve_placement
from costing.engine.scenario import load_scenario

EXAMPLE = Path(__file__).resolve().parents[3] / "costing/engine/examples/media-house.json"
# Monthly checkpoints are the engine's model term by term; only float summation order differs.
EXACT = 1e-9


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(json.loads(EXAMPLE.read_text(encoding="utf-8")))


def _placements(problem):
    """Every option the whole portfolio can take, and seeded mixes of allowed options."""
    rng = np.random.default_rng(7)
    found = [np.full(len(problem.workloads), j) for j in range(len(problem.options))
             if problem.allowed[:, j].all()]  # fmt: skip
    for _ in range(4):
        found.append(np.array([rng.choice(np.flatnonzero(row)) for row in problem.allowed]))
    return found


def _assignment(problem, choice):
    return {w: problem.options[j] for w, j in zip(problem.workloads, choice, strict=True)}


def test_monthly_checkpoints_cost_every_placement_as_the_engine_does(scenario):
    problem = placement_problem(scenario, checkpoint_months=1)
    placements = _placements(problem)
    # 4 whole-portfolio options (no API for Qwen; no commitment pays) + 4 mixes
    assert len(placements) == 8
    for choice in placements:
        ours = placement_cost(problem, choice).cost
        engine = placement_cost_by_engine(scenario, _assignment(problem, choice))
        assert ours == pytest.approx(engine, rel=EXACT)


def test_whole_portfolio_placements_match_the_engines_portfolio_npv(scenario):
    """The figures `python -m costing.engine evaluate` prints for media-house.json."""
    problem = placement_problem(scenario)
    on_prem = placement_cost(problem, np.zeros(12, dtype=np.int64)).cost
    hybrid = placement_cost(problem, np.full(12, 5)).cost
    assert on_prem == pytest.approx(1_789_222, abs=1)
    assert hybrid == pytest.approx(1_837_409, abs=1)


def test_one_checkpoint_misses_less_than_one_server_per_fleet_in_every_month(scenario):
    """Counting servers once, at the horizon, the model holds within one server of the engine
    in every month, so the gap is under one server's NPV over the horizon per fleet used."""
    monthly = placement_problem(scenario, checkpoint_months=1)
    once = placement_problem(scenario, checkpoint_months=scenario.horizon_months)
    assert once.periods == 1
    for choice in _placements(monthly):
        engine = placement_cost_by_engine(scenario, _assignment(monthly, choice))
        costed = placement_cost(once, choice)
        used = {monthly.group_of[i, j] for i, j in enumerate(choice)} - {-1}
        bound = sum(monthly.groups[g].server_cost_by_period[0] for g in used)
        assert abs(costed.cost - engine) < bound + EXACT * engine


def test_the_optimum_on_media_house_is_the_engines_cheapest_mix(scenario):
    """Too small for a shared server to pay: each workload on its cheapest rented option."""
    problem = placement_problem(scenario)
    result = solve_placement(problem)
    assert result.status == "optimal"
    assert result.cost == pytest.approx(placement_cost_by_engine(scenario, result.assignment))
    assert result.cost == pytest.approx(903_532, abs=1)
    assert set(result.assignment.values()) == {"managed_api", "cloud_on_demand"}
    assert result.saving == 0.0


def test_a_sovereignty_requirement_moves_workloads_onto_a_shared_owned_fleet(scenario):
    """Blocking every rented option leaves the owned ones; on premises is cheaper per server
    once the room's build is spread over its 15-year life (colocation rent is not), and the
    engine agrees with the cost of the placement found."""
    rented = ("cloud_on_demand", "cloud_committed", "managed_api", "hybrid")
    blocked = {(w.id, o): False for w in scenario.workloads for o in rented}
    problem = placement_problem(scenario, allowed=blocked)
    result = solve_placement(problem)
    assert set(result.assignment.values()) == {"on_prem"}
    assert result.cost == pytest.approx(placement_cost_by_engine(scenario, result.assignment))
    assert result.cost == pytest.approx(1_789_222, abs=1)
    assert result.fleets[0].option == "on_prem"


def test_sovereign_mask_and_share_reach_the_problem(scenario):
    sovereign = {(w.id, "on_prem"): True for w in scenario.workloads}
    limits = Constraints(min_sovereign_share=0.5)
    result = solve_placement(placement_problem(scenario, sovereign=sovereign, constraints=limits))
    on_prem = sum(option == "on_prem" for option in result.assignment.values())
    assert on_prem == 6
    assert result.binding == ("min_sovereign_share",)
    assert result.cost == pytest.approx(placement_cost_by_engine(scenario, result.assignment))


def test_a_placement_that_leaves_out_a_workload_is_refused(scenario):
    with pytest.raises(ValueError, match="leaves out 1 workload"):
        placement_cost_by_engine(
            scenario, {w.id: "cloud_on_demand" for w in scenario.workloads[1:]}
        )
