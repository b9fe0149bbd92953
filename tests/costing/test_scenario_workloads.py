"""The inventory's ranges lie within the scenario document's: whatever it accepts evaluates."""

from __future__ import annotations

import pytest
from django.core.validators import MaxValueValidator, MinValueValidator

from costing.engine.hardware import public_accelerators
from costing.engine.scenario_checks import schema_errors
from costing.scenario_workloads import ApiServing, scenario_model, workload_rows
from portal.models import ModelSpec
from portal.models.modelspec import SIZING_FIELDS
from portal.ranges import WORKLOAD_RANGES
from tests.factories import ModelSpecFactory, WorkloadFactory

LOW, HIGH = 0, 1


def _edge(name: str, end: int):
    allowed = WORKLOAD_RANGES[name]
    return (allowed.minimum, allowed.maximum)[end]


def _spec_at(end: int, name: str) -> ModelSpec:
    """A model spec with every sizing number at the low or high end its validators allow."""
    values = {}
    for field_name in SIZING_FIELDS:
        field = ModelSpec._meta.get_field(field_name)
        kind = MaxValueValidator if end == HIGH else MinValueValidator
        limit = next((v.limit_value for v in field.validators if isinstance(v, kind)), None)
        if limit is not None:
            values[field_name] = limit
    return ModelSpecFactory(name=name, **values)


@pytest.mark.parametrize("end", [LOW, HIGH], ids=["lowest", "highest"])
def test_an_inventory_at_the_edge_of_every_range_is_a_valid_scenario(org, end):
    """GIVEN workloads of every kind with each number at the low (or high) end of its
    inventory range, on a model spec at the end of its own WHEN they become a scenario
    document THEN the schema accepts every figure."""
    spec = _spec_at(end, f"Edge model {end}")
    numbers = {name: _edge(name, end) for name in WORKLOAD_RANGES}
    # A token workload needs tokens, and a training one tokens to train on, to be sent at all.
    numbers["avg_input_tokens"] = max(numbers["avg_input_tokens"], 1)
    numbers["training_tokens_per_month"] = max(numbers["training_tokens_per_month"], 1)
    for kind in ("chat", "batch", "embeddings", "fine_tuning", "training"):
        WorkloadFactory(organization=org, kind=kind, model=spec, **numbers)
    for kind in ("speech", "image_video", "other_gpu"):
        WorkloadFactory(organization=org, kind=kind, model=None, gpu_class="H100 SXM", **numbers)
    rows, models, excluded = workload_rows(
        organization=org, workloads=None, api=ApiServing([]), parts=public_accelerators()
    )
    assert excluded == []
    assert models == [scenario_model(spec)]
    document = {
        "name": "edges",
        "reporting_currency": "EUR",
        "start_date": "2027-01-01",
        "horizon_months": 12,
        "discount_rate_per_year": 0.05,
        "workloads": rows,
        "models": models,
        "offers": {},
        "options": ["cloud_on_demand"],
    }
    assert schema_errors(document) == []
    chat = next(row for row in rows if row["kind"] == "chat")
    if end == HIGH:  # the figures really are at the top: 10M tokens, a 100x peak, 100T params
        assert (chat["input_tokens"], chat["peak_factor"]) == (10_000_000, 100.0)
        assert models[0]["params_b"] == 100_000
    else:  # ... and at the bottom: a 1 ms first token, demand retired within the year
        assert (chat["ttft_target_s"], chat["growth_per_year"]) == (0.001, -1.0)
