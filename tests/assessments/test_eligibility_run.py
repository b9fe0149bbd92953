"""Sovereignty before cost through the product's own path: inventory -> snapshot (with each
workload's eligibility) -> engine -> sovereignty -> placement, and the what-if API on the
snapshot's document gives the same figures."""

from __future__ import annotations

import pytest

from assessments.compute import engine_section
from assessments.models import Assessment
from assessments.placement_step import placement_section
from assessments.selectors import run_snapshot
from assessments.services.assessments import assessment_save

pytestmark = pytest.mark.django_db

US_CONTROLLED = {"AWS", "Microsoft Azure", "Google Cloud", "Lambda", "RunPod", "CoreWeave"}


@pytest.fixture
def snapshot(demo):
    """The demo's workloads against every public offer, wherever it processes data."""
    assessment = assessment_save(
        organization=demo,
        assessment=Assessment(name="Anywhere", offer_locations="any", monte_carlo_samples=1),
    )
    return run_snapshot(assessment=assessment)


def _workload(engine: dict, workload_id: str) -> dict:
    return next(w for w in engine["workloads"] if w["id"] == workload_id)


def test_the_snapshot_carries_what_each_workloads_rules_refuse(snapshot):
    scenario = snapshot["scenario"]
    chat = next(w for w in scenario["workloads"] if w["id"] == "NL-CHAT-04")
    profile = scenario["eligibility"][chat["eligibility"]]
    offers = {o["id"]: o for kind in ("cloud_gpu", "api") for o in scenario["offers"][kind]}
    refused = {offers[i]["provider"] for i in profile["refused_offers"]}
    # Personal data that must stay in the EU: US-controlled clouds are refused, each with a rule.
    assert refused & US_CONTROLLED
    assert all(r["rule"] and r["citation"] for r in profile["refused_offers"].values())
    # Public storyboards (no personal data) are refused nothing on these grounds.
    images = next(w for w in scenario["workloads"] if w["id"] == "NL-IMG-07")
    assert images["eligibility"] != chat["eligibility"]


def test_each_option_is_priced_at_a_permitted_offer_and_sovereignty_costs_what_it_costs(
    snapshot,
):
    engine = engine_section(snapshot)
    scenario = snapshot["scenario"]
    for workload in scenario["workloads"]:
        refused = scenario["eligibility"][workload["eligibility"]]["refused_offers"]
        result = _workload(engine, workload["id"])
        for suppliers in result["suppliers"].values():
            assert not {s["offer"] for s in suppliers} & set(refused), workload["id"]
    price = engine["sovereignty_price"]
    assert price["difference"] == pytest.approx(price["permitted_npv"] - price["unrestricted_npv"])
    assert price["difference"] >= 0
    for row in price["workloads"]:
        if row["difference"] is not None and row["difference"] > 1 and row["rules"]:
            assert all(r["citation"] for r in row["rules"])
    binding = {r["rule"] for r in price["rules"]}
    assert binding, "personal data under US access law must cost the demo something"


def test_the_portfolio_placement_reports_its_unrestricted_twin(snapshot):
    results = {"engine": engine_section(snapshot)}
    from assessments.compute import sovereignty_section

    results["sovereignty"] = sovereignty_section(snapshot, results["engine"])
    placement = placement_section(snapshot, results)
    price = placement["price_of_sovereignty"]
    assert price["unrestricted_status"] == "optimal"
    assert price["permitted_npv"] == pytest.approx(placement["cost"])
    assert price["unrestricted_npv"] <= price["permitted_npv"] + 1e-6
    assert set(price["unrestricted_assignment"]) == set(placement["assignment"])
    # Its parts add up to it: each workload's own cost with the rules against without them,
    # and the rest in the shared servers; a rule's part is its workloads' own costs.
    own = {row["workload"]: row["difference"] for row in price["workloads"]}
    ruled = sum(d for w, d in own.items() if _row(price, w)["rules"])
    assert ruled + price["other_difference"] == pytest.approx(price["difference"], abs=1e-6)
    for rule in price["rules"]:
        assert rule["difference"] == pytest.approx(sum(own[w] for w in rule["workloads"]))
        assert rule["citation"]
    for row in price["workloads"]:
        assert row["option"] == placement["assignment"][row["workload"]]
        assert row["unrestricted_option"] == price["unrestricted_assignment"][row["workload"]]


