"""The engine's sections of a run's results: costs per option and workload, and their
uncertainty (Monte Carlo and tornado)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from .base import Breakeven, Figure, Source, Typed

# --------------------------------------------------------------------------- engine


class OptionOutcome(Typed, kw_only=True):
    """An option's cost, or (``missing`` and ``reason`` set, no ``npv``) why it has none."""

    option: str
    currency: str | None = None
    total: float | None = None
    npv: float | None = None
    monthly_by_component: Annotated[
        dict[str, list[float | None]] | None,
        msgspec.Meta(
            description="Cash flow per cost component, month 0 (up front) to the horizon."
        ),
    ] = None
    monthly_total: Annotated[
        list[float | None] | None,
        msgspec.Meta(description="Cash flow per month, month 0 (up front) to the horizon."),
    ] = None
    figures: list[Figure] | None = None
    fallbacks: list[dict[str, str]] | None = None
    unit_costs: Annotated[
        dict[str, float | None] | None,
        msgspec.Meta(
            description="By key, where it applies: per_million_tokens and per_gpu_hour (in the "
            "currency), utilisation (the owned fleet's, a fraction)."
        ),
    ] = None
    missing: str | None = None
    reason: str | None = None
    blocked_by: Annotated[
        str | None, msgspec.Meta(description="The rule that refused every offer.")
    ] = None
    refused_offer: Annotated[
        str | None, msgspec.Meta(description="The cheapest offer that rule refused.")
    ] = None
    inapplicable: Annotated[
        bool | None, msgspec.Meta(description="The option never applies to the work.")
    ] = None

    @property
    def priced(self) -> bool:
        """Whether the engine priced it (a row without a price says what it misses)."""
        return self.npv is not None and self.missing is None

    def unit_cost(self, key: str) -> float | None:
        """A unit cost by its key (``per_million_tokens``, ``per_gpu_hour``, ``utilisation``);
        in results stored before the keys, by the figure's name."""
        if self.unit_costs is not None:
            return self.unit_costs.get(key)
        name = LEGACY_UNIT_COST_NAMES[key]
        found = next((f for f in self.figures or () if f.name == name), None)
        return None if found is None else found.value


# Results stored before unit costs had keys named them among the figures only.
LEGACY_UNIT_COST_NAMES = {
    "per_million_tokens": "cost per 1M tokens",
    "per_gpu_hour": "cost per GPU-hour",
    "utilisation": "fleet utilisation",
}


class Sizing(Typed, kw_only=True):
    gpu: str
    binding_constraint: str
    peak_gpus: float | None
    base_gpus: float | None
    gpu_hours_per_month: float | None
    peak_replica_share: Annotated[
        float | None,
        msgspec.Meta(description="Serving: the share of one replica its peak load fills."),
    ] = None


class Supplier(Typed, kw_only=True):
    role: str
    name: str
    region: str = ""
    offer: str = ""


class EngineWorkload(Typed, kw_only=True):
    id: str
    name: str
    kind: str
    sizing: dict[str, Sizing]
    sizing_figures: dict[str, list[Figure]]
    options: dict[str, OptionOutcome]
    breakevens: list[Breakeven]
    suppliers: dict[str, list[Supplier]]


class Fleet(Typed, kw_only=True):
    gpu: str
    servers_by_month: list[float | None]
    utilisation_by_month: list[float | None]
    utilisation: float | None
    note: str


class Cheapest(Typed, kw_only=True):
    option: str
    npv: float | None


class BindingRule(Typed, kw_only=True):
    rule: str
    name: str
    citation: str = ""
    refuses: list[str] | None = None
    workloads: list[str] | None = None
    difference: float | None = None


class WorkloadSovereigntyPrice(Typed, kw_only=True):
    workload: str
    permitted: Cheapest | None
    unrestricted: Cheapest | None
    difference: float | None
    rules: list[BindingRule]
    why: str
    # option -> the rules that make it dearer for the workload (results before: none kept)
    option_rules: dict[str, list[BindingRule]] = {}


class SovereigntyPrice(Typed, kw_only=True):
    """The cheapest offers the rules permit against the cheapest regardless, workload by
    workload, and the rules that make the difference."""

    currency: str
    basis: str
    permitted_npv: float | None
    unrestricted_npv: float | None
    difference: float | None
    difference_pct: float | None
    workloads_compared: int
    workloads_without_permitted_option: list[str]
    rules: list[BindingRule]
    workloads: list[WorkloadSovereigntyPrice]


class EngineResults(Typed, kw_only=True):
    """Cash flows, NPV, unit costs and breakevens per option: the portfolio and each workload."""

    name: str
    engine_version: str
    currency: str
    horizon_months: int
    samples: int
    discounting: str
    cheapest_by_npv: str | None
    left_out_of_totals: list[dict[str, Any]]
    portfolio: dict[str, OptionOutcome]
    fleets: dict[str, list[Fleet]]
    breakevens: list[Breakeven]
    workloads: list[EngineWorkload]
    components: dict[str, str]
    assumptions: dict[str, Any]
    method: dict[str, str]
    sovereignty_price: SovereigntyPrice | None
    sources: list[Source]


# --------------------------------------------------------------------------- uncertainty


class Spread(Typed, kw_only=True):
    p10: float | None
    p50: float | None
    p90: float | None
    mean: float | None


class Range(Typed, kw_only=True):
    low: float | None
    likely: float | None
    high: float | None


class OptionSpread(Typed, kw_only=True):
    option: str
    total: Spread
    npv: Spread
    probability_cheapest: float | None


class MonteCarloResults(Typed, kw_only=True):
    currency: str
    samples: int
    seed: int
    distribution: str
    inputs: dict[str, Range]
    fixed: dict[str, float | None]
    percentiles: str
    options: dict[str, OptionSpread]
    unavailable: dict[str, str]


class TornadoBar(Typed, kw_only=True):
    input: str
    low: float | None
    high: float | None
    difference_at_low: float | None
    difference_at_high: float | None
    swing: float | None


class TornadoResults(Typed, kw_only=True):
    currency: str
    first: str
    second: str
    difference: str
    baseline_difference: float | None
    bars: list[TornadoBar]
