"""The executive answer: what to do, why, what sovereignty costs, how sure, what was left out."""

from __future__ import annotations

import copy

import msgspec
import pytest

from assessments.answer import (
    _flip_point,
    _rules_that_bind,
    _what_would_flip,
    answer_lines,
    executive_answer,
    names,
)
from assessments.results import Answer
from tests.assessments.world import example_run_data

BAR = {"input": "server_price", "low": 0.9, "high": 1.5}


def tornado(bars: list[dict], baseline: float = 10_000.0) -> dict:
    return {
        "tornado": {
            "currency": "EUR",
            "first": "on_prem",
            "second": "cloud_on_demand",
            "baseline_difference": baseline,
            "bars": bars,
        },
        "monte_carlo": {"inputs": {"server_price": {"low": 0.9, "likely": 1.0, "high": 1.5}}},
    }


def test_the_flip_point_lies_where_the_margin_reaches_zero():
    """On-premises leads by 10,000 EUR at likely server prices (x1.0) and trails by 5,000 at
    x1.5: the margin falls 15,000 over 0.5, so it reaches zero at 1 + 0.5 x 10,000 / 15,000 =
    x1.333, that is server prices 33% higher."""
    bar = {**BAR, "difference_at_low": 13_000.0, "difference_at_high": -5_000.0}
    assert _flip_point(bar, 1.0, 10_000.0) == pytest.approx(4 / 3)
    assert _what_would_flip(tornado([bar])) == (
        "What would change it: if the server prices were 33% higher, cloud on demand would "
        "cost less than on-premises."
    )


def test_a_flip_outside_the_range_says_how_far_it_is():
    """The margin narrows 2,000 EUR from x1.0 to x1.5: zero at 1 + 0.5 x 10,000 / 2,000 = x3.5."""
    bar = {**BAR, "difference_at_low": 10_400.0, "difference_at_high": 8_000.0}
    assert _flip_point(bar, 1.0, 10_000.0) == pytest.approx(3.5)
    assert _what_would_flip(tornado([bar])) == (
        "No uncertain input within its range changes that: cloud on demand would cost less than "
        "on-premises only if the server prices were 3.5 times the likely value."
    )


def test_an_input_that_only_widens_the_lead_flips_nothing():
    bar = {**BAR, "difference_at_low": 10_000.0, "difference_at_high": 12_000.0}
    assert _flip_point(bar, 1.0, 10_000.0) is None
    assert _what_would_flip(tornado([bar])) == (
        "No uncertain input, alone within its range, changes the lead of on-premises over "
        "cloud on demand."
    )


@pytest.fixture(scope="module")
def example():
    snapshot, results = example_run_data()
    return snapshot, results, results["summary"]["answer"]


def test_the_answer_says_where_each_workload_runs_and_the_placement_npv_within_its_spread(
    example,
):
    _, results, answer = example
    placement = results["placement"]
    assert answer["npv"] == placement["cost"]
    assert answer["p10"] < answer["npv"] < answer["p90"]
    placed = [w["id"] for group in answer["groups"] for w in group["workloads"]]
    assert sorted(placed) == sorted(placement["assignment"])
    assert answer["do"].startswith("Run ")
    assert f"{placement['cost']:,.0f} {answer['currency']}" in answer["do"]
    assert "P10 to P90" in answer["do"]


def test_a_workload_placed_apart_from_its_own_choice_is_explained(example):
    snapshot, results, _ = example
    results = copy.deepcopy(results)
    somewhere, placed = next(iter(results["placement"]["assignment"].items()))
    elsewhere = "managed_api" if placed != "managed_api" else "colocation"
    results["placement"]["baseline_assignment"][somewhere] = elsewhere
    why = executive_answer(results, snapshot)["why"]
    named = next(w["name"] for w in snapshot["workloads"] if w["external_id"] == somewhere)
    assert any(s.startswith("Alone, ") and f"{named} " in s for s in why), why


def test_every_workload_left_out_is_named_with_its_reason_and_fix(example):
    snapshot, results, _ = example
    snapshot = {
        **snapshot,
        "excluded": [
            {
                "id": "PR-1",
                "reason": "gpt-4.1 has no architecture and no token API offer",
                "fix": "enter gpt-4.1's architecture on the Models page",
            }
        ],
        "workloads": [*snapshot["workloads"], {"external_id": "PR-1", "name": "Press releases"}],
    }
    answer = executive_answer(results, snapshot)
    assert answer["left_out"][0]["name"] == "Press releases"
    assert (
        "- Press releases (PR-1): gpt-4.1 has no architecture and no token API offer. To include "
        "it, enter gpt-4.1's architecture on the Models page."
        in answer_lines(msgspec.convert(answer, Answer))
    )


def test_no_identifier_or_python_value_reaches_the_reader(example):
    _, _, answer = example
    text = " ".join(answer_lines(msgspec.convert(answer, Answer)))
    for word in ("_", "None", "{", "[", "'s'"):
        assert word not in text.replace("(LoRA)", ""), word


def test_sovereignty_that_costs_nothing_says_so(example):
    snapshot, results, _ = example
    results = copy.deepcopy(results)
    results["summary"]["price_of_sovereignty"].update(difference=0.0, difference_pct=0.0)
    assert executive_answer(results, snapshot)["sovereignty"].startswith(
        "Sovereignty costs nothing here"
    )