def test_offers_compared_across_places_price_every_option_as_the_whole_catalog(
    snapshot, demo, monkeypatch
):
    """The document leaves out offers undercut by one admitted under every rule that admits
    them; the figures are those of the document that keeps every place's own cheapest."""
    from assessments import selectors

    class EveryPlaceApart(selectors.RuleScreen):
        def admits(self, place):
            return frozenset({f"{place.provider} {place.region}"})

    monkeypatch.setattr(selectors, "RuleScreen", EveryPlaceApart)
    assessment = Assessment.objects.for_organization(demo).get(name="Anywhere")
    whole = run_snapshot(assessment=assessment)
    pruned, kept = engine_section(snapshot), engine_section(whole)
    assert len(snapshot["scenario"]["offers"]["cloud_gpu"]) < len(
        whole["scenario"]["offers"]["cloud_gpu"]
    )
    priced = 0
    for workload in pruned["workloads"]:
        other = _workload(kept, workload["id"])
        assert workload["suppliers"] == other["suppliers"], workload["id"]
        for option, result in workload["options"].items():
            assert result.get("npv") == pytest.approx(other["options"][option].get("npv"))
            assert result.get("blocked_by") == other["options"][option].get("blocked_by")
            priced += result.get("npv") is not None
    assert priced > 10
    assert pruned["sovereignty_price"]["difference"] == pytest.approx(
        kept["sovereignty_price"]["difference"]
    )


def _row(price: dict, workload: str) -> dict:
    return next(row for row in price["workloads"] if row["workload"] == workload)


def test_the_what_if_api_evaluates_the_snapshots_document_to_the_same_figures(
    snapshot, demo, api_as
):
    from django.contrib.auth import get_user_model

    engine = engine_section(snapshot)
    client = api_as(get_user_model().objects.get(username="analyst"))
    response = client.post(
        f"/api/v1/orgs/{demo.slug}/scenarios/evaluate/?results=full",
        snapshot["scenario"],
        format="json",
    )
    assert response.status_code == 200, response.content[:500]
    answered = response.json()
    for option, row in engine["portfolio"].items():
        if "npv" in row:
            assert answered["portfolio"][option]["npv"] == pytest.approx(row["npv"])
    assert answered["sovereignty_price"]["difference"] == pytest.approx(
        engine["sovereignty_price"]["difference"]
    )


def test_a_later_run_shares_the_verdicts_until_a_providers_facts_change(snapshot, demo):
    """Runs with the same rule inputs share their verdicts; a provider found to be under US
    law is screened anew, and its offers refused where personal data must stay in the EU."""
    from assessments.eligibility_step import RuleScreen
    from costing.models import Provider

    assert RuleScreen(snapshot)._verdicts is RuleScreen(snapshot)._verdicts

    def refused_providers(snap: dict) -> set[str]:
        scenario = snap["scenario"]
        chat = next(w for w in scenario["workloads"] if w["id"] == "NL-CHAT-04")
        offers = {o["id"]: o for o in scenario["offers"]["cloud_gpu"]}
        refused = scenario["eligibility"][chat["eligibility"]]["refused_offers"]
        return {offers[i]["provider"] for i in refused if i in offers}

    assert "Scaleway" not in refused_providers(snapshot)
    Provider.objects.unscoped().filter(organization=None, name="Scaleway").update(
        headquarters_country="US", parent_company_country="US", us_cloud_act_exposure="yes"
    )
    later = run_snapshot(assessment=Assessment.objects.for_organization(demo).get(name="Anywhere"))
    assert RuleScreen(later)._verdicts is not RuleScreen(snapshot)._verdicts
    assert "Scaleway" in refused_providers(later)
