"""The sections of a run's results, from a frozen snapshot: sovereignty per option of each
workload, the recommendation, and the plain-language summary."""

from __future__ import annotations

import copy
import math

import orjson
import pytest

from assessments import compute, risks
from tests.assessments.world import example_run_data


@pytest.fixture(scope="module")
def example():
    return example_run_data()


def _workload(section, workload_id):
    return next(w for w in section["workloads"] if w["id"] == workload_id)


def test_every_priced_option_of_every_workload_is_scored(example):
    _snapshot, results = example
    engine, section = results["engine"], results["sovereignty"]
    assert [w["id"] for w in section["workloads"]] == [w["id"] for w in engine["workloads"]]
    for workload in engine["workloads"]:
        scored = _workload(section, workload["id"])["options"]
        for option, outcome in workload["options"].items():
            if "npv" in outcome:
                assert 0 <= scored[option]["weighted_score"] <= 5
                assert scored[option]["seal"]["level"] in (None, 0, 1, 2, 3, 4)
            else:
                assert scored[option] == {"unavailable": True, "reason": outcome["reason"]}


def test_the_recommendation_is_the_cheapest_option_without_a_blocking_finding(example):
    _snapshot, results = example
    engine = {w["id"]: w for w in results["engine"]["workloads"]}
    for workload in results["sovereignty"]["workloads"]:
        permitted = {
            option: engine[workload["id"]]["options"][option]["npv"]
            for option, row in workload["options"].items()
            if not row.get("unavailable") and not row["blocked"]
        }
        expected = min(permitted, key=permitted.get) if permitted else None
        assert workload["recommended"] == expected, workload["id"]


def test_restricted_data_never_goes_to_a_rented_gpu_below_seal_4(example):
    _snapshot, results = example
    voice = _workload(results["sovereignty"], "voice")
    assert voice["classification"] == "restricted"
    for option in ("cloud_on_demand", "cloud_committed", "hybrid"):
        row = voice["options"][option]
        if not row.get("unavailable"):
            assert row["blocked"], option
            assert "P1" in [f["rule_id"] for f in row["findings"]]
    assert voice["recommended"] in (None, "on_prem", "colocation")


def test_an_organizations_minimum_seal_blocks_what_falls_below_it(example):
    snapshot, results = example
    strict = copy.deepcopy(snapshot)
    strict["organization"]["min_seal_by_classification"] = {"internal": 4}
    section = compute.sovereignty_section(strict, results["engine"])
    chat = _workload(section, "chat-assistant")
    assert chat["classification"] == "internal"
    for option, row in chat["options"].items():
        if row.get("unavailable"):
            continue
        below = row["seal"]["level"] is None or row["seal"]["level"] < 4
        assert ("P3" in [f["rule_id"] for f in row["findings"]]) == below, option
    assert section["min_seal_by_classification"]["internal"] == 4


def test_weights_reorder_the_ranking_but_not_the_recommendation(example):
    snapshot, results = example
    sovereign = copy.deepcopy(snapshot)
    sovereign["assessment"]["sovereignty_weight_pct"] = 100
    cheap = copy.deepcopy(snapshot)
    cheap["assessment"]["sovereignty_weight_pct"] = 0
    by_sovereignty = compute.sovereignty_section(sovereign, results["engine"])
    by_cost = compute.sovereignty_section(cheap, results["engine"])
    for a, b in zip(by_sovereignty["workloads"], by_cost["workloads"], strict=True):
        assert a["recommended"] == b["recommended"]
        permitted_a = [r for r in a["ranking"] if not r["blocked"]]
        permitted_b = [r for r in b["ranking"] if not r["blocked"]]
        scores = [r["sovereignty_index"] for r in permitted_a]
        costs = [r["cost"] for r in permitted_b]
        assert scores == sorted(scores, reverse=True)
        assert costs == sorted(costs)


def test_the_summary_names_the_cheapest_option_and_its_probability(example):
    _snapshot, results = example
    summary = results["summary"]
    priced = {k: v["npv"] for k, v in results["engine"]["portfolio"].items() if "npv" in v}
    cheapest = min(priced, key=priced.get)
    assert summary["cheapest_option"] == cheapest
    assert summary["cheapest_npv"] == pytest.approx(priced[cheapest])
    assert list(summary["npv_by_option"]) == sorted(priced, key=priced.get)
    probability = results["monte_carlo"]["options"][cheapest]["probability_cheapest"]
    assert summary["probability_cheapest"] == probability
    two = sorted(priced, key=priced.get)[:2]
    assert set(summary["breakeven"]["options"]) == set(two)
    assert any(compute.OPTION_LABELS[cheapest] in line for line in summary["headline"])
    assert summary["recommendations"] == {
        w["id"]: w["recommended"] for w in results["sovereignty"]["workloads"]
    }


