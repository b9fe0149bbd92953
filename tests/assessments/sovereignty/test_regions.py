"""Region names to countries: known names map, several places or none stay unknown."""

from __future__ import annotations

import pytest

from assessments.sovereignty.geography import Geo
from assessments.sovereignty.regions import EU, data_location


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
