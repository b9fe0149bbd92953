"""Feed imports: a draft with its diff, never published blindly; the rest of the catalog kept."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabase
from django.db.utils import ConnectionHandler

from costing.feeds import FeedError, ecb
from costing.models import (
    ApiOffer,
    Catalog,
    CatalogStatus,
    CloudGpuOffer,
    FeedImport,
    FxRate,
    Provider,
)
from costing.models.provider import CloudActExposure
from costing.services import FeedNeedsConfirmation, catalog_publish, public_catalog_load
from costing.services.catalog_io import CatalogImportError, catalog_import
from costing.services.feed_sync import feed_rates_sync, feed_sync
from costing.services.shipped_feeds import fx_rates_store
from tests.costing.feeds.conftest import feed_bytes

LITELLM = "litellm-model_prices_and_context_window.json"
AS_OF = date(2026, 11, 20)


@pytest.fixture
def published(db):
    return public_catalog_load().catalog


def litellm_with(changes: dict) -> bytes:
    document = json.loads(feed_bytes(LITELLM))
    for key, fields in changes.items():
        document[key].update(fields)
    return json.dumps(document).encode()


def test_litellm_import_makes_a_draft_beside_the_published_catalog(published):
    hand_api = ApiOffer.objects.in_catalog(published).count()
    result = feed_sync(source="litellm", data=feed_bytes(LITELLM), as_of=AS_OF)
    draft = result.catalog
    assert draft.status == CatalogStatus.DRAFT and draft.based_on == published
    assert draft.version == "2026-11-20 litellm"
    # The whole feed replaces the 37 rows of the shipped LiteLLM subset (same source_row).
    shipped = ApiOffer.objects.in_catalog(published).filter(source_row__startswith="litellm:")
    assert shipped.count() == 37
    assert ApiOffer.objects.in_catalog(draft).count() == hand_api - 37 + 4483
    assert ApiOffer.objects.in_catalog(published).count() == hand_api  # published untouched
    gpt = ApiOffer.objects.in_catalog(draft).get(source_row="litellm:gpt-5.4")
    assert (gpt.input_price, gpt.output_price) == (Decimal("2.5"), Decimal("15"))
    assert gpt.provider.name == "OpenAI" and gpt.regional_uplift_pct == Decimal("10")
    counts = result.diff["counts"]
    # The shipped subset's rows come back at the same prices: only the others are added.
    assert (counts["added"], counts["removed"], counts["prices_changed"]) == (4483 - 37, 0, 0)
    assert (counts["missing"], counts["refused"]) == (215, 285)
    assert result.flagged is False


def test_unknown_providers_are_created_unknown_and_listed_for_review(published):
    result = feed_sync(source="litellm", data=feed_bytes(LITELLM), as_of=AS_OF)
    xai = Provider.objects.public().get(name="xai")
    assert xai.us_cloud_act_exposure == CloudActExposure.UNKNOWN
    assert xai.headquarters_country == ""
    review = {p["name"]: p for p in result.diff["providers_review"]}
    assert review["xai"]["created"] is True
    assert review["xai"]["headquarters_country"] == "unknown"
    # Known, headquarters in Germany, CLOUD Act exposure not established: still reviewed.
    assert review["Black Forest Labs"]["created"] is False
    assert review["Black Forest Labs"]["headquarters_country"] == "Germany"
    assert "Mistral AI" not in review  # known: France, not exposed


def test_second_import_diffs_prices_against_the_published_version(published):
    first = feed_sync(source="litellm", data=feed_bytes(LITELLM), as_of=AS_OF)
    catalog_publish(catalog=first.catalog)
    changed = litellm_with({"gpt-5.4": {"input_cost_per_token": 3e-06}})
    document = json.loads(changed)
    del document["nebius/meta-llama/Llama-3.3-70B-Instruct"]
    second = feed_sync(source="litellm", data=json.dumps(document).encode(), as_of=AS_OF)
    assert second.compared_with == first.catalog
    assert second.diff["changed"] == [
        {
            "record": "litellm:gpt-5.4",
            "label": "OpenAI · gpt-5.4 · 1m_tokens",
            "field": "input_price",
            "old": "2.5",
            "new": "3",
            "pct": "20.0",
        }
    ]
    assert [r["record"] for r in second.diff["removed"]] == [
        "litellm:nebius/meta-llama/Llama-3.3-70B-Instruct"
    ]
    assert second.diff["counts"]["added"] == 0


def test_a_large_change_is_flagged_and_needs_confirmation_to_publish(published, settings):
    first = feed_sync(source="skypilot-nebius", data=feed_bytes("skypilot-nebius-vms-gpu.csv"))
    catalog_publish(catalog=first.catalog)
    doubled = feed_bytes("skypilot-nebius-vms-gpu.csv").replace(b",23.60,", b",47.20,")
    doubled = doubled.replace(b",2.95,", b",5.90,").replace(b",3.50,", b",7.00,")
    second = feed_sync(source="skypilot-nebius", data=doubled)
    settings.SOVRA_FEED_MAX_CHANGED_SHARE = 0.3
    assert Decimal("0") < second.changed_share < Decimal("0.3")
    assert not second.flagged
    wholesale = b"\r\n".join(
        line if i == 0 else line.replace(b",eu-north1,", b",eu-north1,")
        for i, line in enumerate(doubled.split(b"\r\n"))
    )
    settings.SOVRA_FEED_MAX_CHANGED_SHARE = 0.05
    third = feed_sync(source="skypilot-nebius", data=wholesale)
    assert third.flagged
    with pytest.raises(FeedNeedsConfirmation, match="SOVRA_FEED_MAX_CHANGED_SHARE"):
        catalog_publish(catalog=third.catalog)
    published_third = catalog_publish(catalog=third.catalog, confirm_large_change=True)
    assert published_third.is_published
    third.refresh_from_db()
    assert third.confirmed_at is not None


def test_an_import_replaces_only_its_own_feeds_rows(published):
    hand = CloudGpuOffer.objects.in_catalog(published).count()
    first = feed_sync(source="skypilot-nebius", data=feed_bytes("skypilot-nebius-vms-gpu.csv"))
    second = feed_sync(
        source="skypilot-seeweb",
        data=feed_bytes("skypilot-seeweb-vms-gpu.csv"),
        catalog=first.catalog,
    )
    assert second.catalog == first.catalog
    rows = CloudGpuOffer.objects.in_catalog(first.catalog)
    assert rows.filter(source_row__startswith="skypilot-nebius:").count() == 21
    assert rows.filter(source_row__startswith="skypilot-seeweb:").count() == 27
    assert rows.count() == hand + 21 + 27
    again = feed_sync(
        source="skypilot-nebius",
        data=feed_bytes("skypilot-nebius-vms-gpu.csv"),
        catalog=first.catalog,
    )
    assert CloudGpuOffer.objects.in_catalog(again.catalog).count() == hand + 21 + 27
    h100 = rows.get(source_row="skypilot-nebius:gpu-h100-sxm_8gpu-128vcpu-1600gb@eu-north1")
    assert (h100.on_demand_per_hour, h100.spot_per_hour) == (Decimal("23.6"), Decimal("10"))
    assert h100.gpu is not None  # 'H100' resolves to the public H100 spec


def test_azure_reservations_bring_committed_prices(published):
    result = feed_sync(
        source="azure-retail", data=feed_bytes("azure-retail-prices-vm-eastus2-page.json")
    )
    row = CloudGpuOffer.objects.in_catalog(result.catalog).get(
        source_row="azure-retail:Standard_NC48ads_A100_v4@eastus2"
    )
    assert row.reserved_1y_per_hour == Decimal("4.802055")
    assert row.reserved_3y_per_hour == Decimal("2.726104")


def test_gcp_committed_use_prices_land_in_the_draft_with_their_spec(published):
    from tests.costing.feeds.conftest import cost, machine, pricing_file

    data = pricing_file(
        {"a3-highgpu-8g": machine("h100-80gb", 8, **{"europe-west4": cost(112.54, 44.1)})}
    )
    result = feed_sync(source="gcp-pricing", data=data, as_of=AS_OF)
    row = CloudGpuOffer.objects.in_catalog(result.catalog).get(
        source_row="gcp-pricing:a3-highgpu-8g@europe-west4"
    )
    assert (row.on_demand_per_hour, row.reserved_1y_per_hour, row.reserved_3y_per_hour) == (
        Decimal("112.54"),
        Decimal("7"),  # 5,110 a month / 730 h
        Decimal("4.5"),  # 3,285 / 730
    )
    assert row.provider.name == "Google Cloud" and row.gpu.name == "NVIDIA H100 SXM"
    assert row.date == date(2026, 7, 30)
    # The file's own date is the import's "prices as of"; the version is named by the import day.
    assert result.as_of == date(2026, 7, 30)
    assert result.catalog.version == "2026-11-20 gcp-pricing"
    assert result.diff["counts"]["added"] == 1
    assert not result.diff["providers_review"]  # Google Cloud: known, US, exposed


def test_a_bad_file_imports_nothing(published):
    before = Catalog.objects.public().count()
    with pytest.raises(FeedError, match="negative price"):
        feed_sync(source="litellm", data=litellm_with({"gpt-5.4": {"output_cost_per_token": -1}}))
    assert Catalog.objects.public().count() == before


def test_a_row_the_database_refuses_is_named_with_its_field(published):
    """GIVEN rows whose check constraints are left to the database on insert
    WHEN one breaks a constraint no field validator covers
    THEN the import names that row and field, and nothing is stored."""
    result = feed_sync(source="skypilot-nebius", data=feed_bytes("skypilot-nebius-vms-gpu.csv"))
    draft = result.catalog
    before = ApiOffer.objects.in_catalog(draft).count()
    good = {"provider": "OpenAI", "model_name": "m", "currency": "USD", "source_url": "x"}
    bad = {**good, "model_name": "n", "batch_discount_pct": "150"}
    with pytest.raises(CatalogImportError) as refused:
        catalog_import(catalog=draft, rows={"api": [good, bad]})
    assert [(e.row, e.field) for e in refused.value.errors] == [(2, "__all__")]
    assert "apioffer_batch_discount_range" in refused.value.errors[0].message
    assert ApiOffer.objects.in_catalog(draft).count() == before


def test_without_a_published_public_catalog_there_is_nothing_to_build_on(db):
    with pytest.raises(ValidationError, match="load_public_catalog"):
        feed_sync(source="skypilot-nebius", data=feed_bytes("skypilot-nebius-vms-gpu.csv"))


def test_ecb_rates_are_stored_dated_and_rerunning_changes_nothing(db):
    report = feed_rates_sync(data=feed_bytes("ecb-eurofxref-hist.zip"))
    assert (report.count, report.first, report.last) == (
        217_555,
        date(1999, 1, 4),
        date(2026, 4, 13),
    )
    assert FxRate.objects.get(quote="USD", date=date(2026, 4, 10)).rate == Decimal("1.1711")
    feed_rates_sync(data=feed_bytes("ecb-eurofxref-hist.zip"))
    assert FxRate.objects.count() == 217_555


@pytest.fixture
def embedded_database(db):
    """An in-memory SQLite database with the FX table, as ``make demo`` stores rates in."""
    alias = "embedded_fx"
    embedded = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    settings = ConnectionHandler().configure_settings({"default": embedded, alias: embedded})[alias]
    connections[alias] = SQLiteDatabase(settings, alias)
    with connections[alias].schema_editor() as editor:
        editor.create_model(FxRate)
    yield alias
    connections[alias].close()
    del connections[alias]


def test_ecb_rates_are_stored_and_merged_in_the_embedded_database_too(embedded_database):
    rates = ecb.read(feed_bytes("ecb-eurofxref.csv"))
    fx_rates_store(rates, using=embedded_database)
    fx_rates_store(rates, using=embedded_database)  # the same again changes nothing
    moved = [{**rates[0], "rate": rates[0]["rate"] * 2}]
    fx_rates_store(moved, using=embedded_database)
    stored = FxRate.objects.using(embedded_database)
    assert stored.count() == len(rates) > 25
    assert stored.get(quote=moved[0]["quote"]).rate == moved[0]["rate"]


def test_feeds_imported_one_after_another_share_the_pending_draft(published):
    """Two drafts copied from one version would each lose the other's feed on publishing:
    the second feed goes into the draft pending review, and replaces its own earlier diff."""
    first = feed_sync(source="skypilot-nebius", data=feed_bytes("skypilot-nebius-vms-gpu.csv"))
    second = feed_sync(source="skypilot-verda", data=feed_bytes("skypilot-verda-vms-gpu.csv"))
    again = feed_sync(source="skypilot-nebius", data=feed_bytes("skypilot-nebius-vms-gpu.csv"))
    assert first.catalog == second.catalog == again.catalog
    assert again.compared_with == published
    assert sorted(
        FeedImport.objects.filter(catalog=first.catalog).values_list("source", flat=True)
    ) == [
        "skypilot-nebius",
        "skypilot-verda",
    ]
    catalog_publish(catalog=first.catalog)
    third = feed_sync(source="skypilot-seeweb", data=feed_bytes("skypilot-seeweb-vms-gpu.csv"))
    assert third.catalog != first.catalog and third.compared_with == first.catalog
    rows = CloudGpuOffer.objects.in_catalog(third.catalog)
    assert rows.filter(source_row__startswith="skypilot-verda:").count() == 22


def test_genai_prices_dated_prices_hold_on_their_own_days_in_the_draft(published):
    """o3 cost 10/40 USD per 1M tokens until 2025-06-10, then 2/8: the draft keeps both, each
    valid on its own days, so an assessment priced as of a date takes the price of that day."""
    result = feed_sync(source="genai-prices", data=feed_bytes("genai-prices-v2-data.json"))
    rows = ApiOffer.objects.in_catalog(result.catalog).filter(
        provider__name="OpenAI", model_name="o3", source_row__startswith="genai-prices:"
    )
    held = sorted(
        ((r.valid_from or date.min, r.valid_until, r.input_price, r.output_price) for r in rows),
        key=lambda row: row[0],
    )
    assert held == [
        (date.min, date(2025, 6, 10), Decimal("10"), Decimal("40")),
        (date(2025, 6, 10), None, Decimal("2"), Decimal("8")),
    ]
