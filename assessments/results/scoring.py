"""The sovereignty section of a run's results: each option of each workload as the rules
see it."""

from __future__ import annotations

from typing import Annotated

import msgspec

from .base import Typed
from .engine import Supplier

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
