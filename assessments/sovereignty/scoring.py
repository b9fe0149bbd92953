"""Score one deployment option of one workload against the criteria library."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .blocking import RuleContext
from .criteria import NOT_APPLICABLE, CriterionScore
from .geography import Geo, SealPlacement, place_on_seal
from .library import BlockingRule, Library, Requirement
from .profiles import OptionProfile, WorkloadProfile
from .rules import EVALUATORS, SCORERS


@dataclass(frozen=True)
class SovereigntyPolicy:
    """An organization's choices: minimum SEAL per classification and which rules it applies."""

    min_seal_by_classification: Mapping[str, int] | None = None  # None: the library's default
    enabled_rules: frozenset[str] | None = None  # None: every rule of the library


@dataclass(frozen=True)
class Finding:
    """A blocking rule whose condition holds, with its citation and whether it is verified."""

    rule_id: str
    name: str
    citation: str
    source_urls: tuple[str, ...]
    reason: str
    verified: bool
    note: str
    # option: the option is not permitted; contract: permitted once the contract named is
    # signed; workload: no option may go live yet
    scope: str
    policy: bool
    presumed: tuple[str, ...]  # unestablished facts read unfavourably; recording them may lift it


@dataclass(frozen=True)
class RequirementCheck:
    """A requirement that applies to the workload and whether the option meets its minimums."""

    ref_id: str
    name: str
    citation: str
    source_urls: tuple[str, ...]
    verified: bool
    note: str
    minimums: Mapping[str, int]
    shortfalls: tuple[str, ...]
    enforced_by: tuple[str, ...]

    @property
    def met(self) -> bool:
        return not self.shortfalls


@dataclass(frozen=True)
class OptionAssessment:
    """Everything the scoring says about one option: scores, requirements, findings, SEAL."""

    option_id: str
    deployment: str
    provider_name: str | None
    scores: tuple[CriterionScore, ...]
    weighted_score: float  # 0-5; unknown criteria count as 0, not-applicable ones are left out
    requirements: tuple[RequirementCheck, ...]
    blocking_findings: tuple[Finding, ...]
    preconditions: tuple[Finding, ...]
    seal: SealPlacement
    library_urn: str
    library_version: int

    @property
    def blocked(self) -> bool:
        return bool(self.blocking_findings)

    @property
    def unknown_criteria(self) -> tuple[str, ...]:
        return tuple(s.criterion_id for s in self.scores if s.status == "unknown")

    def score(self, criterion_id: str) -> CriterionScore:
        return next(s for s in self.scores if s.criterion_id == criterion_id)

    def unverified(self) -> tuple[str, ...]:
        """Ids of the findings, requirements and criteria here that rest on unverified sources."""
        items = [*self.blocking_findings, *self.preconditions]
        ids = [f.rule_id for f in items if not f.verified]
        ids += [r.ref_id for r in self.requirements if not r.verified]
        return tuple(ids + [s.criterion_id for s in self.scores if not s.verified])


def score_option(
    workload: WorkloadProfile,
    option: OptionProfile,
    library: Library,
    policy: SovereigntyPolicy | None = None,
) -> OptionAssessment:
    """Score ``option`` for ``workload``: criteria, requirement minimums, findings, SEAL."""
    policy = policy or SovereigntyPolicy()
    geo = Geo.of(library)
    scores = tuple(_score(criterion, workload, option, geo) for criterion in library.criteria)
    seal = place_on_seal(option, geo)
    findings = _findings(workload, option, library, policy, seal)
    return OptionAssessment(
        option_id=option.option_id,
        deployment=option.deployment,
        provider_name=option.provider.name if option.provider else None,
        scores=scores,
        weighted_score=weighted_score(scores),
        requirements=_requirements(library, workload, scores),
        blocking_findings=tuple(f for f in findings if f.scope == "option"),
        preconditions=tuple(f for f in findings if f.scope != "option"),
        seal=seal,
        library_urn=library.urn,
        library_version=library.version,
    )


def first_refusal(
    workload: WorkloadProfile,
    option: OptionProfile,
    library: Library,
    policy: SovereigntyPolicy | None = None,
) -> Finding | None:
    """The first, by rule id, of the findings that bar ``option`` (option scope), or None:
    what eligibility needs for every offer. Neither the criteria nor the rules after the first
    that holds are evaluated."""
    policy = policy or SovereigntyPolicy()
    ctx = _rule_context(workload, library, policy, place_on_seal(option, Geo.of(library)))
    for rule in library.barring_rules:
        if policy.enabled_rules is not None and rule.ref_id not in policy.enabled_rules:
            continue
        if (hit := EVALUATORS[rule.evaluator](workload, option, ctx)) is not None:
            return _finding(rule, hit)
    return None


