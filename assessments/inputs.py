"""A run's frozen inputs, typed: the snapshot a run takes when it starts and every step reads.

Like the results (``assessments.results``), the snapshot carries ``schema_version`` and is
checked against these Structs when it is taken; ``RunSnapshot.load`` reads every version.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from assessments.results import Typed, current_version, typed

SNAPSHOT_SCHEMA_VERSION = 2


class SnapshotConstraints(Typed, kw_only=True):
    budget_cap: float | None
    power_limit_kw: float | None
    rack_units_limit: int | None
    min_sovereign_share_pct: float | None


class SnapshotAssessment(Typed, kw_only=True):
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


class SnapshotOrganization(Typed, kw_only=True):
    name: str
    slug: str
    country: str
    currency: str
    discount_rate_pct: float
    sovereignty_weight_pct: int
    min_seal_by_classification: dict[str, int]


class SnapshotCatalog(Typed, kw_only=True):
    id: int
    name: str
    version: str
    effective_date: str
    public: bool


class Excluded(Typed, kw_only=True):
    """A selected workload left out of the run: why, and how to bring it in."""

    id: str
    reason: str
    fix: str = ""


class SnapshotModel(Typed, kw_only=True):
    open_weights: bool | None
    licence: str


class SnapshotVersions(Typed, kw_only=True):
    sovra: str
    engine: str
    library: dict[str, Any]


class RunSnapshot(Typed, kw_only=True):
    """Every input of a run, frozen when it started: the assessment's settings, the inventory
    rows, the scenario document the engine evaluated (its own JSON Schema describes it:
    ``costing/engine/scenario.schema.json``), the providers' attributes and the versions."""

    schema_version: Literal[2] = SNAPSHOT_SCHEMA_VERSION
    taken_at: str
    prices_as_of: str
    fx_max_age_days: Annotated[
        int | None,
        msgspec.Meta(description="An exchange rate older than this on prices_as_of is named."),
    ] = None
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
        document = current_version(stored, SNAPSHOT_SCHEMA_VERSION, "a snapshot")
        versions = document.get("versions")
        if isinstance(versions, dict) and isinstance(versions.get("library"), str):
            # The first snapshots named the criteria library by its URN alone.
            document = {
                **document,
                "versions": {**versions, "library": {"urn": versions["library"]}},
            }
        return typed(cls, document)
