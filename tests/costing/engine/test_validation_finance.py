"""Every TCO, breakeven and cost-per-1M-tokens validation case, reproduced within its tolerance."""

from __future__ import annotations

import pytest

from tests.costing.engine.validation_finance_cases import evaluate_case, finance_cases

CASES = finance_cases()


def test_every_finance_kind_is_covered():
    kinds = {case["kind"] for case in CASES}
    assert kinds == {"tco_total", "tco_breakeven", "cost_per_million_tokens"}


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_validation_case_reproduces_published_figure(case):
    """GIVEN a published figure and its inputs WHEN the scenario a user would write for it is
    evaluated THEN evaluate()'s figures are within the case's tolerance."""
    result = evaluate_case(case)
    failures = [
        f"{check.name}: engine {check.estimate:.6g} vs published {check.expected:.6g} "
        f"({check.error:+.2%})"
        for check in (result.headline, *result.secondary)
        if not check.passed
    ]
    assert not failures, "; ".join(failures)