def _rule_context(workload, library, policy, seal) -> RuleContext:
    minimums = policy.min_seal_by_classification or library.seal_minimum_by_classification
    return RuleContext(Geo.of(library), seal, minimums.get(workload.classification, 0))


def _findings(workload, option, library, policy, seal) -> list[Finding]:
    ctx = _rule_context(workload, library, policy, seal)
    return [
        _finding(rule, hit)
        for rule in library.blocking_rules
        if policy.enabled_rules is None or rule.ref_id in policy.enabled_rules
        if (hit := EVALUATORS[rule.evaluator](workload, option, ctx)) is not None
    ]


def weighted_score(scores: tuple[CriterionScore, ...]) -> float:
    """Weighted mean on 0-5 of the applicable criteria; an unknown criterion counts as 0."""
    applicable = [s for s in scores if s.status != "not_applicable"]
    total = sum(s.weight for s in applicable)
    if not total:
        return 0.0
    return sum(s.weight * (s.score or 0) for s in applicable) / total


def _score(criterion, workload, option, geo) -> CriterionScore:
    score, reason, attributes = SCORERS[criterion.ref_id](workload, option, geo)
    if score == NOT_APPLICABLE:
        status, score = "not_applicable", None
    else:
        status = "unknown" if score is None else "scored"
    return CriterionScore(
        criterion_id=criterion.ref_id,
        name=criterion.name,
        score=score,
        status=status,
        reason=reason,
        attributes=attributes,
        weight=criterion.weight,
        verified=criterion.cited.verified,
    )


def _finding(rule: BlockingRule, hit) -> Finding:
    return Finding(
        rule_id=rule.ref_id,
        name=rule.name,
        citation=rule.cited.citation,
        source_urls=rule.cited.source_urls,
        reason=hit.reason,
        verified=rule.cited.verified,
        note=rule.cited.note,
        scope=rule.scope,
        policy=rule.policy,
        presumed=hit.presumed,
    )


def applies(requirement: Requirement, workload: WorkloadProfile) -> bool:
    """All conditions of ``applies_when`` hold; a list means any of its values."""
    values = {
        "classification": workload.classification,
        "personal_data": workload.personal_data,
        "special_category": workload.special_category,
        "sector": workload.sector,
        "member_state": workload.state,
        "annex_iii_high_risk": bool(workload.annex_iii_high_risk),
        "uses_media_rights": workload.uses_media_rights,
    }
    for key, wanted in requirement.applies_when.items():
        allowed = wanted if isinstance(wanted, list) else [wanted]
        if values[key] not in allowed:
            return False
    return True


def _requirements(library, workload, scores) -> tuple[RequirementCheck, ...]:
    """Applicable requirements with their minimums checked against the scores.

    A requirement that raises minimums (special categories, +1 on C1 and C3) is checked at the
    highest base minimum of the other applicable requirements plus its step, capped at 5, so
    the raised level is reported under the rule that raises it.
    """
    applicable = [r for r in library.requirements if applies(r, workload)]
    base: dict[str, int] = {}
    for req in applicable:
        for key, value in req.minimum_scores.items():
            base[key] = max(base.get(key, 0), value)
    by_id = {s.criterion_id: s for s in scores}
    checks = []
    for req in applicable:
        minimums = dict(req.minimum_scores)
        for key, step in req.minimum_increase.items():
            minimums[key] = min(max(base.get(key, 0), minimums.get(key, 0)) + step, 5)
        shortfalls = (_shortfall(by_id[key], value) for key, value in minimums.items())
        checks.append(
            RequirementCheck(
                ref_id=req.ref_id,
                name=req.name,
                citation=req.cited.citation,
                source_urls=req.cited.source_urls,
                verified=req.cited.verified,
                note=req.cited.note,
                minimums=minimums,
                shortfalls=tuple(s for s in shortfalls if s),
                enforced_by=req.enforced_by,
            )
        )
    return tuple(checks)


def _shortfall(score: CriterionScore, minimum: int) -> str:
    if score.status == "not_applicable":
        return ""
    if score.score is None:
        return f"{score.criterion_id} unknown, minimum {minimum}"
    return f"{score.criterion_id} {score.score} < {minimum}" if score.score < minimum else ""
