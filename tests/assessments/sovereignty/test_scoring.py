"""Worked examples with the real providers of costing/data/providers.csv.

Each example states the workload (as the inventory holds it) and the option, and checks the
findings, their citations and reasons, and the scores, against the rules in
shared/reference/sovereignty-sources.md (sections 1, 5, 6, 7 and 11).
"""

from __future__ import annotations

import dataclasses

import pytest

from assessments.sovereignty.profiles import OptionProfile, WorkloadProfile
from assessments.sovereignty.scoring import SovereigntyPolicy, score_option

# A media house's voice clones: biometric voices of identifiable people (GDPR Art. 9).
VOICE_CLONES = WorkloadProfile(
    classification="restricted",
    personal_data=True,
    special_category=True,
    organization_country="FR",
    uses_media_rights=True,
    dpia_completed=True,
)


def _ids(findings):
    return {f.rule_id for f in findings}


def test_voice_clones_on_a_us_model_api_are_blocked_under_art_9_and_chapter_v(library, providers):
    """GIVEN restricted special-category voices WHEN sent to Anthropic's API (US, no EU region)
    THEN transfers (B01) and cleartext at a CLOUD Act provider (B02) block it, with reasons."""
    option = OptionProfile("anthropic", "managed_api", providers["Anthropic"], data_location="US")
    result = score_option(VOICE_CLONES, option, library)
    assert result.blocked
    found = {f.rule_id: f for f in result.blocking_findings}
    assert {"B01", "B02"} <= set(found)
    assert "Art. 44" in found["B01"].citation
    assert "Art. 9" in found["B02"].citation and "Use Case 6" in found["B02"].citation
    assert "stored and processed in US" in found["B01"].reason
    assert "CLOUD Act" in found["B02"].reason and "cleartext" in found["B02"].reason
    assert found["B01"].verified and not found["B02"].verified  # EDPB paragraphs: VERIFY
    assert found["B02"].note
    assert "B02" in result.unverified()
    assert all(f.source_urls for f in result.blocking_findings)
    assert result.seal.level == 0


def test_voice_clones_on_own_premises_have_no_blocking_finding(library):
    option = OptionProfile("onprem", "on_premises", open_weights=True)
    result = score_option(VOICE_CLONES, option, library)
    assert result.blocking_findings == ()
    assert result.preconditions == ()
    assert result.seal.level == 4
    assert all(check.met for check in result.requirements)
    assert result.weighted_score > 4.5


def test_a_missing_dpia_is_a_precondition_of_every_option_not_a_block(library):
    workload = dataclasses.replace(VOICE_CLONES, dpia_completed=None)
    result = score_option(workload, OptionProfile("onprem", "on_premises"), library)
    assert not result.blocked
    (precondition,) = result.preconditions
    assert precondition.rule_id == "B05" and "Art. 35" in precondition.citation
    assert precondition.presumed == ("workload.dpia_completed",)


def test_special_category_raises_the_c1_and_c3_minimums(library, providers):
    option = OptionProfile("mistral", "managed_api", providers["Mistral AI"], data_location="FR")
    result = score_option(VOICE_CLONES, option, library)
    special = next(r for r in result.requirements if r.ref_id == "R-GDPR-SPECIAL")
    assert special.minimums == {"C1": 5, "C3": 5}  # restricted 4, plus one for Art. 9
    assert "C1 4 < 5" in special.shortfalls


FRENCH_HOSPITAL = WorkloadProfile(
    classification="confidential",
    personal_data=True,
    special_category=True,
    sector="health",
    organization_country="FR",
    dpia_completed=True,
)


def test_health_data_in_france_requires_an_hds_host(library, providers):
    option = OptionProfile(
        "ovh-gpu", "cloud_gpu", providers["OVHcloud"], data_location="FR", dpa_signed=True
    )
    result = score_option(FRENCH_HOSPITAL, option, library)
    hds = next(r for r in result.requirements if r.ref_id == "R-HDS")
    assert "L.1111-8" in hds.citation and "B08" in hds.enforced_by
    b08 = next(f for f in result.blocking_findings if f.rule_id == "B08")
    assert "not HDS-certified" in b08.reason


