"""A run's frozen inputs and results, typed: what every step writes and every reader reads.

Each step's section is checked against its model when it is stored, so a field a step adds,
renames or leaves out fails the run's own tests instead of a reader in production; the API
publishes the same models as the OpenAPI schema of a run's results, so a generated client reads
them as typed attributes. Stored documents carry ``schema_version``; ``RunResults.load`` reads
every version ever stored (results written before versioning are version 1).

The models follow the stored JSON exactly (``extra="forbid"``): amounts are in the section's
``currency``, figures that are not established (NaN, infinite) are null.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RESULTS_SCHEMA_VERSION = 2
SNAPSHOT_SCHEMA_VERSION = 2


class Typed(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- figures and sources


class Source(Typed):
    """Where an input came from; a figure's ``source`` is its index in ``engine.sources``."""

    kind: str
    reference: str = ""
    url: str = ""
    date: str = ""
    note: str = ""


class Figure(Typed):
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


class Breakeven(Typed):
    options: list[str]
    cheaper_at_horizon: str | None = None
    breakeven_month: float | None = None
    figure: Figure | None = None


# --------------------------------------------------------------------------- engine


class OptionOutcome(Typed):
    """An option's cost, or (``missing`` and ``reason`` set, no ``npv``) why it has none."""

    option: str
    currency: str | None = None
    total: float | None = None
    npv: float | None = None
    monthly_by_component: dict[str, list[float | None]] | None = Field(
        None, description="Cash flow per cost component, month 0 (up front) to the horizon."
    )
    monthly_total: list[float | None] | None = Field(
        None, description="Cash flow per month, month 0 (up front) to the horizon."
    )
    figures: list[Figure] | None = None
    fallbacks: list[dict[str, str]] | None = None
    missing: str | None = None
    reason: str | None = None
    blocked_by: str | None = Field(None, description="The rule that refused every offer.")
    refused_offer: str | None = Field(None, description="The cheapest offer that rule refused.")
    inapplicable: bool | None = Field(None, description="The option never applies to the work.")

    @property
    def priced(self) -> bool:
        return self.npv is not None


class Sizing(Typed):
    gpu: str
    binding_constraint: str
    peak_gpus: float | None
    base_gpus: float | None
    gpu_hours_per_month: float | None
    peak_replica_share: float | None = Field(
        None, description="Serving: the share of one replica its peak load fills."
    )


class Supplier(Typed):
    role: str
    name: str
    region: str = ""
    offer: str = ""


class EngineWorkload(Typed):
    id: str
    name: str
    kind: str
    sizing: dict[str, Sizing]
    sizing_figures: dict[str, list[Figure]]
    options: dict[str, OptionOutcome]
    breakevens: list[Breakeven]
    suppliers: dict[str, list[Supplier]]


class Fleet(Typed):
    gpu: str
    servers_by_month: list[float | None]
    utilisation_by_month: list[float | None]
    utilisation: float | None
    note: str


class Cheapest(Typed):
    option: str
    npv: float | None


class BindingRule(Typed):
    rule: str
    name: str
    citation: str = ""
    refuses: list[str] | None = None
    workloads: list[str] | None = None
    difference: float | None = None


class WorkloadSovereigntyPrice(Typed):
    workload: str
    permitted: Cheapest | None
    unrestricted: Cheapest | None
    difference: float | None
    rules: list[BindingRule]
    why: str


class SovereigntyPrice(Typed):
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


class EngineResults(Typed):
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


class Spread(Typed):
    p10: float | None
    p50: float | None
    p90: float | None
    mean: float | None


class Range(Typed):
    low: float | None
    likely: float | None
    high: float | None


class OptionSpread(Typed):
    option: str
    total: Spread
    npv: Spread
    probability_cheapest: float | None


