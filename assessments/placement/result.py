"""What a placement solve returns: the placement, its cost beside the baseline's, how found."""

from __future__ import annotations

from dataclasses import dataclass, field

from assessments.placement.problem import Constraints


@dataclass(frozen=True)
class FleetSummary:
    """One owned fleet at the end of the horizon (servers are kept, so this is its largest size)."""

    option: str
    gpu: str
    servers: int
    gpus: int
    power_kw: float
    rack_units: float

    def as_dict(self) -> dict:
        return {
            "option": self.option,
            "gpu": self.gpu,
            "servers": self.servers,
            "gpus": self.gpus,
            "power_kw": self.power_kw,
            "rack_units": self.rack_units,
        }


@dataclass(frozen=True)
class PlacementResult:
    """The optimal (or best found) placement, the workload-by-workload baseline and the saving."""

    status: str  # "optimal" | "time_limit" | "infeasible"
    message: str
    currency: str
    cost: float | None
    baseline_cost: float | None
    assignment: dict[str, str]
    baseline_assignment: dict[str, str]
    by_option: dict[str, dict]
    fleets: tuple[FleetSummary, ...]
    constraints: Constraints
    binding: tuple[str, ...]
    solve_seconds: float
    mip_gap: float | None
    variables: int
    rows: int
    method: str
    # What relaxing each binding limit alone would save (NPV), and the baseline's broken limits.
    binding_effects: dict[str, float] = field(default_factory=dict)
    baseline_violations: tuple[str, ...] = ()
    baseline_seconds: float = 0.0
    total_seconds: float = 0.0

    @property
    def saving(self) -> float | None:
        if self.cost is None or self.baseline_cost is None:
            return None
        return self.baseline_cost - self.cost

    def as_dict(self) -> dict:
        limits = self.constraints
        return {
            "status": self.status,
            "message": self.message,
            "currency": self.currency,
            "cost": self.cost,
            "baseline_cost": self.baseline_cost,
            "saving": self.saving,
            "assignment": dict(self.assignment),
            "baseline_assignment": dict(self.baseline_assignment),
            "by_option": {k: dict(v) for k, v in self.by_option.items()},
            "fleets": [f.as_dict() for f in self.fleets],
            "constraints": {
                "budget_cap": limits.budget_cap,
                "power_limit_kw": limits.power_limit_kw,
                "rack_units_limit": limits.rack_units_limit,
                "min_sovereign_share": limits.min_sovereign_share,
                "binding": list(self.binding),
            },
            "solve_seconds": self.solve_seconds,
            "mip_gap": self.mip_gap,
            "variables": self.variables,
            "rows": self.rows,
            "method": self.method,
            "binding_effects": dict(self.binding_effects),
            "baseline_violations": list(self.baseline_violations),
            "baseline_feasible": self.baseline_cost is not None and not self.baseline_violations,
            "baseline_seconds": self.baseline_seconds,
            "total_seconds": self.total_seconds,
        }
