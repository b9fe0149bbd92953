"""A scenario evaluated in chunks and merged gives exactly what one evaluation gives."""

from __future__ import annotations

import orjson

from assessments import compute
from costing.engine.chunks import (
    engine_merged,
    engine_workloads,
    monte_carlo_merged,
    monte_carlo_samples,
    ranges,
)
from costing.engine.evaluate import evaluate
from costing.engine.uncertainty import monte_carlo
from tests.assessments.world import example_run_data


def _through_json(value):
    """As a chunk travels between processes."""
    return orjson.loads(orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY))


def test_ranges_cover_every_item_once_in_order():
    assert ranges(7, 3) == [(0, 3), (3, 6), (6, 7)]
    assert ranges(6, 3) == [(0, 3), (3, 6)]
    assert ranges(0, 3) == []


def test_workloads_costed_one_by_one_merge_into_the_whole_evaluation():
    whole = _through_json(evaluate(compute.scenario_of(example_run_data()[0])).as_dict())
    scenario = compute.scenario_of(example_run_data()[0])  # parsed anew: nothing remembered
    count = len(whole["workloads"])
    assert count >= 3
    chunks = [_through_json(engine_workloads(scenario, a, b)) for a, b in ranges(count, 1)]
    # Alone, a later chunk numbers its sources from 0: the merge must renumber them.
    assert chunks[-1]["sources"] != whole["sources"][: len(chunks[-1]["sources"])]
    merged = _through_json(engine_merged(scenario, chunks))
    assert merged == whole
    assert orjson.dumps(merged) == orjson.dumps(whole)  # keys in the same order too


def test_monte_carlo_in_chunks_of_samples_is_the_whole_run_sample_for_sample():
    scenario = compute.scenario_of(example_run_data()[0])
    whole = monte_carlo(scenario, samples=250, seed=11).as_dict()
    chunks = [
        _through_json(monte_carlo_samples(scenario, 250, 11, a, b)) for a, b in ranges(250, 40)
    ]
    merged = monte_carlo_merged(scenario, 250, 11, chunks).as_dict()
    assert merged == whole
    assert whole["options"] and all(
        v["npv"]["p10"] < v["npv"]["p90"] for v in whole["options"].values()
    )
