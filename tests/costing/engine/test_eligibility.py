"""Eligibility before cost: each option priced at the cheapest offer the workload's rules permit,
blocked only when nothing permitted is left, and the price of sovereignty between the two."""

from __future__ import annotations

import pytest

from costing.engine.evaluate import evaluate
from costing.engine.offers import Unavailable
from costing.engine.results import OptionResult
from costing.engine.scenario import ScenarioInvalid, load_scenario
from tests.costing.engine.test_options import small_document, usd

B01 = {
    "rule": "B01",
    "name": "Personal data in a third country without a transfer tool",
    "reason": "personal data under US access law",
    "citation": "GDPR Art. 44",
}
P2 = {
    "rule": "P2",
    "name": "Residency",
    "reason": "must stay on own premises",
    "citation": "policy",
}


def two_provider_document(**profile) -> dict:
    """One H100 all month; a US provider at 3.00 and an EU provider at 3.60 USD per GPU-hour."""
    document = small_document()
    us = document["offers"]["cloud_gpu"][0]
    us.update(id="us-h100", provider="US Cloud", region="us-east-1")
    eu = dict(us, id="eu-h100", provider="EU Cloud", region="fr-par-2", instance="h100-eu",
              on_demand_per_hour=usd(3.6), reserved_1y_per_hour=usd(2.4))  # fmt: skip
    document["offers"]["cloud_gpu"].append(eu)
    document["eligibility"] = {"personal": profile or {"refused_offers": {"us-h100": B01}}}
    document["workloads"][0]["eligibility"] = "personal"
    return document


def workload_option(result, option: str):
    return result.workloads[0].options[option]


def test_the_cheapest_permitted_offer_prices_the_option_not_the_cheapest_anywhere():
    """GIVEN the US offer at 3.00 refused by B01 and the EU offer at 3.60 permitted
    WHEN the scenario is evaluated
    THEN cloud on demand bills 730 GPU-hours x 3.60 = 2,628 USD a month at the EU provider."""
    result = evaluate(load_scenario(two_provider_document()))
    cloud = workload_option(result, "cloud_on_demand")
    assert isinstance(cloud, OptionResult)
    assert cloud.components["cloud_on_demand"][1:] == pytest.approx([730 * 3.6] * 12)
    suppliers = result.workloads[0].suppliers["cloud_on_demand"]
    assert [(s["name"], s["offer"]) for s in suppliers] == [("EU Cloud", "eu-h100")]
    committed = workload_option(result, "cloud_committed")
    assert committed.components["cloud_committed"][1:] == pytest.approx([730 * 2.4] * 12)


def test_an_option_is_blocked_only_when_every_priced_offer_is_refused_naming_rule_and_offer():
    document = two_provider_document(
        refused_offers={"us-h100": B01, "eu-h100": {**B01, "reason": "support from the US"}}
    )
    cloud = workload_option(evaluate(load_scenario(document)), "cloud_on_demand")
    assert isinstance(cloud, Unavailable)
    assert cloud.blocked_by == "B01"
    # The cheapest refused offer, converted per GPU-hour, is named: what compliance rules out.
    assert cloud.refused_offer == "US Cloud h100x1 (us-east-1) on_demand at 3.00 USD/GPU-hour"
    assert cloud.as_dict()["blocked_by"] == "B01"


def test_a_refused_owned_option_is_blocked_with_its_rule():
    document = two_provider_document(refused_options={"colocation": P2})
    result = evaluate(load_scenario(document))
    colocation = workload_option(result, "colocation")
    assert isinstance(colocation, Unavailable) and colocation.blocked_by == "P2"
    assert "must stay on own premises" in colocation.reason
    assert isinstance(workload_option(result, "on_prem"), OptionResult)


def test_the_price_of_sovereignty_is_permitted_against_unrestricted_with_the_binding_rule():
    """One GPU busy all month for 12 months, discount rate 0 (NPV is the plain sum).
    Unrestricted, the cheapest is the US commitment: 12 x 730 h x 2.00 = 17,520 USD.
    Permitted, the EU commitment: 12 x 730 h x 2.40 = 21,024 USD.
    Price of sovereignty: 3,504 USD, 20% of 17,520, bound by rule B01."""
    result = evaluate(load_scenario(two_provider_document()))
    price = result.sovereignty_price
    row = price.workloads[0]
    assert (row.unrestricted.option, row.unrestricted.npv) == (
        "cloud_committed",
        pytest.approx(17_520),
    )
    assert (row.permitted.option, row.permitted.npv) == ("cloud_committed", pytest.approx(21_024))
    assert row.difference == pytest.approx(3_504)
    assert [r["rule"] for r in row.rules] == ["B01"]
    summary = price.as_dict()
    assert summary["difference"] == pytest.approx(3_504)
    assert summary["difference_pct"] == pytest.approx(20.0)
    assert summary["rules"][0]["workloads"] == ["render"]


def test_without_rules_the_price_of_sovereignty_is_zero_and_costs_no_second_evaluation():
    document = small_document()
    result = evaluate(load_scenario(document))
    assert result.sovereignty_price.as_dict()["difference"] == 0
    assert result.sovereignty_price.workloads[0].why.startswith("the rules change nothing")


def test_the_unrestricted_scenario_lifts_every_rule():
    scenario = load_scenario(two_provider_document())
    free = evaluate(scenario.unrestricted())
    suppliers = free.workloads[0].suppliers["cloud_on_demand"]
    assert suppliers[0]["offer"] == "us-h100"


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda d: d["workloads"][0].update(eligibility="nobody"), "$.workloads[0].eligibility",
         "no eligibility profile 'nobody'"),
        (lambda d: d["eligibility"]["personal"]["refused_offers"].update(ghost=B01),
         "$.eligibility.personal.refused_offers.ghost", "no offer has the id 'ghost'"),
        (lambda d: d["offers"]["cloud_gpu"][1].update(id="us-h100"), "$.offers.cloud_gpu[1].id",
         "duplicate offer id 'us-h100'"),
        (lambda d: d["eligibility"]["personal"].update(refused_options={"moon": P2}),
         "$.eligibility.personal.refused_options", "'moon' is not one of"),
    ],
)  # fmt: skip
def test_eligibility_errors_name_their_json_path(change, path, message):
    document = two_provider_document()
    change(document)
    with pytest.raises(ScenarioInvalid) as caught:
        load_scenario(document)
    assert any(at == path and message in text for at, text in caught.value.errors), (
        caught.value.errors
    )
