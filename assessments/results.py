"""A run's results, typed: what every step writes and every reader reads (its frozen inputs
are typed in ``assessments.inputs``).

Each step's section is checked against its model when it is stored, so a field a step adds,
renames or leaves out fails the run's own tests instead of a reader in production; the API
publishes the same models as the OpenAPI schema of a run's results, so a generated client reads
them as typed attributes. Stored documents carry ``schema_version``; ``RunResults.load`` reads
every version ever stored (results written before versioning are version 1).

The models follow the stored JSON exactly (an unknown key is refused): amounts are in the section's
``currency``, figures that are not established (NaN, infinite) are null.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

RESULTS_SCHEMA_VERSION = 2


class Typed(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A typed part of a run's document: unknown keys are refused, not carried along."""


class ResultsError(ValueError):
    """Stored results or inputs that do not match their models (or a newer schema version)."""


# --------------------------------------------------------------------------- figures and sources


class Source(Typed, kw_only=True):
    """Where an input came from; a figure's ``source`` is its index in ``engine.sources``."""

    kind: str
    reference: str = ""
    url: str = ""
    date: str = ""
    note: str = ""


class Figure(Typed, kw_only=True):
    """A value with its unit, and either its working (``formula`` and ``inputs``), its source
    (an input quantity) or ``see``: the ``id`` of the entry written in full in the same scope."""

    name: str
    value: float | None
    unit: str
    id: int | None = None
    see: int | None = None
    source: int | None = None
    formula: str | None = None
    inputs: list[Figure] | None = None


class Breakeven(Typed, kw_only=True):
    options: list[str]
    cheaper_at_horizon: str | None = None
    breakeven_month: float | None = None
    figure: Figure | None = None


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


# --------------------------------------------------------------------------- sovereignty


class Finding(Typed, kw_only=True):
    rule_id: str
    name: str
    reason: str
    citation: str = ""
    scope: str = ""
    note: str = ""
    policy: bool = False
    verified: bool = True
    presumed: list[str] = []
    source_urls: list[str] = []


class CriterionScore(Typed, kw_only=True):
    criterion_id: str
    name: str
    score: int | None
    status: str
    reason: str
    weight: float
    verified: bool


class Requirement(Typed, kw_only=True):
    ref_id: str
    name: str
    citation: str
    verified: bool
    minimums: dict[str, int]
    shortfalls: list[str]


class Seal(Typed, kw_only=True):
    level: int | None
    reason: str


class OptionAssessment(Typed, kw_only=True):
    """An option of a workload as the sovereignty rules see it; ``unavailable`` (with
    ``reason``, and ``blocked_by`` when a rule refused every offer) where it has no price."""

    unavailable: bool | None = None
    reason: str | None = None
    blocked: bool | None = None
    blocked_by: str | None = None
    refused_offer: str | None = None
    deployment: str | None = None
    provider_name: str | None = None
    suppliers: list[Supplier] | None = None
    weighted_score: float | None = None
    seal: Seal | None = None
    findings: list[Finding] | None = None
    preconditions: list[Finding] | None = None
    scores: list[CriterionScore] | None = None
    requirements: list[Requirement] | None = None
    unverified: list[str] | None = None
    sovereign: Annotated[
        bool | None, msgspec.Meta(description="SEAL at least the sovereign minimum.")
    ] = None


class Ranked(Typed, kw_only=True):
    option_id: str
    rank: int
    cost: float | None
    cost_index: float | None
    sovereignty_score: float | None
    sovereignty_index: float | None
    combined: float | None
    blocked: bool
    recommended: bool
    blocking_rule_ids: list[str]


class SovereigntyWorkload(Typed, kw_only=True):
    id: str
    name: str
    classification: str
    sector: str
    residency_requirement: str
    personal_data: bool
    recommended: str | None
    recommended_cost: float | None
    ranking: list[Ranked]
    options: dict[str, OptionAssessment]


class Library(Typed, kw_only=True):
    urn: str
    ref_id: str
    name: str
    version: int | str


class Criterion(Typed, kw_only=True):
    id: str
    name: str
    weight: float


class Weights(Typed, kw_only=True):
    cost: float
    sovereignty: float


class SovereigntyResults(Typed, kw_only=True):
    library: Library
    criteria: list[Criterion]
    weights: Weights
    min_seal_by_classification: dict[str, int]
    sovereign_min_seal: int
    workloads: list[SovereigntyWorkload]


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


class PlacementSovereigntyPrice(Typed, kw_only=True):
    basis: str
    at_least: bool
    permitted_npv: float | None
    unrestricted_npv: float | None
    difference: float | None
    difference_pct: float | None
    unrestricted_assignment: dict[str, str]
    unrestricted_status: str | None


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


# --------------------------------------------------------------------------- the whole


SECTION_MODELS: dict[str, type[Typed]] = {
    "engine": EngineResults,
    "monte_carlo": MonteCarloResults,
    "tornado": TornadoResults,
    "sovereignty": SovereigntyResults,
    "placement": PlacementResults,
    "summary": Summary,
}


class WorkloadsPage(Typed, kw_only=True):
    """Which workloads an answer of the results API holds in ``engine.workloads`` and
    ``sovereignty.workloads`` (the portfolio-level parts are always whole)."""

    count: Annotated[int, msgspec.Meta(description="Workloads the run has.")]
    offset: int
    limit: int
    next: Annotated[
        str | None, msgspec.Meta(description="The next page's address; null on the last.")
    ] = None
    previous: str | None = None


class RunResults(Typed, kw_only=True):
    """The results of a succeeded run: each step's section (a section a run's settings leave
    out, such as the Monte Carlo with no samples, is null). The API pages the per-workload
    parts (``workloads_page``); stored results have no page."""

    schema_version: Literal[2] = RESULTS_SCHEMA_VERSION
    engine: EngineResults
    monte_carlo: MonteCarloResults | None = None
    tornado: TornadoResults | None = None
    sovereignty: SovereigntyResults | None = None
    placement: PlacementResults | None = None
    summary: Summary | None = None
    workloads_page: WorkloadsPage | None = None

    @classmethod
    def load(cls, stored: dict) -> RunResults:
        """Stored results of any version, typed."""
        return typed(cls, current_version(stored, RESULTS_SCHEMA_VERSION, "results"))


def typed(model, data):
    try:
        return msgspec.convert(data, model)
    except msgspec.ValidationError as error:
        raise ResultsError(f"{model.__name__}: {error}") from error


def check_section(name: str, section) -> None:
    """Refuse a section that does not match its model (a bug in the step that wrote it)."""
    model = SECTION_MODELS.get(name)
    if model is not None and section is not None:
        typed(model, section)


def load_section(stored: dict, name: str):
    """One section of stored results, typed (None where the run has none)."""
    data = stored.get(name)
    return None if data is None else typed(SECTION_MODELS[name], data)


def current_version(stored: dict, version_now: int, what: str) -> dict:
    """A stored document as the current version: version 1 (before versioning) had the same
    shape without ``schema_version``."""
    version = stored.get("schema_version", 1)
    if version == version_now:
        return stored
    if version == 1:
        return {**stored, "schema_version": version_now}
    raise ResultsError(f"{what} of schema version {version}, newer than this Sovra reads")
