"""Every number of a scenario document has a documented range, applied by the schema."""

from __future__ import annotations

import json
import math

import pytest

from costing.engine.evaluate import evaluate
from costing.engine.limits import LIMITS, Limit, with_limits
from costing.engine.scenario import SCHEMA, SCHEMA_PATH, ScenarioInvalid, load_scenario
from tests.costing.engine.test_scenario import EXAMPLE
from tests.timing import finishes_within

BOUNDS = ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum")


def _numbers(node, path="$"):
    """(path, property) of every number or integer the schema describes, wherever it sits."""
    if isinstance(node, dict):
        kinds = node.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if {"number", "integer"} & set(kinds):
            yield path, node
        for key, value in node.items():
            yield from _numbers(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _numbers(value, f"{path}[{i}]")


@pytest.fixture
def document() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_every_number_of_the_schema_has_a_documented_range():
    """GIVEN the schema as the engine applies it THEN every number has a lower and an upper
    bound, and its description states the range and why."""
    numbers = [
        (path, prop) for path, prop in _numbers(SCHEMA) if "additionalProperties" not in path
    ]
    assert len(numbers) == sum(len(limits) for limits in LIMITS.values()) == 80
    for path, prop in numbers:
        assert {"minimum", "exclusiveMinimum"} & set(prop), path
        assert "maximum" in prop, path
        assert "Range: " in prop["description"], path


def test_the_schema_file_states_no_range_of_its_own():
    """The table is the one source of ranges: the file holds types and meanings only."""
    raw = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    stated = [path for path, prop in _numbers(raw) if set(BOUNDS) & set(prop)]
    assert stated == []


def test_a_range_for_a_property_the_schema_lacks_is_an_error(monkeypatch):
    raw = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    monkeypatch.setitem(LIMITS, "workload", {**LIMITS["workload"], "tokens": Limit(0, 1, "", "")})
    with pytest.raises(KeyError, match="tokens"):
        with_limits(raw)


def test_a_range_reads_as_the_schema_describes_it():
    assert SCHEMA["$defs"]["workload"]["properties"]["input_tokens"] == {
        "type": "number",
        "minimum": 0,
        "maximum": 10_000_000,
        "description": "Range: 0 to 10,000,000 tokens per request (the longest context offered "
        "(10M tokens)).",
    }
    ttft = SCHEMA["$defs"]["workload"]["properties"]["ttft_target_s"]
    assert ttft["description"] == "Range: 0.001 to 600 s (from a millisecond to ten minutes)."
    assert Limit(0, 1e16, "tokens", "").describe() == "0 to 1e16 tokens"
    assert Limit(0, 2**63 - 1, "", "").describe() == "0 to 9.22e18"
    assert Limit(0, 1, "(fraction)", "", above=True).describe() == "above 0 to 1 (fraction)"


# What the largest real deployments look like: each passes, and evaluates in bounded time.
PLAUSIBLE = [
    (("workloads", 0, "input_tokens"), 10_000_000),  # a 10M-token context window, filled
    (("workloads", 0, "requests_per_day"), 10_000_000_000),  # web-search scale
    (("workloads", 0, "peak_factor"), 24),  # a whole day's requests in one hour
    (("workloads", 9, "peak_gpus"), 1_000_000),  # a million-GPU cluster
    (("workloads", 9, "gpu_hours_per_month"), 744_000_000),  # ... busy every hour of a month
    (("workloads", 10, "training_tokens_per_month"), 15.6e12),  # Llama 3.1 405B's whole run
    (("models", 0, "params_b"), 2_000),  # a 2T-parameter model
]


@pytest.mark.parametrize(("path", "value"), PLAUSIBLE, ids=[p[-1] for p, _ in PLAUSIBLE])
def test_the_largest_real_deployments_pass_and_evaluate(document, path, value):
    *parents, last = path
    target = document
    for key in parents:
        target = target[key]
    target[last] = value
    with finishes_within(30):
        result = evaluate(load_scenario(document))
    assert result.cheapest is not None


ABSURD = [
    (("workloads", 0, "input_tokens"), 1e300, "is greater than the maximum of 10000000"),
    (("workloads", 0, "input_tokens"), 1e308, "is greater than the maximum of 10000000"),
    (("workloads", 0, "input_tokens"), -1, "is less than the minimum of 0"),
    (("workloads", 0, "output_tokens"), 1e7, "is greater than the maximum of 1000000"),
    (("workloads", 0, "requests_per_day"), 1e15, "is greater than the maximum of 100000000000"),
    (("workloads", 0, "peak_factor"), 1e6, "is greater than the maximum of 100"),
    (("workloads", 0, "ttft_target_s"), 0, "is less than the minimum of 0.001"),
    (("workloads", 9, "peak_gpus"), 10**9, "is greater than the maximum of 1000000"),
    (("workloads", 10, "training_tokens_per_month"), 1e30, "is greater than the maximum"),
    (("models", 0, "params_b"), 1e9, "is greater than the maximum of 100000"),
    (("models", 0, "kv_heads"), 10**9, "is greater than the maximum of 10000"),
    (("models", 0, "context_tokens"), 10**12, "is greater than the maximum of 100000000"),
    (("uncertainty", "samples"), 10**7, "is greater than the maximum of 100000"),
    (("offers", "servers", 0, "useful_life_years"), 1e300, "is greater than the maximum of 30"),
    (("offers", "servers", 0, "price", "amount"), 1e300, "is greater than the maximum"),
    (("offers", "fx", 0, "rate"), 1e300, "is greater than the maximum of 10000000"),
]


@pytest.mark.parametrize(
    ("path", "value", "words"), ABSURD, ids=[f"{p[-1]}={v}" for p, v, _ in ABSURD]
)
def test_an_absurd_number_is_refused_at_its_path(document, path, value, words):
    *parents, last = path
    target = document
    for key in parents:
        target = target[key]
    target[last] = value
    with pytest.raises(ScenarioInvalid) as refused:
        load_scenario(document)
    where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    assert [path for path, _ in refused.value.errors] == [where]
    assert words in refused.value.errors[0][1]


def test_a_sizing_override_is_bounded_like_any_number(document):
    document["assumptions"]["sizing_overrides"] = {"gpus_per_node": 10**9, "mfu": 0}
    with pytest.raises(ScenarioInvalid) as refused:
        load_scenario(document)
    assert dict(refused.value.errors) == {
        "$.assumptions.sizing_overrides.gpus_per_node": "1000000000 is greater than the "
        "maximum of 1024",
        "$.assumptions.sizing_overrides.mfu": "0 is less than or equal to the minimum of 0",
    }


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinities_are_refused_where_they_lie(document, value):
    """Python's json reads NaN, Infinity and 1e400, and NaN passes any minimum and maximum."""
    document["workloads"][0]["input_tokens"] = value
    document["offers"]["fx"][0]["rate"] = value
    with pytest.raises(ScenarioInvalid) as refused:
        load_scenario(document)
    assert refused.value.errors == [
        ("$.workloads[0].input_tokens", f"{value!r} is not a finite number"),
        ("$.offers.fx[0].rate", f"{value!r} is not a finite number"),
    ]