def test_an_hds_certified_offer_in_the_eea_lifts_the_hds_block(library, providers):
    option = OptionProfile(
        "ovh-hds",
        "cloud_gpu",
        providers["OVHcloud"],
        data_location="FR",
        certifications=frozenset({"hds"}),
    )
    assert "B08" not in _ids(score_option(FRENCH_HOSPITAL, option, library).blocking_findings)


def test_german_statutory_health_data_needs_c5_type_2_and_a_german_establishment(
    library, providers
):
    workload = dataclasses.replace(FRENCH_HOSPITAL, organization_country="DE")
    option = OptionProfile("ionos", "cloud_gpu", providers["IONOS"], data_location="DE")
    result = score_option(workload, option, library)
    b09 = next(f for f in result.blocking_findings if f.rule_id == "B09")
    assert "C5 Type 2" in b09.reason and "393" in b09.citation
    assert set(b09.presumed) == {"workload.statutory_health_actor", "option.german_establishment"}
    assert "R-SGB5-393" in {r.ref_id for r in result.requirements}


BANK = WorkloadProfile(
    classification="confidential", personal_data=True, sector="finance", organization_country="DE"
)


def test_a_bank_gets_the_dora_requirement_and_rule(library, providers):
    option = OptionProfile(
        "stackit", "cloud_gpu", providers["STACKIT"], data_location="DE", dpa_signed=True
    )
    result = score_option(BANK, option, library)
    dora = next(r for r in result.requirements if r.ref_id == "R-DORA")
    assert "30(2)(b)" in dora.citation and dora.minimums == {"C5": 4, "C9": 2}
    b12 = next(f for f in result.blocking_findings if f.rule_id == "B12")
    assert "critical or important function" in b12.reason
    assert set(b12.presumed) == {"workload.critical_or_important_function", "option.dora_contract"}


def test_dora_clauses_in_place_or_a_non_critical_function_lift_b12(library, providers):
    option = OptionProfile("stackit", "cloud_gpu", providers["STACKIT"], data_location="DE")
    with_clauses = dataclasses.replace(option, dora_contract=True)
    assert "B12" not in _ids(score_option(BANK, with_clauses, library).blocking_findings)
    not_critical = dataclasses.replace(BANK, critical_or_important_function=False)
    assert "B12" not in _ids(score_option(not_critical, option, library).blocking_findings)


def test_a_blank_cloud_act_exposure_scores_unknown_not_good(library, providers):
    known = providers["Scaleway"]
    blank = dataclasses.replace(known, us_cloud_act_exposure="unknown")
    workload = WorkloadProfile(classification="internal", organization_country="FR")
    option = OptionProfile("scw", "cloud_gpu", known, data_location="FR", open_weights=True)
    good = score_option(workload, option, library)
    unknown = score_option(workload, dataclasses.replace(option, provider=blank), library)
    assert good.score("C1").score == 4
    c1 = unknown.score("C1")
    assert (c1.status, c1.score) == ("unknown", None)
    assert "not established" in c1.reason
    assert "C1" in unknown.unknown_criteria
    assert unknown.weighted_score < good.weighted_score
    assert unknown.seal.level is None
    p3 = next(f for f in unknown.blocking_findings if f.rule_id == "P3")  # internal needs SEAL-1
    assert "unknown" in p3.reason


def test_certifications_left_blank_are_unknown_not_zero(library, providers):
    workload = WorkloadProfile(organization_country="FR")
    option = OptionProfile("hetzner", "cloud_gpu", providers["Hetzner"], data_location="DE")
    c6 = score_option(workload, option, library).score("C6")
    assert c6.status == "unknown" and "not established" in c6.reason


@pytest.mark.parametrize(
    ("name", "location", "support_outside", "certifications", "level"),
    [
        ("AWS", "US", None, frozenset(), 0),
        ("AWS", "DE", None, frozenset(), 1),
        ("AWS European Sovereign Cloud", "DE", False, frozenset(), 2),
        ("Nebius", "FI", None, frozenset(), 2),
        ("Mistral AI", "FR", None, frozenset(), 3),
        ("OVHcloud", "FR", False, frozenset({"secnumcloud"}), 4),
    ],
)
def test_providers_are_placed_on_the_seal_scale(
    library, providers, name, location, support_outside, certifications, level
):
    option = OptionProfile(
        "o",
        "cloud_gpu",
        providers[name],
        data_location=location,
        support_access_outside_eea=support_outside,
        certifications=certifications,
    )
    assert score_option(WorkloadProfile(), option, library).seal.level == level