def test_an_owned_fleet_that_would_stand_mostly_idle_is_named_in_the_risks():
    """Two chat workloads on one 8-GPU H100 server, busy 100 + 105.4 = 205.4 GPU-hours a
    month: 205.4 / (8 x 730) = 3.5%, printed 4%. The 4-GPU L40S server busy 876 GPU-hours:
    876 / (4 x 730) = 30%, not below the 30% line, so not named."""

    def sized(option, gpu, hours):
        return {option: {"gpu": gpu, "gpu_hours_per_month": hours}}

    engine = {"workloads": [
        {"id": "rag", "sizing": sized("on_prem", "NVIDIA H100 SXM", 100.0)},
        {"id": "chat", "sizing": sized("on_prem", "NVIDIA H100 SXM", 105.4)},
        {"id": "audio", "sizing": sized("on_prem", "NVIDIA L40S", 876.0)},
    ]}  # fmt: skip
    placement = {
        "assignment": {"rag": "on_prem", "chat": "on_prem", "audio": "on_prem"},
        "fleets": [
            {"option": "on_prem", "gpu": "NVIDIA H100 SXM", "servers": 1, "gpus": 8},
            {"option": "on_prem", "gpu": "NVIDIA L40S", "servers": 1, "gpus": 4},
        ],
    }
    assert risks.idle_fleets(engine, placement) == [
        "The On-premises NVIDIA H100 SXM fleet (1 server, 8 GPUs) would be busy 4% of its "
        "GPU-hours at today's demand: its idle capacity is paid for, and a smaller server or "
        "renting may change the answer"
    ]


def test_a_likely_case_outside_its_own_spread_is_said_with_the_median():
    """Server prices start at the cheapest offer (low = likely): the likely case of owning,
    590,116 EUR, lies below its P10 of 594,614 EUR; the median, 621,780 EUR, is named."""
    priced = {"on_prem": {"npv": 590_116.0}, "cloud_on_demand": {"npv": 1_061_929.0}}
    mc = {"options": {
        "on_prem": {"npv": {"p10": 594_614.0, "p50": 621_780.0, "p90": 682_240.0}},
        "cloud_on_demand": {"npv": {"p10": 1_063_241.0 - 5_000, "p50": 1_071_058.0,
                                    "p90": 1_088_536.0}},
    }}  # fmt: skip
    assert risks.likely_outside_spread(priced, mc, "EUR") == [
        "Likely-case NPVs outside their own P10-P90, as ranges that start at the cheapest offer "
        "make them: On-premises 590,116 EUR (below its P10; median 621,780 EUR)"
    ]


def test_serving_loads_that_fill_a_small_fraction_of_a_replica_are_named():
    """Peak 0.0139 requests/s on a replica serving 0.262: 5.3% of it, named; a batch workload
    (no replica share) and a chat at 40% of its replica are not."""
    engine = {"workloads": [
        {"id": "assistant", "sizing": {"on_prem": {"peak_replica_share": 0.053}}},
        {"id": "tagging", "sizing": {"on_prem": {"peak_replica_share": 0.0}}},
        {"id": "busy-chat", "sizing": {"on_prem": {"peak_replica_share": 0.4}}},
    ]}  # fmt: skip
    recommendations = {"assistant": "on_prem", "tagging": "on_prem", "busy-chat": "on_prem"}
    assert risks.small_serving_loads(engine, recommendations) == [
        "1 serving workload fills under 10% of one replica at the peak (assistant 5.3%): a "
        "replica of its own is mostly idle; an API or a fleet shared with other workloads "
        "serves such a load for less"
    ]


def test_a_runs_steps_read_its_snapshots_scenario_parsed_once(example):
    snapshot, _ = example
    assert compute.scenario_of(snapshot) is not compute.scenario_of(snapshot)
    with compute.scenario_parsed_once():
        parsed = compute.scenario_of(snapshot)
        assert compute.scenario_of(snapshot) is parsed
        other = copy.deepcopy(snapshot)
        assert compute.scenario_of(other) is not parsed
    assert compute.scenario_of(snapshot) is not parsed  # nothing kept after the run


def test_a_section_is_kept_as_its_json_reads_back():
    """GIVEN a section with numbers that are not numbers, tuples, keys that are not strings and
    one dict under two parents WHEN made ready THEN it equals its JSON read back, changed in
    place (a run keeps its large sections without a copy)."""
    quantity = {"name": "PUE", "value": math.nan}
    section = {"npv": math.inf, "inputs": (quantity, 1.5), 12: [quantity, (2, -math.inf)]}
    stored = orjson.loads(orjson.dumps(section, option=orjson.OPT_NON_STR_KEYS))
    kept = compute.json_ready(section)
    assert kept is section and kept == stored
    assert kept == {"npv": None, "inputs": [{"name": "PUE", "value": None}, 1.5],
                    "12": [{"name": "PUE", "value": None}, [2, None]]}  # fmt: skip
    assert compute.json_ready(math.nan) is None
