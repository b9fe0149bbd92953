"""The placement problem's checks and its fleet cost per period."""

from __future__ import annotations

import numpy as np
import pytest

from assessments.placement.problem import Constraints, FleetGroup
from tests.assessments.placement.conftest import two_on_one_server


def test_holding_cost_is_the_drop_in_server_cost_from_one_period_to_the_next():
    """A server first held in period 0 costs 100, in period 1 costs 60: holding one in period
    0 costs 40 more, and holding it in the last period 60."""
    group = FleetGroup("on_prem", "H100", 8, np.array([100.0, 60.0]), 10.0, 8.0)
    assert group.holding_cost_by_period().tolist() == [40.0, 60.0]


def test_a_cost_matrix_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="cost must have shape"):
        two_on_one_server(cost=np.ones((3, 2)))


def test_a_need_on_an_option_without_a_fleet_is_refused():
    with pytest.raises(ValueError, match="need_gpus must be 0"):
        two_on_one_server(need_gpus=np.array([[[4.0], [1.0]], [[4.0], [0.0]]]))


def test_an_allowed_pair_without_a_finite_cost_is_refused():
    with pytest.raises(ValueError, match="finite cost"):
        two_on_one_server(cost=np.array([[np.nan, 60.0], [5.0, 60.0]]))


def test_constraints_list_only_the_limits_given_and_drop_the_ones_relaxed():
    limits = Constraints(budget_cap=100.0, min_sovereign_share=0.5)
    assert limits.given() == {"budget_cap": 100.0, "min_sovereign_share": 0.5}
    assert limits.without("budget_cap") == Constraints(min_sovereign_share=0.5)
