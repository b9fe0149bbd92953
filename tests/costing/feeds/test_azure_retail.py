"""Azure Retail Prices API: on-demand, spot and reservations turned into hourly committed prices."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from costing.feeds import FeedError, azure_retail
from tests.costing.feeds.conftest import feed_bytes

AS_OF = date(2026, 1, 11)


@pytest.fixture(scope="module")
def feed():
    return azure_retail.read(feed_bytes("azure-retail-prices-vm-eastus2-page.json"), as_of=AS_OF)


def test_reservation_terms_become_hourly_committed_prices(feed):
    row = next(r for r in feed.rows if r["instance"] == "Standard_NC48ads_A100_v4")
    assert row["on_demand_per_hour"] == Decimal("7.346")
    assert row["reserved_1y_per_hour"] == Decimal("4.802055")  # 42,066 / 8,760 h
    assert row["reserved_3y_per_hour"] == Decimal("2.726104")  # 71,642 / 26,280 h
    assert (row["gpu_name"], row["gpu_count"], row["region"]) == ("A100 80GB PCIe", 2, "eastus2")
    assert "1 Year reservation 42066" in row["notes"]


def test_linux_gpu_offers_of_the_page(feed):
    # Windows prices carry a licence and are left out; low-priority and fractional GPUs refused.
    assert sorted(r["instance"] for r in feed.rows) == [
        "Standard_NC48ads_A100_v4",
        "Standard_NC6s_v3",
        "Standard_ND96ams_A100_v4",
        "Standard_ND96is_MI300X_v5",
    ]
    assert {r.reason for r in feed.refused} == {
        "GPU model and whole-GPU count not known",
        "Consumption NC64asT4 v3 Low Priority: not a production price",
        "Consumption ND128isrGB300v6 Low Priority: not a production price",
    }


def item(**fields):
    base = {
        "armSkuName": "Standard_NC6s_v3",
        "armRegionName": "westeurope",
        "type": "Consumption",
        "skuName": "NC6s v3",
        "productName": "NCSv3 Series",
        "retailPrice": 3.06,
        "currencyCode": "EUR",
        "unitOfMeasure": "1 Hour",
    }
    return json.dumps({"Items": [{**base, **fields}]}).encode()


def test_malformed_variants():
    assert azure_retail.read(item(), as_of=AS_OF).rows[0]["currency"] == "EUR"
    with pytest.raises(FeedError, match="retailPrice: negative price"):
        azure_retail.read(item(retailPrice=-1), as_of=AS_OF)
    with pytest.raises(FeedError, match="retailPrice: wrong type"):
        azure_retail.read(item(retailPrice="3.06"), as_of=AS_OF)
    with pytest.raises(FeedError, match="currencyCode: currency 'euro'"):
        azure_retail.read(item(currencyCode="euro"), as_of=AS_OF)
    missing = json.loads(item())
    del missing["Items"][0]["type"]
    with pytest.raises(FeedError, match=r"item 1 \(Standard_NC6s_v3\) type: required"):
        azure_retail.read(json.dumps(missing).encode(), as_of=AS_OF)
    unit = azure_retail.read(item(unitOfMeasure="1/Month"), as_of=AS_OF)
    assert unit.rows == [] and unit.refused[0].reason == "unit '1/Month' is not '1 Hour'"
    five = azure_retail.read(item(type="Reservation", reservationTerm="5 Years"), as_of=AS_OF)
    assert five.refused[0].reason == "5 Years term: no column"
    with pytest.raises(FeedError, match="truncated"):
        azure_retail.read(
            feed_bytes("azure-retail-prices-vm-eastus2-page.json")[:9000], as_of=AS_OF
        )
