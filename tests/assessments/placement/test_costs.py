"""Costing a given placement with shared fleets, and the workload-by-workload baseline."""

from __future__ import annotations

import numpy as np

from assessments.placement.costs import baseline_choice, placement_cost, servers_held
from assessments.placement.problem import Constraints
from tests.assessments.placement.conftest import two_on_one_server


def test_servers_are_whole_bought_when_first_needed_and_kept_when_need_falls():
    assert servers_held(np.array([3.0, 9.0, 4.0, 16.0]), 8).tolist() == [1.0, 2.0, 2.0, 2.0]
    assert servers_held(np.array([16.0 + 1e-12]), 8).tolist() == [2.0]  # packing tolerance


def test_two_workloads_share_one_server():
    costed = placement_cost(two_on_one_server(), np.array([0, 0]))
    assert costed.cost == 110.0
    assert costed.cost_by_option == {"on_prem": 110.0, "cloud": 0.0}
    assert costed.power_kw == 10.0 and costed.rack_units == 8.0
    assert costed.sovereign_share == 1.0


def test_baseline_takes_each_workloads_cheapest_option_alone():
    """Alone on premises a workload pays 105 > 60: the baseline rents both, for 120."""
    problem = two_on_one_server()
    choice = baseline_choice(problem)
    assert choice.tolist() == [1, 1]
    assert placement_cost(problem, choice).cost == 120.0


def test_violations_name_each_limit_broken():
    limits = Constraints(
        budget_cap=100, power_limit_kw=5, rack_units_limit=8, min_sovereign_share=1
    )
    costed = placement_cost(two_on_one_server(limits), np.array([0, 1]))
    assert costed.cost == 165.0
    assert costed.violations == ("budget_cap", "power_limit_kw", "min_sovereign_share")


def test_a_fleet_grows_by_period_and_pays_for_each_server_from_when_it_is_bought():
    """Need 4 then 12 GPUs: one server from period 0 (cost 100), a second from period 1 (60)."""
    from assessments.placement.problem import FleetGroup

    problem = two_on_one_server(
        groups=(FleetGroup("on_prem", "H100", 8, np.array([100.0, 60.0]), 10.0, 8.0),),
        need_gpus=np.array([[[2.0, 6.0], [0.0, 0.0]], [[2.0, 6.0], [0.0, 0.0]]]),
    )
    costed = placement_cost(problem, np.array([0, 0]))
    assert costed.servers_by_group[0].tolist() == [1.0, 2.0]
    assert costed.cost == 5 + 5 + 100 + 60
