"""A placement problem in plain numbers, independent of how its costs were computed.

Cost model (what the solver minimises and what ``placement_cost`` recomputes):

* a workload placed on an option pays a variable cost (NPV) that depends on it alone: rented
  GPUs, API tokens, its share of network and storage, and on an owned fleet the energy of its
  own GPU-hours;
* every owned fleet group (option, GPU type) holds, at each checkpoint period, the whole
  servers needed for the sum of its workloads' GPU needs, never fewer than in an earlier period
  (servers are kept when demand dips); a server first held in period p costs
  ``server_cost_by_period[p]`` (NPV of buying it at the start of p and holding it to the
  horizon: purchase, refresh, residual, support, staff, rent, idle energy).

Periods are whatever checkpoints the builder chose (``from_engine`` uses months, or fewer
checkpoints with the months between them folded into the variable cost).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
Mask = NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class FleetGroup:
    """One owned fleet shared by the workloads placed on its option that run on its GPU type."""

    option: str
    gpu: str
    gpus_per_server: int
    server_cost_by_period: Array  # (periods,) NPV of a server first held in that period
    power_kw: float  # per server, what the site must supply
    rack_units: float  # per server

    def holding_cost_by_period(self) -> Array:
        """Cost of holding one more server in period p, so that the fleet's cost is
        sum_p holding[p] x servers held[p] (servers held never fall)."""
        first = np.asarray(self.server_cost_by_period, dtype=np.float64)
        return first - np.append(first[1:], 0.0)


@dataclass(frozen=True)
class Constraints:
    """The organization's limits; None leaves one out."""

    budget_cap: float | None = None  # total NPV, in the problem's currency
    power_limit_kw: float | None = None  # owned servers at the end of the horizon
    rack_units_limit: float | None = None
    min_sovereign_share: float | None = None  # of workloads (or of their weights), 0..1

    def given(self) -> dict[str, float]:
        """The limits that are set, by name."""
        names = ("budget_cap", "power_limit_kw", "rack_units_limit", "min_sovereign_share")
        return {n: float(getattr(self, n)) for n in names if getattr(self, n) is not None}

    def without(self, *names: str) -> Constraints:
        return Constraints(**{n: v for n, v in self.given().items() if n not in names})


@dataclass(frozen=True, eq=False)
class PlacementProblem:
    """Workloads x options with costs, masks, owned fleet groups and the organization's limits.

    Arrays are indexed [workload, option] (and [.., period] for needs). ``group_of`` names the
    fleet group a workload joins on an owned option (-1 where the option owns nothing);
    ``need_gpus`` is the GPUs it needs there in each period.
    """

    workloads: tuple[str, ...]
    options: tuple[str, ...]
    cost: Array  # (W, O) variable NPV; ignored where not allowed
    allowed: Mask  # (W, O)
    sovereign: Mask  # (W, O)
    groups: tuple[FleetGroup, ...]
    group_of: NDArray[np.int64]  # (W, O)
    need_gpus: Array  # (W, O, periods)
    constraints: Constraints = field(default_factory=Constraints)
    weights: Array | None = None  # (W,) for the sovereign share; None counts workloads
    currency: str = ""
    # (W, O) GPUs a workload's job needs at once on an owned option: its fleet group never
    # holds fewer while it is placed there (None: no job needs more than its share).
    gang_gpus: Array | None = None

    def gangs(self) -> Array:
        if self.gang_gpus is None:
            return np.zeros(np.shape(self.cost))
        return np.asarray(self.gang_gpus, dtype=np.float64)

    def __post_init__(self) -> None:
        shape = (len(self.workloads), len(self.options))
        for name in ("cost", "allowed", "sovereign", "group_of"):
            if np.shape(getattr(self, name)) != shape:
                raise ValueError(
                    f"{name} must have shape {shape}, got {np.shape(getattr(self, name))}"
                )
        if np.shape(self.need_gpus)[:2] != shape:
            raise ValueError(f"need_gpus must start with shape {shape}")
        if len(set(self.workloads)) != len(self.workloads):
            raise ValueError("workload ids must be unique")
        for group in self.groups:
            if np.shape(group.server_cost_by_period) != (self.periods,):
                raise ValueError(f"{group.option}/{group.gpu}: one server cost per period")
            if group.gpus_per_server < 1:
                raise ValueError(f"{group.option}/{group.gpu}: gpus_per_server must be >= 1")
        owned = self.group_of >= 0
        if np.any(self.group_of >= len(self.groups)):
            raise ValueError("group_of names a fleet group that does not exist")
        if np.any(self.need_gpus[~owned] != 0):
            raise ValueError("need_gpus must be 0 where the option owns no fleet")
        allowed_costs = self.cost[self.allowed]
        if not np.all(np.isfinite(allowed_costs)):
            raise ValueError("every allowed (workload, option) needs a finite cost")
        if self.weights is not None and np.shape(self.weights) != shape[:1]:
            raise ValueError(f"weights must have shape {shape[:1]}")

    @property
    def periods(self) -> int:
        return int(np.shape(self.need_gpus)[2])

    def workload_weights(self) -> Array:
        if self.weights is None:
            return np.ones(len(self.workloads))
        return np.asarray(self.weights, dtype=np.float64)
