"""Region names to countries: known names map, several places or none stay unknown."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from assessments.sovereignty.geography import Geo
from assessments.sovereignty.regions import EU, data_location

API_OFFERS_CSV = Path(__file__).resolve().parents[3] / "costing" / "data" / "api_offers.csv"

# Where each shipped API provider processes at its list price, as its regions text states it
# first: only Mistral AI processes in the EU by default; OpenAI and Azure sell EU processing as
# an option beside a global default, Bedrock prices differ by region, and Cohere states none.
API_LOCATIONS = {
    "OpenAI": None,
    "Azure OpenAI (Microsoft)": None,
    "Anthropic": None,
    "Google (Gemini API)": None,
    "Mistral AI": EU,
    "Cohere": None,
    "Together AI": "US",
    "Fireworks AI": "US",
    "Groq": "US",
    "AWS Bedrock": None,
    "ElevenLabs": None,
}


def _shipped_api_regions() -> list[tuple[str, str]]:
    with API_OFFERS_CSV.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        return sorted({(row["provider"], row["regions_or_residency"]) for row in rows})


@pytest.mark.parametrize(
    ("provider", "region", "country"),
    [
        ("AWS", "us-east-1", "US"),
        ("AWS", "eu-north-1", "SE"),
        ("Microsoft Azure", "eastus", "US"),
        ("Google Cloud", "europe-west4", "NL"),
        ("Nebius", "eu-north1", "FI"),
        ("Scaleway", "fr-par-2", "FR"),
        ("OVHcloud", "GRA", "FR"),
        ("OVHcloud", "(EU, zone not stated)", EU),
        ("Hetzner", "EU", EU),
        ("Hetzner", "Helsinki", "FI"),
        ("Cudo Compute", "no-kristiansand-1 (Norway)", "NO"),
        ("Oracle Cloud (OCI)", "eu-frankfurt-1", "DE"),
        ("Groq", "US (GroqCloud)", "US"),
        ("Fireworks AI", "US-based serverless", "US"),
    ],
)
def test_known_region_names_give_their_country(provider, region, country):
    assert data_location(provider, region) == country


@pytest.mark.parametrize(
    "region",
    ["", "(not stated)", "(all)", "eu-north1 / eu-west1 / us-central1", "(marketplace)",
     "Global by default; data-residency projects (e.g. EU) for eligible customers",
     "somewhere-new-7"],
)  # fmt: skip
def test_several_places_or_an_unknown_name_is_not_established(region):
    assert data_location("Nebius", region) is None


def test_eu_without_a_country_counts_as_inside_the_eea(library):
    geo = Geo.of(library)
    assert geo.in_eea(EU) is True
    assert geo.adequate(EU) is False  # no adequacy decision is about "the EU" as a country


@pytest.mark.parametrize(("provider", "regions"), _shipped_api_regions())
def test_each_shipped_api_regions_text_reads_as_where_its_list_price_processes(provider, regions):
    """GIVEN every regions text of the shipped API catalog (a new provider fails here until its
    reading is stated) THEN the default clause decides: Mistral's "Processing in EU" is the EU
    although a later clause offers a US region and mentions private/self-hosted deployments."""
    assert provider in API_LOCATIONS, f"state where {provider} processes: {regions!r}"
    assert data_location(provider, regions) == API_LOCATIONS[provider]


def test_an_option_after_the_default_clause_does_not_move_the_offer():
    assert data_location("Mistral AI", "Processing in EU; US region for supported models") == EU
    assert data_location("Acme", "US-based serverless; EU endpoints on request") == "US"
    assert data_location("Acme", "Global by default; processing in EU on request") is None