class MonteCarloResults(Typed):
    currency: str
    samples: int
    seed: int
    distribution: str
    inputs: dict[str, Range]
    fixed: dict[str, float | None]
    percentiles: str
    options: dict[str, OptionSpread]
    unavailable: dict[str, str]


class TornadoBar(Typed):
    input: str
    low: float | None
    high: float | None
    difference_at_low: float | None
    difference_at_high: float | None
    swing: float | None


class TornadoResults(Typed):
    currency: str
    first: str
    second: str
    difference: str
    baseline_difference: float | None
    bars: list[TornadoBar]


# --------------------------------------------------------------------------- sovereignty


class Finding(Typed):
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


class CriterionScore(Typed):
    criterion_id: str
    name: str
    score: int | None
    status: str
    reason: str
    weight: int | float
    verified: bool


class Requirement(Typed):
    ref_id: str
    name: str
    citation: str
    verified: bool
    minimums: dict[str, int]
    shortfalls: list[str]


class Seal(Typed):
    level: int | None
    reason: str


class OptionAssessment(Typed):
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
    sovereign: bool | None = Field(None, description="SEAL at least the sovereign minimum.")


class Ranked(Typed):
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


class SovereigntyWorkload(Typed):
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


class Library(Typed):
    urn: str
    ref_id: str
    name: str
    version: int | str


class Criterion(Typed):
    id: str
    name: str
    weight: int | float


class Weights(Typed):
    cost: int | float
    sovereignty: int | float


class SovereigntyResults(Typed):
    library: Library
    criteria: list[Criterion]
    weights: Weights
    min_seal_by_classification: dict[str, int]
    sovereign_min_seal: int
    workloads: list[SovereigntyWorkload]


# --------------------------------------------------------------------------- placement


class OptionShare(Typed):
    workloads: int
    cost: float | None


class PlacedFleet(Typed):
    option: str
    gpu: str
    servers: int
    gpus: int
    power_kw: float | None
    rack_units: float | None


class PlacementConstraints(Typed):
    budget_cap: float | None = None
    power_limit_kw: float | None = None
    rack_units_limit: float | None = None
    min_sovereign_share: float | None = None
    binding: list[str] = []


class PlacementSovereigntyPrice(Typed):
    basis: str
    at_least: bool
    permitted_npv: float | None
    unrestricted_npv: float | None
    difference: float | None
    difference_pct: float | None
    unrestricted_assignment: dict[str, str]
    unrestricted_status: str | None


class PlacementResults(Typed):
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


class PortfolioSovereigntyPrice(Typed):
    basis: str
    permitted_npv: float | None
    unrestricted_npv: float | None
    difference: float | None
    difference_pct: float | None
    rules: list[BindingRule]


class NamedWorkload(Typed):
    id: str
    name: str


class AnswerGroup(Typed):
    option: str
    label: str
    place: str
    fleet: str
    workloads: list[NamedWorkload]


class LeftOut(Typed):
    id: str
    name: str
    reason: str
    fix: str = ""


class Answer(Typed):
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


class Summary(Typed):
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


class RunResults(Typed):
    """The results of a succeeded run: each step's section (a section a run's settings leave
    out, such as the Monte Carlo with no samples, is null)."""

    schema_version: Literal[2] = RESULTS_SCHEMA_VERSION
    engine: EngineResults
    monte_carlo: MonteCarloResults | None = None
    tornado: TornadoResults | None = None
    sovereignty: SovereigntyResults | None = None
    placement: PlacementResults | None = None
    summary: Summary | None = None

    @classmethod
    def load(cls, stored: dict) -> RunResults:
        """Stored results of any version, typed."""
        return cls.model_validate(upgrade_results(stored))


def load_section(stored: dict, name: str):
    """One section of stored results, typed (None where the run has none): for readers that
    need a summary or a placement, not a long portfolio's every workload."""
    data = stored.get(name)
    return None if data is None else SECTION_MODELS[name].model_validate(data)


