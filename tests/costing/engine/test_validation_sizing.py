"""Every sizing validation case (published measurements) reproduced within its own tolerance."""

from __future__ import annotations

import pytest

from tests.costing.engine.validation_cases import (
    find_model,
    load_cases,
    relative_error,
    run_case,
    within,
)

CASES = load_cases()


def test_every_sizing_kind_has_cases():
    assert {case["kind"] for case in CASES} == {
        "memory",
        "decode_throughput",
        "prefill_throughput",
        "serving_throughput",
        "training_gpu_hours",
    }


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_engine_reproduces_published_figure(case):
    estimate, expected, unit = run_case(case)
    error = relative_error(estimate, expected)
    tolerance = case["tolerance"]["relative"]
    assert within(case, estimate, expected), (
        f"{case['id']}: engine {estimate:,.2f} vs published {expected:,.2f} {unit} "
        f"({error:.1%} off, tolerance {tolerance:.0%})"
    )


GEOMETRY = ("layers", "kv_heads", "head_dim", "params_b", "expert_params_b")
STATING = [case for case in CASES if set(GEOMETRY) & set(case["inputs"])]


@pytest.mark.parametrize("case", STATING, ids=[case["id"] for case in STATING])
def test_shipped_models_agree_with_the_geometry_a_case_states(case):
    """The engine sizes from the product's models; a case's own figures only cross-check them."""
    model = find_model(case["inputs"]["model"])
    stated = {name: case["inputs"][name] for name in GEOMETRY if name in case["inputs"]}
    assert {name: getattr(model, name) for name in stated} == stated
