"""The shipped feed subsets (costing/data/feeds): read by the feed readers, each row dated and
naming its upstream and licence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from costing.models import (
    ApiOffer,
    Catalog,
    CloudGpuOffer,
    FxRate,
)
from costing.services import (
    CatalogLoadError,
    public_catalog_load,
)


def rows_of(model, catalog):
    return model.objects.in_catalog(catalog)


def test_eu_providers_api_offers_are_loaded_from_the_shipped_litellm_subset(loaded):
    """LiteLLM 1.110.2 (build 2026-11-20) prices Scaleway's Llama 3.3 70B at 9e-07 USD a token
    both ways (0.90 per 1M) and OVHcloud's at 6.7e-07 (0.67 per 1M); both process in France."""
    api = rows_of(ApiOffer, loaded.catalog)
    scaleway = api.get(model_name="scaleway/meta/llama-3.3-70b-instruct")
    assert scaleway.provider.name == "Scaleway"
    assert (scaleway.input_price, scaleway.output_price) == (Decimal("0.9"), Decimal("0.9"))
    assert scaleway.regions.startswith("fr-par;") and scaleway.regional_uplift_pct == 0
    assert scaleway.date == date(2026, 11, 20) and scaleway.currency == "USD"
    assert "licence MIT (Copyright (c) 2023 Berri AI)" in scaleway.notes
    assert "litellm-eu-providers.json" in scaleway.notes
    ovh = api.get(model_name="ovhcloud/Meta-Llama-3_3-70B-Instruct")
    assert (ovh.provider.name, ovh.input_price, ovh.regions[:4]) == (
        "OVHcloud",
        Decimal("0.67"),
        "GRA;",
    )
    # Nebius states no one processing place for its models: not established, uplift unknown.
    nebius = api.get(model_name="nebius/meta-llama/Llama-3.3-70B-Instruct")
    assert "not stated" in nebius.regions and nebius.regional_uplift_pct is None
    flux = api.get(model_name="black_forest_labs/flux-dev")
    assert (flux.provider.name, flux.unit, flux.output_price) == (
        "Black Forest Labs",
        "image",
        Decimal("0.025"),
    )
    # Priced 0 in the feed: kept without a price, never at 0.
    whisper = api.get(model_name="scaleway/openai/whisper-large-v3")
    assert (whisper.input_price, whisper.output_price) == (None, None)


def test_azure_reservations_give_committed_hourly_prices(loaded):
    """The Azure page prices Standard_NC48ads_A100_v4 (2 x A100 80GB) in eastus2 at 7.346 USD
    an hour, 42,066 USD for a 1-year reservation (/ 8,760 h = 4.802055) and 71,642 USD for 3
    years (/ 26,280 h = 2.726104)."""
    row = rows_of(CloudGpuOffer, loaded.catalog).get(
        source_row="azure-retail:Standard_NC48ads_A100_v4@eastus2"
    )
    assert (row.on_demand_per_hour, row.reserved_1y_per_hour, row.reserved_3y_per_hour) == (
        Decimal("7.346"),
        Decimal("4.802055"),
        Decimal("2.726104"),
    )
    assert row.date == date(2026, 1, 11) and row.gpu_count == 2
    assert "licence MIT (Copyright (c) Microsoft Corporation)" in row.notes


def test_the_shipped_ecb_rates_are_dated_reference_rates(loaded):
    usd = FxRate.objects.get(base="EUR", quote="USD", date=date(2026, 4, 13))
    assert usd.rate == Decimal("1.1684")
    assert "ecb.europa.eu" in usd.source_url


def test_a_shipped_feed_without_a_licence_refuses_the_whole_load(db, data_copy):
    manifest = data_copy / "feeds" / "MANIFEST.csv"
    manifest.write_text(manifest.read_text().replace("MIT (Copyright (c) 2023 Berri AI)", ""))
    with pytest.raises(CatalogLoadError) as raised:
        public_catalog_load(data_dir=data_copy)
    assert {(e.file, e.line, e.field) for e in raised.value.errors} == {
        ("MANIFEST.csv", 2, "licence")
    }
    assert Catalog.dangerously_unscoped.count() == 0