def upgrade_results(stored: dict) -> dict:
    """Stored results as the current version: version 1 (before versioning) had the same
    sections without ``schema_version``; its answer, where it predates the answer, is absent."""
    version = stored.get("schema_version", 1)
    if version == RESULTS_SCHEMA_VERSION:
        return stored
    if version == 1:
        return {**stored, "schema_version": RESULTS_SCHEMA_VERSION}
    raise ValueError(f"results of schema version {version}, newer than this Sovra reads")


CHECKED_WORKLOADS = 50


def check_section(name: str, section) -> None:
    """Refuse a section that does not match its model (a bug in the step that wrote it).

    Every workload's entry is written by the same code, so a long portfolio's section is checked
    on its first and on evenly spread workloads (``CHECKED_WORKLOADS`` in all): checking a
    thousand workloads' figures would cost seconds a run, to find what fifty find."""
    model = SECTION_MODELS.get(name)
    if model is None or section is None:
        return
    workloads = section.get("workloads") if isinstance(section, dict) else None
    if isinstance(workloads, list) and len(workloads) > CHECKED_WORKLOADS:
        half = CHECKED_WORKLOADS // 2
        step = max(1, len(workloads) // half)
        section = {**section, "workloads": workloads[:half] + workloads[half::step][:half]}
    model.model_validate(section)


# --------------------------------------------------------------------------- the frozen inputs


class SnapshotConstraints(Typed):
    budget_cap: float | None
    power_limit_kw: float | None
    rack_units_limit: int | None
    min_sovereign_share_pct: float | None


class SnapshotAssessment(Typed):
    id: int
    name: str
    description: str = ""
    options: list[str]
    horizon_years: int
    offer_locations: str
    assumption_overrides: dict[str, Any]
    monte_carlo_samples: int
    random_seed: int
    sovereignty_weight_pct: int | None
    sovereign_min_seal: int
    constraints: SnapshotConstraints
    recipients: list[str]
    workload_tags: list[str]


class SnapshotOrganization(Typed):
    name: str
    slug: str
    country: str
    currency: str
    discount_rate_pct: float
    sovereignty_weight_pct: int
    min_seal_by_classification: dict[str, int]


class SnapshotCatalog(Typed):
    id: int
    name: str
    version: str
    effective_date: str
    public: bool


class Excluded(Typed):
    """A selected workload left out of the run: why, and how to bring it in."""

    id: str
    reason: str
    fix: str = ""


class SnapshotModel(Typed):
    open_weights: bool | None
    licence: str


class SnapshotVersions(Typed):
    sovra: str
    engine: str
    library: dict[str, Any]


class RunSnapshot(Typed):
    """Every input of a run, frozen when it started: the assessment's settings, the inventory
    rows, the scenario document the engine evaluated (its own JSON Schema describes it:
    ``costing/engine/scenario.schema.json``), the providers' attributes and the versions."""

    schema_version: Literal[2] = SNAPSHOT_SCHEMA_VERSION
    taken_at: str
    prices_as_of: str
    assessment: SnapshotAssessment
    organization: SnapshotOrganization
    workloads: list[dict[str, Any]]
    excluded: list[Excluded]
    offers_left_out: list[str]
    scenario: dict[str, Any]
    providers: dict[str, dict[str, Any]]
    models: dict[str, SnapshotModel]
    catalogs: list[SnapshotCatalog]
    versions: SnapshotVersions

    @classmethod
    def load(cls, stored: dict) -> RunSnapshot:
        """A stored snapshot of any version, typed (version 1: before versioning)."""
        version = stored.get("schema_version", 1)
        if version == 1:
            stored = {**stored, "schema_version": SNAPSHOT_SCHEMA_VERSION}
        elif version != SNAPSHOT_SCHEMA_VERSION:
            raise ValueError(f"a snapshot of schema version {version}, newer than this Sovra reads")
        return cls.model_validate(stored)
