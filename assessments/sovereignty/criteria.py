"""Per-criterion scores C1-C9 of one option, each with its reason and the attributes it read.

A scorer returns ``None`` as the score when the attribute it needs is not established; the
option then shows 'unknown' for that criterion, and the weighted score counts it as 0.
"""

from __future__ import annotations

from dataclasses import dataclass

NOT_APPLICABLE = -1  # a scorer's marker: the criterion does not apply to this option

Raw = tuple[int | None, str, tuple[str, ...]]

CERTIFICATION_LEVELS = {
    "secnumcloud": 5,
    "gaia_x_l3": 5,
    "ens_alta": 4,
    "eucs_high": 4,
    "iso42001": 4,
    "c5_type2": 3,
    "ens_media": 3,
    "hds": 3,
    "c5_type1": 2,
    "iso27017": 2,
    "iso27018": 2,
    "soc2_type2": 2,
    "iso27001": 1,
}
KEY_LEVELS = {"provider": 0, "cmk": 1, "byok": 2, "hyok": 3, "customer_only": 3}


@dataclass(frozen=True)
class CriterionScore:
    """A criterion's 0-5 score for one option; 'unknown' when its input is not established."""

    criterion_id: str
    name: str
    score: int | None
    status: str  # scored | unknown | not_applicable
    reason: str
    attributes: tuple[str, ...]
    weight: int
    verified: bool
