"""The criteria library as typed, frozen entries: criteria, requirements, blocking rules, SEAL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Cited:
    """What every criterion, requirement and rule carries: its citation and how sure we are."""

    citation: str
    source_urls: tuple[str, ...]
    verified: bool
    note: str = ""
    open_points: tuple[str, ...] = ()


@dataclass(frozen=True)
class Criterion:
    """A criterion scored 0-5, with the guidance for each level."""

    ref_id: str
    urn: str
    name: str
    description: str
    weight: int
    guidance: Mapping[int, str]
    cited: Cited
    topics: tuple[str, ...] = ()  # the subjects of DESIGN.md the criterion covers


@dataclass(frozen=True)
class Requirement:
    """Minimum criterion scores that apply to workloads of a given classification or sector."""

    ref_id: str
    urn: str
    name: str
    description: str
    importance: str
    applies_when: Mapping[str, Any]
    minimum_scores: Mapping[str, int]
    minimum_increase: Mapping[str, int]
    enforced_by: tuple[str, ...]
    cited: Cited


@dataclass(frozen=True)
class BlockingRule:
    """A hard rule: at option scope it bars the offer; at contract scope the offer may be used once
    the contract it names is signed; at workload scope no option may go live until it is met."""

    ref_id: str
    urn: str
    name: str
    condition: str
    evaluator: str
    scope: str
    policy: bool
    cited: Cited


@dataclass(frozen=True)
class Library:
    """A loaded, validated criteria library."""

    urn: str
    ref_id: str
    name: str
    version: int
    publication_date: dt.date
    provenance: Mapping[str, Any]
    criteria: tuple[Criterion, ...]
    requirements: tuple[Requirement, ...]
    blocking_rules: tuple[BlockingRule, ...]
    seal_levels: Mapping[int, str]
    seal_minimum_by_classification: Mapping[str, int]
    seal_cited: Cited
    eea: frozenset[str]
    adequacy: frozenset[str]
    adequacy_cited: Cited
    open_points: Mapping[str, str] = field(default_factory=dict)

    def criterion(self, ref_id: str) -> Criterion:
        return next(c for c in self.criteria if c.ref_id == ref_id)

    def rule(self, ref_id: str) -> BlockingRule:
        return next(r for r in self.blocking_rules if r.ref_id == ref_id)

    @cached_property
    def barring_rules(self) -> tuple[BlockingRule, ...]:
        """The rules that bar an option (option scope), by rule id: eligibility asks for the
        first that holds, for every party and workload profile."""
        barring = (rule for rule in self.blocking_rules if rule.scope == "option")
        return tuple(sorted(barring, key=lambda rule: rule.ref_id))

    def with_rules(self, ref_ids: Iterable[str]) -> Library:
        """The same library keeping only the named blocking rules (an organization's selection)."""
        keep = set(ref_ids)
        return replace(
            self, blocking_rules=tuple(r for r in self.blocking_rules if r.ref_id in keep)
        )

    def unverified(self) -> list[tuple[str, str]]:
        """(ref_id, note) of every entry not confirmed against its primary text."""
        entries = [*self.criteria, *self.requirements, *self.blocking_rules]
        found = [(e.ref_id, e.cited.note) for e in entries if not e.cited.verified]
        if not self.adequacy_cited.verified:
            found.append(("jurisdictions.adequacy", self.adequacy_cited.note))
        if not self.seal_cited.verified:
            found.append(("seal", self.seal_cited.note))
        return found
