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

from typing import Annotated, Literal

import msgspec

from .base import (
    RESULTS_SCHEMA_VERSION,
    Breakeven,
    Figure,
    ResultsError,
    Source,
    Typed,
    current_version,
    typed,
)
from .engine import (
    LEGACY_UNIT_COST_NAMES,
    BindingRule,
    Cheapest,
    EngineResults,
    EngineWorkload,
    Fleet,
    MonteCarloResults,
    OptionOutcome,
    OptionSpread,
    Range,
    Sizing,
    SovereigntyPrice,
    Spread,
    Supplier,
    TornadoBar,
    TornadoResults,
    WorkloadSovereigntyPrice,
)
from .portfolio import (
    Answer,
    AnswerGroup,
    LeftOut,
    NamedWorkload,
    OptionShare,
    PlacedFleet,
    PlacementConstraints,
    PlacementResults,
    PlacementSovereigntyPrice,
    PortfolioSovereigntyPrice,
    Summary,
)
from .scoring import (
    Criterion,
    CriterionScore,
    Finding,
    Library,
    OptionAssessment,
    Ranked,
    Requirement,
    Seal,
    SovereigntyResults,
    SovereigntyWorkload,
    Weights,
)

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


def check_section(name: str, section) -> None:
    """Refuse a section that does not match its model (a bug in the step that wrote it)."""
    model = SECTION_MODELS.get(name)
    if model is not None and section is not None:
        typed(model, section)


def load_section(stored: dict, name: str):
    """One section of stored results, typed (None where the run has none)."""
    data = stored.get(name)
    return None if data is None else typed(SECTION_MODELS[name], data)


__all__ = [
    "LEGACY_UNIT_COST_NAMES",
    "RESULTS_SCHEMA_VERSION",
    "SECTION_MODELS",
    "Answer",
    "AnswerGroup",
    "BindingRule",
    "Breakeven",
    "Cheapest",
    "Criterion",
    "CriterionScore",
    "EngineResults",
    "EngineWorkload",
    "Figure",
    "Finding",
    "Fleet",
    "LeftOut",
    "Library",
    "MonteCarloResults",
    "NamedWorkload",
    "OptionAssessment",
    "OptionOutcome",
    "OptionShare",
    "OptionSpread",
    "PlacedFleet",
    "PlacementConstraints",
    "PlacementResults",
    "PlacementSovereigntyPrice",
    "PortfolioSovereigntyPrice",
    "Range",
    "Ranked",
    "Requirement",
    "ResultsError",
    "RunResults",
    "Seal",
    "Sizing",
    "Source",
    "SovereigntyPrice",
    "SovereigntyResults",
    "SovereigntyWorkload",
    "Spread",
    "Summary",
    "Supplier",
    "TornadoBar",
    "TornadoResults",
    "Typed",
    "Weights",
    "WorkloadSovereigntyPrice",
    "WorkloadsPage",
    "check_section",
    "current_version",
    "load_section",
    "typed",
]
