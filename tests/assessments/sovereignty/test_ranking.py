"""The recommendation is the cheapest permitted option; weights reorder the ranking only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.sovereignty.profiles import OptionProfile, WorkloadProfile
from assessments.sovereignty.ranking import RankingWeights, rank_options, recommendation
from assessments.sovereignty.scoring import score_option

MEDIA_ARCHIVE = WorkloadProfile(
    classification="confidential",
    personal_data=True,
    organization_country="FR",
    dpia_completed=True,
)


@pytest.fixture(scope="module")
def options(providers):
    """Four ways to run an archive-search model; costs are illustrative NPVs in EUR."""
    return {
        "openai-api": OptionProfile(
            "openai-api", "managed_api", providers["OpenAI"], data_location="US"
        ),
        "scaleway-gpu": OptionProfile(
            "scaleway-gpu",
            "cloud_gpu",
            providers["Scaleway"],
            data_location="FR",
            dpa_signed=True,
            support_access_outside_eea=False,
            open_weights=True,
            key_custody="byok",
        ),
        "colocation": OptionProfile(
            "colocation", "colocation", data_location="FR", open_weights=True
        ),
        "onprem": OptionProfile("onprem", "on_premises", open_weights=True),
    }


COSTS = {
    "openai-api": 40_000.0,
    "scaleway-gpu": 90_000.0,
    "colocation": 120_000.0,
    "onprem": 150_000.0,
}


def _assess(library, options, workload=MEDIA_ARCHIVE):
    return [score_option(workload, o, library) for o in options.values()]


def test_recommendation_is_the_cheapest_option_without_a_blocking_finding(library, options):
    assessments = _assess(library, options)
    ranking = rank_options(assessments, COSTS)
    blocked = {r.option_id for r in ranking if r.blocked}
    assert "openai-api" in blocked  # cheapest, but blocked (US transfer, no tool established)
    assert recommendation(ranking).option_id == "scaleway-gpu"
    assert sum(r.recommended for r in ranking) == 1
    assert [r.rank for r in ranking] == [1, 2, 3, 4]
    assert ranking[-1].option_id == "openai-api"  # blocked options come last


def test_weights_change_the_ranking_but_never_the_blocking(library, options):
    assessments = _assess(library, options)
    by_cost = rank_options(assessments, COSTS, RankingWeights(cost=1, sovereignty=0))
    by_sovereignty = rank_options(assessments, COSTS, RankingWeights(cost=0, sovereignty=1))
    assert by_cost[0].option_id == "scaleway-gpu"
    assert by_sovereignty[0].option_id == "onprem"
    assert {r.option_id: r.blocked for r in by_cost} == {
        r.option_id: r.blocked for r in by_sovereignty
    }
    assert recommendation(by_cost).option_id == recommendation(by_sovereignty).option_id


def test_normalisation_puts_the_cheapest_at_one(library, options):
    ranking = rank_options(_assess(library, options), COSTS, RankingWeights(cost=1, sovereignty=1))
    index = {r.option_id: r for r in ranking}
    assert index["openai-api"].cost_index == 1.0
    assert index["onprem"].cost_index == pytest.approx(40_000 / 150_000)
    assert index["onprem"].sovereignty_index == pytest.approx(index["onprem"].sovereignty_score / 5)
    assert index["onprem"].combined == pytest.approx(
        (index["onprem"].cost_index + index["onprem"].sovereignty_index) / 2
    )


def test_no_recommendation_when_every_option_is_blocked(library, options):
    only_api = {"openai-api": options["openai-api"]}
    ranking = rank_options(_assess(library, only_api), COSTS)
    assert recommendation(ranking) is None and ranking[0].blocked


def test_a_missing_or_non_positive_cost_is_refused(library, options):
    assessments = _assess(library, options)
    with pytest.raises(ValueError, match="onprem"):
        rank_options(assessments, {k: v for k, v in COSTS.items() if k != "onprem"})
    with pytest.raises(ValueError, match="positive"):
        rank_options(assessments, {**COSTS, "onprem": 0.0})


workloads = st.builds(
    WorkloadProfile,
    classification=st.sampled_from(["public", "internal", "confidential", "restricted"]),
    personal_data=st.just(True),
    special_category=st.booleans(),
    sector=st.sampled_from(["none", "health", "finance", "public_sector", "defence"]),
    residency_requirement=st.sampled_from(["none", "eu_eea", "country"]),
    organization_country=st.sampled_from(["FR", "DE", "ES", "US"]),
    dpia_completed=st.sampled_from([None, True]),
)
costs = st.lists(st.floats(min_value=1.0, max_value=1e7), min_size=4, max_size=4)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(workload=workloads, cost_list=costs, data=st.data())
def test_adding_a_blocking_rule_never_makes_an_option_more_recommended(
    library, options, workload, cost_list, data
):
    """GIVEN a library with a subset of the rules WHEN more rules are added THEN no option
    loses a block, and the recommendation is the same or a dearer option (or none)."""
    rule_ids = [r.ref_id for r in library.blocking_rules]
    fewer = data.draw(st.sets(st.sampled_from(rule_ids)))
    more = fewer | data.draw(st.sets(st.sampled_from(rule_ids)))
    cost_by_id = dict(zip(options, cost_list, strict=True))
    before = rank_options(_assess(library.with_rules(fewer), options, workload), cost_by_id)
    after = rank_options(_assess(library.with_rules(more), options, workload), cost_by_id)
    blocked_before = {r.option_id for r in before if r.blocked}
    blocked_after = {r.option_id for r in after if r.blocked}
    assert blocked_before <= blocked_after
    chosen_before, chosen_after = recommendation(before), recommendation(after)
    if chosen_after is not None:
        assert chosen_before is not None
        assert chosen_before.cost <= chosen_after.cost
        if chosen_before.option_id not in blocked_after:
            assert chosen_after.option_id == chosen_before.option_id


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    workload=workloads,
    weight_cost=st.floats(min_value=0, max_value=10),
    weight_sovereignty=st.floats(min_value=0.01, max_value=10),
)
def test_weights_never_change_blocking_or_the_recommendation(
    library, options, workload, weight_cost, weight_sovereignty
):
    assessments = _assess(library, options, workload)
    plain = rank_options(assessments, COSTS)
    weighted = rank_options(assessments, COSTS, RankingWeights(weight_cost, weight_sovereignty))
    assert {r.option_id: r.blocked for r in plain} == {r.option_id: r.blocked for r in weighted}
    chosen_plain, chosen_weighted = recommendation(plain), recommendation(weighted)
    assert (chosen_plain and chosen_plain.option_id) == (
        chosen_weighted and chosen_weighted.option_id
    )


def test_costs_may_be_decimal(library, options):
    ranking = rank_options(
        _assess(library, options), {k: Decimal(str(v)) for k, v in COSTS.items()}
    )
    assert recommendation(ranking).cost == 90_000.0