def test_an_organization_minimum_seal_per_classification_blocks(library, providers):
    workload = WorkloadProfile(classification="confidential", organization_country="FR")
    option = OptionProfile("aws-eu", "cloud_gpu", providers["AWS"], data_location="DE")
    assert "P3" in _ids(score_option(workload, option, library).blocking_findings)  # 1 < 2
    lenient = SovereigntyPolicy(min_seal_by_classification={"confidential": 1})
    assert "P3" not in _ids(score_option(workload, option, library, lenient).blocking_findings)


def test_a_residency_requirement_of_the_workload_blocks_options_that_leave(library, providers):
    workload = WorkloadProfile(residency_requirement="country", organization_country="FR")
    paris = OptionProfile("scw", "cloud_gpu", providers["Scaleway"], data_location="FR")
    amsterdam = dataclasses.replace(paris, data_location="NL")
    assert "P2" not in _ids(score_option(workload, paris, library).blocking_findings)
    assert "P2" in _ids(score_option(workload, amsterdam, library).blocking_findings)


def test_a_provider_that_trains_on_api_data_is_blocked_for_personal_data(library, providers):
    workload = WorkloadProfile(personal_data=True, organization_country="FR")
    option = OptionProfile(
        "gemini", "managed_api", providers["Google (Gemini API)"], data_location="NL"
    )
    result = score_option(workload, option, library)
    assert "B04" in _ids(result.blocking_findings)
    assert result.score("C4").score == 0


def test_french_public_sensitive_data_needs_secnumcloud_and_is_shown_unverified(library, providers):
    workload = WorkloadProfile(
        classification="confidential", sector="public_sector", organization_country="FR"
    )
    option = OptionProfile("ovh", "cloud_gpu", providers["OVHcloud"], data_location="FR")
    b10 = next(
        f for f in score_option(workload, option, library).blocking_findings if f.rule_id == "B10"
    )
    assert not b10.verified and "SREN" in b10.citation
    qualified = dataclasses.replace(option, certifications=frozenset({"secnumcloud"}))
    assert "B10" not in _ids(score_option(workload, qualified, library).blocking_findings)


def test_disabling_a_rule_in_the_policy_removes_only_that_finding(library, providers):
    option = OptionProfile("anthropic", "managed_api", providers["Anthropic"], data_location="US")
    everything = _ids(score_option(VOICE_CLONES, option, library).blocking_findings)
    policy = SovereigntyPolicy(enabled_rules=frozenset(everything - {"P1"}))
    assert _ids(score_option(VOICE_CLONES, option, library, policy).blocking_findings) == (
        everything - {"P1"}
    )


def test_us_phi_on_a_model_api_needs_a_signed_baa(library, providers):
    workload = WorkloadProfile(
        classification="confidential",
        personal_data=True,
        sector="health",
        organization_country="US",
    )
    option = OptionProfile("claude", "managed_api", providers["Anthropic"], data_location="US")
    b07 = next(
        f for f in score_option(workload, option, library).blocking_findings if f.rule_id == "B07"
    )
    assert "164.504(e)" in b07.citation and "offers a BAA" in b07.reason
    signed = dataclasses.replace(option, baa_signed=True)
    assert "B07" not in _ids(score_option(workload, signed, library).blocking_findings)


def test_spanish_public_sector_needs_ens_and_the_rule_is_shown_unverified(library, providers):
    workload = WorkloadProfile(
        classification="confidential", sector="public_sector", organization_country="ES"
    )
    option = OptionProfile("aws-es", "cloud_gpu", providers["AWS"], data_location="ES")
    result = score_option(workload, option, library)
    b11 = next(f for f in result.blocking_findings if f.rule_id == "B11")
    assert not b11.verified and "op.nub.1" in b11.citation and "MEDIA" in b11.reason
    assert {"B11", "R-ENS"} <= set(result.unverified())


def test_defence_data_is_kept_to_seal_4(library, providers):
    workload = WorkloadProfile(sector="defence", organization_country="FR")
    cloud = OptionProfile("scw", "cloud_gpu", providers["Scaleway"], data_location="FR")
    assert "P1" in _ids(score_option(workload, cloud, library).blocking_findings)
    own = OptionProfile("onprem", "on_premises")
    assert "P1" not in _ids(score_option(workload, own, library).blocking_findings)
