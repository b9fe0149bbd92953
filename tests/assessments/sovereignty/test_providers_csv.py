"""providers.csv rows become ProviderProfiles; blanks stay unknown, limited certificates unheld."""

from __future__ import annotations

import csv

from assessments.sovereignty.providers_csv import parse_certifications, providers_from_rows


def test_every_row_of_the_shipped_file_loads(providers, providers_csv):
    with providers_csv.open(newline="", encoding="utf-8") as handle:
        names = [row["provider"] for row in csv.DictReader(handle)]
    assert sorted(providers) == sorted(names)


def test_jurisdiction_is_read_from_headquarters_and_parent(providers):
    aws_esc = providers["AWS European Sovereign Cloud"]
    assert (aws_esc.headquarters_country, aws_esc.parent_country) == ("DE", "US")
    assert aws_esc.us_cloud_act_exposure == "unclear"
    assert providers["Mistral AI"].us_cloud_act_exposure == "no"
    assert providers["Anthropic"].headquarters_country == "US"
    assert providers["Fluidstack"].headquarters_country == "GB"
    assert providers["Aleph Alpha"].parent_country == "CA"


def test_headquarters_from_general_knowledge_are_marked_unverified(providers):
    assert not providers["ElevenLabs"].facts_verified
    assert not providers["Lambda"].facts_verified
    assert providers["Mistral AI"].facts_verified


def test_blank_cells_are_unknown_not_no(providers):
    together = providers["Together AI"]
    assert together.trains_on_api_data_by_default == "unknown"
    assert together.zero_data_retention == "unknown"
    assert providers["Scaleway"].customer_managed_keys == "unknown"
    assert providers["Scaleway"].certifications == frozenset()


def test_limited_and_in_progress_certifications_are_not_counted_as_held(providers):
    ovh = providers["OVHcloud"]
    assert "secnumcloud" in ovh.limited_certifications
    assert "secnumcloud" not in ovh.certifications
    assert {"iso27001", "iso27017", "iso27018"} <= ovh.certifications
    assert providers["Nebius"].certifications == frozenset()
    assert "iso27001" in providers["Nebius"].limited_certifications
    assert providers["IONOS"].limited_certifications == {"c5_type1"}


def test_certification_names_are_normalised():
    held, limited = parse_certifications("SOC2 Type II; C5 (Type 2); ISO27017/18 (in progress)")
    assert held == {"soc2_type2", "c5_type2"}
    assert limited == {"iso27017", "iso27018"}


def test_a_blank_cloud_act_cell_is_not_established():
    rows = [{"provider": "Blank Cloud", "headquarters_country": "", "subject_to_us_cloud_act": ""}]
    blank = providers_from_rows(rows)["Blank Cloud"]
    assert blank.us_cloud_act_exposure == "unknown"
    assert blank.headquarters_country is None
