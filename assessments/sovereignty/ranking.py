"""The recommendation per workload and the weighted cost/sovereignty ranking beside it.

Normalisation, so that cost and sovereignty can be weighed on one scale:

* cost index = cheapest cost / option cost, over every option given (blocked ones included, so
  that blocking never moves another option's index): the cheapest is 1.0, an option twice as
  dear 0.5;
* sovereignty index = weighted criterion score / 5 (unknown criteria count as 0);
* combined = (w_cost x cost index + w_sov x sovereignty index) / (w_cost + w_sov).

The recommendation is not the top of that ranking: it is the cheapest option without a blocking
finding (ties: higher sovereignty score, then option id). Weights only reorder the ranking;
they never lift or add a block. Blocked options are listed after the permitted ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .scoring import OptionAssessment


@dataclass(frozen=True)
class RankingWeights:
    """How much an organization weighs cost against sovereignty (any non-negative scale)."""

    cost: float = 0.5
    sovereignty: float = 0.5

    def __post_init__(self) -> None:
        if self.cost < 0 or self.sovereignty < 0 or self.cost + self.sovereignty <= 0:
            raise ValueError("weights must be non-negative and not both zero")


@dataclass(frozen=True)
class RankedOption:
    """One option's place in the ranking, and whether it is the recommendation."""

    option_id: str
    rank: int
    cost: float
    sovereignty_score: float
    cost_index: float
    sovereignty_index: float
    combined: float
    blocked: bool
    blocking_rule_ids: tuple[str, ...]
    recommended: bool


def rank_options(
    assessments: Iterable[OptionAssessment],
    costs: Mapping[str, float],
    weights: RankingWeights | None = None,
) -> list[RankedOption]:
    """Rank the options of one workload; exactly one is ``recommended`` unless all are blocked."""
    weights = weights or RankingWeights()
    assessments = list(assessments)
    if not assessments:
        return []
    missing = [a.option_id for a in assessments if a.option_id not in costs]
    if missing:
        raise ValueError(f"no cost for option(s) {', '.join(map(repr, missing))}")
    # Costs may arrive as Decimal (reports); the indices are ratios, so floats are enough here.
    costs = {a.option_id: float(costs[a.option_id]) for a in assessments}
    for option_id, cost in costs.items():
        if not cost > 0:
            raise ValueError(f"cost of option {option_id!r} must be positive")
    cheapest = min(costs[a.option_id] for a in assessments)
    total = weights.cost + weights.sovereignty
    permitted = [a for a in assessments if not a.blocked]
    recommended = min(
        permitted,
        key=lambda a: (costs[a.option_id], -a.weighted_score, a.option_id),
        default=None,
    )
    rows = []
    for a in assessments:
        cost = costs[a.option_id]
        cost_index = cheapest / cost
        sovereignty_index = a.weighted_score / 5
        combined = (weights.cost * cost_index + weights.sovereignty * sovereignty_index) / total
        rows.append((a, cost, cost_index, sovereignty_index, combined))
    rows.sort(key=lambda r: (r[0].blocked, -r[4], r[1], r[0].option_id))
    return [
        RankedOption(
            option_id=a.option_id,
            rank=position,
            cost=cost,
            sovereignty_score=a.weighted_score,
            cost_index=cost_index,
            sovereignty_index=sovereignty_index,
            combined=combined,
            blocked=a.blocked,
            blocking_rule_ids=tuple(f.rule_id for f in a.blocking_findings),
            recommended=a is recommended,
        )
        for position, (a, cost, cost_index, sovereignty_index, combined) in enumerate(rows, 1)
    ]


def recommendation(ranking: Iterable[RankedOption]) -> RankedOption | None:
    """The recommended option of a ranking, or None when every option is blocked."""
    return next((r for r in ranking if r.recommended), None)
