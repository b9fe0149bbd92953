"""Eligibility screening with the real providers: which offers a workload's rules refuse before
cost chooses, which owned options, and which conditions (a DPA) refuse nothing."""

from __future__ import annotations

import pytest

from assessments.sovereignty.eligibility import Candidate, screen
from assessments.sovereignty.profiles import OptionProfile, WorkloadProfile
from assessments.sovereignty.regions import data_location
from assessments.sovereignty.scoring import SovereigntyPolicy, first_refusal, score_option

# A media house's staff assistant: staff paste e-mails naming people; contracts keep it in the EU.
ASSISTANT = WorkloadProfile(
    classification="internal",
    personal_data=True,
    residency_requirement="eu_eea",
    organization_country="FR",
)


def candidate(providers, offer_id: str, name: str, region: str) -> Candidate:
    return Candidate(offer_id, "cloud_gpu", providers[name], region, data_location(name, region))


def test_a_us_providers_offer_is_refused_and_an_eu_providers_is_permitted(library, providers):
    """GIVEN personal data with an EU residency requirement
    WHEN AWS eu-west-3 (Paris, US-controlled) and Scaleway fr-par-2 (French) are screened
    THEN AWS is refused by rule B01 (third-country access under the CLOUD Act, no transfer tool
    established) and Scaleway is permitted: it can price the cloud option."""
    offers = [
        candidate(providers, "aws", "AWS", "eu-west-3"),
        candidate(providers, "scw", "Scaleway", "fr-par-2"),
    ]
    screened = screen(ASSISTANT, offers, owned={}, open_weights=True, library=library,
                      policy=SovereigntyPolicy())  # fmt: skip
    assert set(screened.refused_offers) == {"aws"}
    refusal = screened.as_document()["refused_offers"]["aws"]
    assert refusal["rule"] == "B01" and "Art. 44" in refusal["citation"]
    assert refusal["reason"]


def test_a_colocation_site_in_frankfurt_meets_an_eu_residency_requirement(library):
    frankfurt = OptionProfile("colocation", "colocation", region="Frankfurt",
                              data_location=data_location("", "Frankfurt"))  # fmt: skip
    ashburn = OptionProfile("colocation", "colocation", region="US-Virginia",
                            data_location=data_location("", "US-Virginia"))  # fmt: skip
    screened = screen(ASSISTANT, [], owned={"colocation": frankfurt}, open_weights=True,
                      library=library, policy=SovereigntyPolicy())  # fmt: skip
    assert screened.refused_options == {}
    refused = screen(ASSISTANT, [], owned={"colocation": ashburn}, open_weights=True,
                     library=library, policy=SovereigntyPolicy())  # fmt: skip
    assert refused.refused_options["colocation"].rule_id == "P2"


def test_a_missing_processor_contract_is_a_condition_not_a_refusal(library, providers):
    """B03 (no DPA recorded) is met by signing the provider's DPA: it is listed as a condition
    of go-live on the option and never refuses the offer."""
    option = OptionProfile("scw", "cloud_gpu", providers["Scaleway"], region="fr-par-2",
                           data_location="FR")  # fmt: skip
    assessed = score_option(ASSISTANT, option, library)
    assert not assessed.blocked
    assert "B03" in {f.rule_id for f in assessed.preconditions}
    assert next(f for f in assessed.preconditions if f.rule_id == "B03").scope == "contract"


def test_offers_of_one_party_in_one_place_share_one_verdict(library, providers):
    offers = [candidate(providers, f"aws-{i}", "AWS", "eu-west-3") for i in range(3)]
    screened = screen(ASSISTANT, offers, owned={}, open_weights=True, library=library,
                      policy=SovereigntyPolicy())  # fmt: skip
    assert set(screened.refused_offers) == {"aws-0", "aws-1", "aws-2"}
    assert len({id(f) for f in screened.refused_offers.values()}) == 1


@pytest.mark.parametrize("name", ["AWS", "Scaleway", "Nebius", "OpenAI", "Mistral AI"])
@pytest.mark.parametrize(
    "workload",
    [
        ASSISTANT,
        WorkloadProfile(
            classification="restricted",
            personal_data=True,
            special_category=True,
            organization_country="FR",
        ),
        WorkloadProfile(classification="public", organization_country="DE"),
    ],
)
def test_screening_refuses_with_the_first_rule_full_scoring_blocks_on(
    library, providers, name, workload
):
    deployment = "managed_api" if name in ("OpenAI", "Mistral AI") else "cloud_gpu"
    option = OptionProfile("x", deployment, providers[name], region="somewhere",
                           data_location="FR" if name != "AWS" else "US")  # fmt: skip
    full = score_option(workload, option, library).blocking_findings
    first = min(full, key=lambda finding: finding.rule_id) if full else None
    assert first_refusal(workload, option, library) == first