def test_a_sentence_names_ten_workloads_and_counts_the_rest():
    named = {f"W{i}": f"Workload {i}" for i in range(1, 26)}
    assert names(list(named)[:3], named) == "Workload 1, Workload 2, and Workload 3"
    text = names(list(named), named)
    assert text.startswith("Workload 1, Workload 2, ")
    assert text.endswith("Workload 10, and 15 other workloads")
    assert "Workload 11" not in text
    assert names(list(named)[:11], named).endswith("Workload 10, and 1 other workload")


def test_the_plain_text_lists_ten_left_out_workloads_and_counts_the_rest():
    left_out = [{"id": f"W{i}", "name": f"Workload {i}", "reason": "no price"} for i in range(12)]
    plain = {"do": "Run it.", "groups": [], "npv": None, "p10": None, "p90": None,
             "currency": "EUR", "why": [], "sovereignty": "", "how_sure": [],
             "left_out": left_out, "unpriced": {}, "data_gaps": ""}  # fmt: skip
    answer = msgspec.convert(plain, Answer)
    lines = answer_lines(answer)
    assert "Left out of this run (12 workloads):" in lines
    assert "- Workload 9 (W9): no price." in lines and "- Workload 10 (W10): no price." not in lines
    assert lines[-1] == "- and 2 other workloads: the run's page lists each."


P2 = {"rule": "P2", "name": "Workload residency requirement not met", "citation": "GDPR Art. 44"}
B01 = {"rule": "B01", "name": "Personal data in a third country", "citation": "GDPR Art. 46"}


def _joint(difference: float, rules: list[dict], other: float = 0.0) -> dict:
    return {"price_of_sovereignty": {
        "difference": difference, "rules": rules, "other_difference": other,
    }}  # fmt: skip


def test_a_rule_the_portfolio_places_around_costs_nothing_there():
    """Chosen one by one, P2 costs 65,839 EUR and B01 7,337 EUR; jointly, B01's workloads run
    on premises with the rules and without them, so only P2 makes the portfolio's price of
    sovereignty (65,839 EUR), and the B01 sentence must not suggest 7,337 EUR more."""
    engine = {"sovereignty_price": {"rules": [
        {**P2, "workloads": ["A"], "difference": 65_839.39},
        {**B01, "workloads": ["B", "C"], "difference": 7_337.39},
    ]}}  # fmt: skip
    placement = _joint(65_839.39, [{**P2, "workloads": ["A"], "difference": 65_839.39}])
    named = {"A": "Staff assistant", "B": "Transcription", "C": "Voice cloning"}
    p2, b01 = _rules_that_bind(engine, placement, named, "EUR")
    assert p2.endswith("(Staff assistant); keeping to it costs 65,839 EUR in the portfolio.")
    assert b01.endswith(
        "(Transcription and Voice cloning); chosen one by one, keeping to it would cost 7,337 "
        "EUR, but in the portfolio they cost the same with it and without it."
    )


def test_a_rule_costs_in_the_portfolio_what_it_costs_where_the_portfolio_puts_the_workload():
    """The demo's fine-tune: alone, its cheapest permitted option is on premises (a DGX H100
    share, 380.45 EUR) against 218.42 EUR on the cheapest cloud GPU anywhere, so P2 costs 162
    EUR workload by workload. The portfolio's servers are L40S, so the fine-tune rents cloud
    GPUs with the rules and without them: Scaleway fr-par-2 at 461.84 EUR against 218.42 EUR,
    243.42 EUR, which is the whole portfolio's price of sovereignty. The sentence gives the
    portfolio's figure, the one that adds up to the price the answer states."""
    engine = {"sovereignty_price": {"rules": [{**P2, "workloads": ["A"], "difference": 162.03}]}}
    placement = _joint(243.42, [{**P2, "workloads": ["A"], "difference": 461.84 - 218.42}])
    (p2,) = _rules_that_bind(engine, placement, {"A": "Archive style fine-tune"}, "EUR")
    assert p2.endswith("(Archive style fine-tune); keeping to it costs 243 EUR in the portfolio.")


def test_the_rules_and_the_shared_servers_add_up_to_the_price_of_sovereignty():
    """A price of 1,000 EUR of which P2's workload's offers make 600 EUR: the other 400 EUR
    is in the owned servers, and a sentence says so; a third rule beyond the two named is
    counted with its cost, so every part of the 1,000 EUR is in a sentence."""
    rules = [
        {**P2, "workloads": ["A"], "difference": 500.0},
        {**B01, "workloads": ["B"], "difference": 60.0},
        {"rule": "R9", "name": "Sector rule", "citation": "", "workloads": ["C"], "difference": 40},
    ]
    lines = _rules_that_bind({}, _joint(1_000.0, rules, other=400.0), {}, "EUR")
    assert lines[0].endswith("keeping to it costs 500 EUR in the portfolio.")
    assert lines[1].endswith("keeping to it costs 60 EUR in the portfolio.")
    assert lines[2] == "1 other rule cost 40 EUR in the portfolio; the findings name them."
    assert lines[3] == (
        "The other 400 EUR of the price of sovereignty is in the servers the workloads share: "
        "without the rules the placement fills them differently."
    )


def test_without_a_joint_price_the_rules_cost_what_they_cost_workload_by_workload():
    engine = {"sovereignty_price": {"rules": [{**P2, "workloads": ["A"], "difference": 162.0}]}}
    (p2,) = _rules_that_bind(engine, {}, {"A": "Archive style fine-tune"}, "EUR")
    assert p2.endswith("(Archive style fine-tune); keeping to it costs 162 EUR.")
