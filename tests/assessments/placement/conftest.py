"""Small placement problems whose optimum can be worked out by hand."""

from __future__ import annotations

import numpy as np

from assessments.placement.problem import Constraints, FleetGroup, PlacementProblem


def two_on_one_server(constraints: Constraints | None = None, **changes) -> PlacementProblem:
    """Two workloads of 4 GPUs each; an 8-GPU server costs 100, renting costs 60 each.

    Alone, each pays 5 + 100 = 105 on premises, more than 60 in the cloud; together they fill
    one server for 5 + 5 + 100 = 110, less than 2 x 60 = 120.
    """
    fields = {
        "workloads": ("a", "b"),
        "options": ("on_prem", "cloud"),
        "cost": np.array([[5.0, 60.0], [5.0, 60.0]]),
        "allowed": np.ones((2, 2), dtype=bool),
        "sovereign": np.array([[True, False], [True, False]]),
        "groups": (FleetGroup("on_prem", "H100", 8, np.array([100.0]), 10.0, 8.0),),
        "group_of": np.array([[0, -1], [0, -1]]),
        "need_gpus": np.array([[[4.0], [0.0]], [[4.0], [0.0]]]),
        "constraints": constraints or Constraints(),
        "currency": "EUR",
    }
    return PlacementProblem(**{**fields, **changes})
