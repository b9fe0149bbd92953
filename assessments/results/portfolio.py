"""The portfolio sections of a run's results: the joint placement and the summary with its
executive answer."""

from __future__ import annotations

from .base import Breakeven, Typed
from .engine import BindingRule, Spread

# --------------------------------------------------------------------------- placement


class OptionShare(Typed, kw_only=True):
    workloads: int
    cost: float | None


class PlacedFleet(Typed, kw_only=True):
    option: str
    gpu: str
    servers: int
    gpus: int
    power_kw: float | None
    rack_units: float | None


class PlacementConstraints(Typed, kw_only=True):
    budget_cap: float | None = None
    power_limit_kw: float | None = None
    rack_units_limit: float | None = None
    min_sovereign_share: float | None = None
    binding: list[str] = []


class PlacedWorkloadPrice(Typed, kw_only=True):
    """One workload's own part of the joint price of sovereignty (its fleet's servers aside)."""

    workload: str
    option: str
    unrestricted_option: str
    difference: float
    rules: list[str]


class PlacementSovereigntyPrice(Typed, kw_only=True):
    basis: str
    at_least: bool
    permitted_npv: float | None
    unrestricted_npv: float | None
    difference: float | None
    difference_pct: float | None
    unrestricted_assignment: dict[str, str]
    unrestricted_status: str | None
    # Its parts, which add up to ``difference`` (results before kept none): the rules'
    # workloads' own costs, and the rest (the shared owned fleets, moves without a rule).
    rules: list[BindingRule] = []
    workloads: list[PlacedWorkloadPrice] = []
    other_difference: float | None = None


class PlacementResults(Typed, kw_only=True):
    """The joint placement of the portfolio under its constraints, against choosing workload by
    workload (``baseline``); ``status`` optimal, time_limit or infeasible."""

    status: str
    message: str
    currency: str
    cost: float | None
    baseline_cost: float | None
    saving: float | None
    assignment: dict[str, str]
    baseline_assignment: dict[str, str]
    by_option: dict[str, OptionShare]
    fleets: list[PlacedFleet]
    constraints: PlacementConstraints
    unplaced: list[str] = []
    solve_seconds: float | None = None
    mip_gap: float | None = None
    variables: int | None = None
    rows: int | None = None
    method: str | None = None
    binding_effects: dict[str, float | None] = {}
    baseline_violations: list[str] = []
    baseline_feasible: bool | None = None
    baseline_seconds: float | None = None
    total_seconds: float | None = None
    npv_spread: Spread | None = None
    price_of_sovereignty: PlacementSovereigntyPrice | None = None


# --------------------------------------------------------------------------- summary


class PortfolioSovereigntyPrice(Typed, kw_only=True):
    basis: str
    permitted_npv: float | None
    unrestricted_npv: float | None
    difference: float | None
    difference_pct: float | None
    rules: list[BindingRule]


class NamedWorkload(Typed, kw_only=True):
    id: str
    name: str


class AnswerGroup(Typed, kw_only=True):
    option: str
    label: str
    place: str
    fleet: str
    workloads: list[NamedWorkload]


class LeftOut(Typed, kw_only=True):
    id: str
    name: str
    reason: str
    fix: str = ""


class Answer(Typed, kw_only=True):
    """The executive answer in plain words: what to do, why, what sovereignty costs, how sure,
    what was left out and what the data lacks."""

    do: str | None
    groups: list[AnswerGroup]
    npv: float | None
    p10: float | None
    p90: float | None
    currency: str
    why: list[str]
    sovereignty: str
    how_sure: list[str]
    left_out: list[LeftOut]
    unpriced: dict[str, int]
    data_gaps: str


class Summary(Typed, kw_only=True):
    price_of_sovereignty: PortfolioSovereigntyPrice | None
    cheapest_option: str | None
    cheapest_npv: float | None
    npv_by_option: dict[str, float | None]
    probability_cheapest: float | None
    breakeven: Breakeven | None
    recommendations: dict[str, str | None]
    recommended_option: str | None
    risks: list[str]
    headline: list[str]
    currency: str
    answer: Answer | None = None
