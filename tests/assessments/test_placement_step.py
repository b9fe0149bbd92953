"""The price of sovereignty's twin placement: never dearer than the permitted placement."""

from __future__ import annotations

import numpy as np

from assessments.placement.problem import Constraints
from assessments.placement_step import _permitted_without_rules
from tests.assessments.placement.conftest import two_on_one_server


def test_the_permitted_placement_is_costed_in_the_problem_without_the_rules():
    """GIVEN the permitted placement (both on the shared server) WHEN costed without the rules
    THEN it costs what the twin would pay for it: a bound the twin's answer never exceeds."""
    free = two_on_one_server()
    assert _permitted_without_rules(free, {"a": "on_prem", "b": "on_prem"}) == 110.0
    assert _permitted_without_rules(free, {"a": "cloud", "b": "on_prem"}) == 165.0


def test_a_permitted_placement_the_twin_cannot_take_is_no_bound():
    free = two_on_one_server()
    assert _permitted_without_rules(free, {"a": "on_prem"}) is None  # b left out
    no_cloud = two_on_one_server(allowed=np.array([[True, False], [True, False]]))
    assert _permitted_without_rules(no_cloud, {"a": "cloud", "b": "on_prem"}) is None
    powerless = two_on_one_server(Constraints(power_limit_kw=5.0))
    assert _permitted_without_rules(powerless, {"a": "on_prem", "b": "on_prem"}) is None
