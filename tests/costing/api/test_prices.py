"""Prices in API answers: currency, date, source and kind, converted into the organization's
currency with the rate and its date, or said to be unconvertible (never 1:1)."""

from __future__ import annotations

from decimal import Decimal

from tests.costing.api.conftest import BASE
from tests.costing.catalog_data import eur_usd_rate


def _offer(client, catalogs):
    url = f"{BASE}/catalogs/{catalogs['catalog'].pk}/cloud-gpu-offers/{catalogs['cloud_offer'].pk}/"
    return client.get(url).json()["prices"]


def test_a_price_carries_its_source_and_date(client_as, catalogs):
    prices = _offer(client_as("viewer"), catalogs)
    assert prices["currency"] == "USD" and prices["date"] == "2026-01-01"
    assert prices["source_url"] == "https://example.org/prices"
    assert prices["source_kind"] == "primary"
    assert prices["amounts"]["on_demand_per_hour"] == "98.320000"
    assert prices["amounts"]["spot_per_hour"] is None
    assert "spot_per_hour" in prices["missing"]


def test_the_converted_price_comes_with_the_rate_and_its_date(client_as, catalogs):
    eur_usd_rate("1.0889", "2025-03-14")
    conversion = _offer(client_as("viewer"), catalogs)["conversion"]
    assert conversion["available"] is True and conversion["currency"] == "EUR"
    assert conversion["rate_date"] == "2025-03-14"
    assert Decimal(conversion["rate"]) == (1 / Decimal("1.0889")).quantize(Decimal("1e-8"))
    expected = (Decimal("98.32") / Decimal("1.0889")).quantize(Decimal("1e-6"))
    assert Decimal(conversion["amounts"]["on_demand_per_hour"]) == expected
    assert conversion["sources"] == ["https://ecb.example/eurofxref"]
    assert conversion["amounts"]["spot_per_hour"] is None


def test_a_missing_rate_is_said_and_nothing_is_converted(client_as, catalogs):
    conversion = _offer(client_as("viewer"), catalogs)["conversion"]
    assert conversion["available"] is False
    assert conversion["rate"] is None and conversion["amounts"] == {}
    assert "No published FX rate connects USD and EUR" in conversion["message"]


def test_a_price_in_the_organizations_currency_needs_no_conversion(client_as, org, catalogs):
    org.currency = "USD"
    org.save()
    assert _offer(client_as("viewer"), catalogs)["conversion"] is None
