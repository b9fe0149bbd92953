"""The public catalog load: every row of every shipped file, sources kept, reruns change nothing."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from costing.models import (
    ApiOffer,
    ApiUnit,
    Catalog,
    CatalogParameter,
    CloudGpuOffer,
    FigureKind,
    FxRate,
    GpuSpec,
    Provider,
    ReferenceFigure,
    ServerOffer,
)
from costing.services import (
    CatalogLoadError,
    CatalogVersionConflict,
    public_catalog_load,
)
from costing.services.public_catalog import DATA_DIR

PARAMETER_PREFIXES = ("Lifecycle:", "Residual:", "Support:")


def records(name: str) -> list[dict]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def rows_of(model, catalog):
    return model.objects.in_catalog(catalog)


def append_row(path: Path, values: dict) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.DictWriter(handle, fieldnames=header).writerow(values)


def test_every_row_of_every_file_is_loaded(loaded):
    catalog = loaded.catalog
    servers = records("servers.csv")
    parameters = [row for row in servers if row["system"].startswith(PARAMETER_PREFIXES)]
    assert loaded.created and catalog.is_published and catalog.is_public
    # The shipped feed subsets (costing/data/feeds) add 4 Azure GPU machines and 37 EU API offers.
    cloud, api = rows_of(CloudGpuOffer, catalog), rows_of(ApiOffer, catalog)
    assert cloud.count() == len(records("cloud_gpu_offers.csv")) + 4 == 84
    assert api.count() == len(records("api_offers.csv")) + 37 == 108
    assert rows_of(ServerOffer, catalog).count() == len(servers) - len(parameters) == 11
    assert rows_of(CatalogParameter, catalog).count() == len(parameters) == 15
    figures = rows_of(ReferenceFigure, catalog)
    assert figures.filter(kind=FigureKind.FACILITY).count() == len(records("facility.csv")) == 61
    assert figures.filter(kind=FigureKind.STAFF).count() == len(records("staff.csv")) == 23
    assert Provider.objects.public().count() == len(records("providers.csv")) == 34
    assert GpuSpec.objects.public().count() == len(records("gpus.csv")) == 20
    # fx.csv's rates and the 29 of the shipped ECB file of 13 April 2026.
    assert FxRate.objects.count() == len(records("fx.csv")) + 29 == 39
    assert loaded.counts["server_offers"] == 11
    assert loaded.providers_added == []


def test_each_row_remembers_the_file_and_line_it_came_from(loaded):
    sources = set(rows_of(CloudGpuOffer, loaded.catalog).values_list("source_row", flat=True))
    assert sources == {f"cloud_gpu_offers.csv:{line}" for line in range(2, 82)} | {
        f"azure-retail:{sku}@eastus2"
        for sku in (
            "Standard_NC48ads_A100_v4",
            "Standard_ND96ams_A100_v4",
            "Standard_NC6s_v3",
            "Standard_ND96is_MI300X_v5",
        )
    }


def test_dated_history_and_disagreeing_sources_are_all_kept(loaded):
    p5 = rows_of(CloudGpuOffer, loaded.catalog).filter(
        provider__name="AWS", instance="p5.48xlarge", region="us-east-1"
    )
    assert sorted((o.date.isoformat(), o.on_demand_per_hour) for o in p5) == [
        ("2026-03-31", Decimal("98.32")),
        ("2026-11-09", Decimal("55.04")),
    ]
    old = p5.get(on_demand_per_hour=Decimal("98.32"))
    assert old.reserved_1y_per_hour == Decimal("52")
    assert old.source_url == "https://disintermediate.global/insights/gpu-cloud-pricing-models"
    assert old.source_kind == "secondary"
    assert "AUDIT-DOUBT" in old.notes
    runpod = rows_of(CloudGpuOffer, loaded.catalog).filter(
        provider__name="RunPod", instance="Secure Cloud pod", gpu_name="H100 SXM 80GB"
    )
    assert sorted(o.on_demand_per_hour for o in runpod) == [Decimal("3.49"), Decimal("3.99")]
    opus = rows_of(ApiOffer, loaded.catalog).filter(provider__name="Anthropic")
    assert {(o.model_name, o.input_price, o.output_price) for o in opus} >= {
        ("claude-opus-4 / 4.1", Decimal("15"), Decimal("75")),
        ("claude-opus-4.5 / 4.6", Decimal("5"), Decimal("25")),
    }


def test_currencies_and_dates_are_kept_as_published(loaded):
    catalog = loaded.catalog
    scaleway = rows_of(CloudGpuOffer, catalog).get(instance="H100-1-80G")
    assert (scaleway.currency, scaleway.date, scaleway.date_text) == ("EUR", None, "")
    quote = rows_of(ServerOffer, catalog).get(system__startswith="HGX H100 8-GPU server")
    assert (quote.price, quote.currency, quote.price_kind) == (Decimal("317000"), "USD", "street")
    assert (quote.date.isoformat(), quote.date_text) == ("2024-08-01", "2024-08")
    undated = rows_of(ServerOffer, catalog).get(system="NVIDIA DGX A100")
    assert (undated.date, undated.date_text, undated.year) == (None, "undated", 2020)
    tariff = rows_of(ReferenceFigure, catalog).get(
        item="electricity_price_commercial", region="US-Virginia"
    )
    assert (tariff.value, tariff.unit, tariff.currency) == (Decimal("8.95"), "USD cents/kWh", "USD")
    assert (tariff.period, tariff.date.isoformat()) == ("2023", "2024-10-17")
    pue = rows_of(ReferenceFigure, catalog).get(item="pue_fleet", region="Google")
    assert (pue.value, pue.unit, pue.currency) == (Decimal("1.09"), "ratio", "")
    rate = FxRate.objects.get(base="EUR", quote="USD", date="2025-02-28")
    assert rate.rate == Decimal("1.0411")


def test_missing_prices_are_null_and_reported(loaded):
    catalog = loaded.catalog
    hetzner = rows_of(CloudGpuOffer, catalog).get(instance="GEX45 (dedicated)")
    assert hetzner.missing_prices == [
        "on_demand_per_hour",
        "reserved_1y_per_hour",
        "reserved_3y_per_hour",
        "spot_per_hour",
    ]
    assert "cloud_gpu_offers.csv:76 GEX45 (dedicated): no price" in loaded.unpriced
    assert "servers.csv:7 NVIDIA DGX B200: no price" in loaded.unpriced
    flash_lite = rows_of(ApiOffer, catalog).get(model_name="gemini-2.5-flash-lite")
    assert flash_lite.input_price is None and flash_lite.output_price == Decimal("0.40")
    assert loaded.missing_prices["cloud_gpu.reserved_3y_per_hour"] == 80
    for model, fields in (
        (CloudGpuOffer, CloudGpuOffer.PRICE_FIELDS),
        (ApiOffer, ApiOffer.PRICE_FIELDS),
        (ServerOffer, ServerOffer.PRICE_FIELDS),
    ):
        for name in fields:
            assert not rows_of(model, catalog).filter(**{f"{name}__lte": 0}).exists()


def test_api_tiers_units_and_terms(loaded):
    api = rows_of(ApiOffer, loaded.catalog)
    gpt4o = api.get(model_name="gpt-4o", provider__name="OpenAI")
    assert (gpt4o.cached_input_price, gpt4o.batch_discount_pct) == (Decimal("1.25"), Decimal("50"))
    assert gpt4o.context_tokens == 128000 and gpt4o.open_weights is False
    assert "zero data retention" in gpt4o.data_terms and "EU" in gpt4o.regions
    pro = api.get(model_name="gemini-3.1-pro-preview (<=200k prompt)")
    assert (
        pro.long_context_threshold_tokens,
        pro.long_context_input_price,
        pro.long_context_output_price,
    ) == (200000, Decimal("4"), Decimal("18"))
    units = {o.model_name: o.unit for o in api}
    assert units["whisper-1 (transcription)"] == ApiUnit.AUDIO_MINUTE
    assert units["whisper-large-v3-turbo"] == ApiUnit.AUDIO_HOUR
    assert units["tts-1 / tts-1-hd"] == ApiUnit.CHARACTERS_1M
    assert units["dall-e-3 standard 1024x1024"] == ApiUnit.IMAGE
    assert units["gemini-3-pro-image"] == ApiUnit.IMAGE
    assert units["gpt-4o-mini-transcribe"] == ApiUnit.TOKENS_1M
    # ElevenLabs' "USD per minute" is a minute of speech its TTS plan produces, not transcribed.
    assert units["Business plan (low-latency TTS)"] == ApiUnit.SPEECH_MINUTE
    assert units["voxtral-mini (transcription)"] == ApiUnit.AUDIO_MINUTE
    assert api.get(model_name="mistral-large-3").open_weights is True


def test_regional_uplifts_are_loaded_with_their_source_and_unknown_ones_stay_unknown(loaded):
    """OpenAI's data-residency uplift (+10% for models released from 2026-03-05), Azure's EU
    Data Zone against Global Standard (2.75 / 11 against 2.50 / 10 USD for gpt-4o), Mistral's
    EU processing at list price; offers whose regional price is not published have none."""
    api = rows_of(ApiOffer, loaded.catalog)
    gpt54 = api.get(provider__name="OpenAI", model_name="gpt-5.4")
    assert gpt54.regional_uplift_pct == Decimal("10")
    assert gpt54.regional_uplift_date == date(2026, 11, 20)
    assert "developers.openai.com/api/docs/guides/data-residency" in (
        gpt54.regional_uplift_source_url
    )
    older = api.get(provider__name="OpenAI", model_name="gpt-4o")
    assert (older.regional_uplift_pct, older.regional_uplift_date) == (Decimal("0"), None)
    assert "help.openai.com" in older.regional_uplift_source_url
    azure = api.get(model_name="gpt-4o (Global Standard)")
    assert azure.regional_uplift_pct == Decimal("10")
    assert api.get(model_name="mistral-large-3").regional_uplift_pct == Decimal("0")
    for unknown in ("gpt-4o (2024-05-13 launch)", "gpt-5", "claude-sonnet-4 / 4.5 / 4.6"):
        offer = api.get(model_name=unknown)
        assert (offer.regional_uplift_pct, offer.regional_uplift_source_url) == (None, "")
    # The shipped LiteLLM rows of providers whose list price processes in the EU (Mistral AI,
    # Scaleway, OVHcloud: 21 rows) carry an uplift of 0, sourced to the provider's page.
    hand = api.exclude(source_row__startswith="litellm:")
    assert hand.filter(regional_uplift_pct__isnull=False).count() == len(
        records("api_regional_uplifts.csv")
    )
    assert api.filter(source_row__startswith="litellm:", regional_uplift_pct=0).count() == 21
    assert loaded.missing_prices["api.regional_uplift_pct"] == 71 - 23


def test_an_uplift_naming_no_offer_or_without_a_source_refuses_the_load(db, data_copy):
    path = data_copy / "api_regional_uplifts.csv"
    append_row(path, {"provider": "OpenAI", "model": "gpt-9", "regional_uplift_pct": "10",
                      "source_url": "https://example.org/uplift"})  # fmt: skip
    append_row(path, {"provider": "OpenAI", "model": "gpt-5", "regional_uplift_pct": "-5"})
    with pytest.raises(CatalogLoadError) as raised:
        public_catalog_load(data_dir=data_copy)
    found = {(e.file, e.field, e.message) for e in raised.value.errors}
    assert found == {
        (path.name, "model", "no offer of api_offers.csv has this provider and model"),
        (path.name, "regional_uplift_pct", "must not be negative"),
        (path.name, "source_url", "required"),
    }
    assert not Catalog.objects.public().exists()


def test_lifecycle_residual_and_support_rows_are_parameters_not_servers(loaded):
    catalog = loaded.catalog
    assert not rows_of(ServerOffer, catalog).filter(system__startswith="Lifecycle:").exists()
    params = rows_of(CatalogParameter, catalog)
    assert params.filter(kind="lifecycle").count() == 7
    assert set(params.filter(kind="lifecycle").values_list("unit", flat=True)) == {"years"}
    after_36 = params.get(key="Residual: H100 value after 36 months")
    assert (after_36.value, after_36.unit, after_36.currency) == (
        Decimal("30"),
        "percent_of_new_price",
        "",
    )
    support = params.get(kind="support")
    assert (support.value, support.unit, support.currency, support.gpu_count) == (
        Decimal("39800"),
        "USD",
        "USD",
        8,
    )


def test_providers_keep_unknown_apart_from_no_and_not_applicable(loaded):
    together = Provider.objects.public().get(name="Together AI")
    assert together.zero_data_retention == "unknown"
    assert together.customer_managed_keys == "unknown"
    lambda_ = Provider.objects.public().get(name="Lambda")
    assert lambda_.zero_data_retention == "na"
    mistral = Provider.objects.public().get(name="Mistral AI")
    assert (mistral.us_cloud_act_exposure, mistral.trains_on_api_data_by_default) == ("no", "no")
    sovereign = Provider.objects.public().get(name="AWS European Sovereign Cloud")
    assert sovereign.us_cloud_act_exposure == "unclear"
    assert len(sovereign.source_urls.splitlines()) == 4


def test_gpu_names_link_to_specs_only_when_unambiguous(loaded):
    cloud = rows_of(CloudGpuOffer, loaded.catalog).select_related("gpu")
    assert cloud.filter(instance="p5.48xlarge").first().gpu.name == "NVIDIA H100 SXM"
    assert cloud.get(instance="p5en.48xlarge", region="us-east-1").gpu is None
    nebius = cloud.get(instance="gpu-h200-sxm 8gpu-128vcpu-1600gb")
    assert nebius.gpu.name == "NVIDIA H200 SXM"  # the instance name says SXM
    assert cloud.get(instance="BM.GPU.MI300X.8").gpu.name == "AMD Instinct MI300X"
    assert any(name.startswith("H200 141GB: ambiguous") for name in loaded.unresolved_gpus)
    servers = rows_of(ServerOffer, loaded.catalog).select_related("gpu")
    assert servers.get(system="NVIDIA DGX A100").gpu.name == "NVIDIA A100 40GB SXM"


def test_loading_twice_creates_nothing(loaded):
    before = (
        Catalog.dangerously_unscoped.count(),
        CloudGpuOffer.dangerously_unscoped.count(),
        ApiOffer.dangerously_unscoped.count(),
        Provider.dangerously_unscoped.count(),
        GpuSpec.objects.public().count(),
        FxRate.objects.count(),
    )
    again = public_catalog_load()
    assert not again.created
    assert again.catalog.pk == loaded.catalog.pk
    assert again.counts == loaded.counts
    assert before == (
        Catalog.dangerously_unscoped.count(),
        CloudGpuOffer.dangerously_unscoped.count(),
        ApiOffer.dangerously_unscoped.count(),
        Provider.dangerously_unscoped.count(),
        GpuSpec.objects.public().count(),
        FxRate.objects.count(),
    )


def test_changed_data_is_a_new_version_and_never_rewrites_a_published_one(db, data_copy):
    first = public_catalog_load(version="v1", data_dir=data_copy)
    path = data_copy / "fx.csv"
    path.write_text(path.read_text().replace("1.0411", "1.0412"))
    with pytest.raises(CatalogVersionConflict):
        public_catalog_load(version="v1", data_dir=data_copy)
    second = public_catalog_load(data_dir=data_copy)
    assert second.created and second.catalog.version != "v1"
    assert rows_of(CloudGpuOffer, first.catalog).count() == 84
    assert Catalog.objects.public().count() == 2


def test_unreadable_cells_are_reported_with_file_line_and_field_and_nothing_is_written(
    db, data_copy
):
    path = data_copy / "cloud_gpu_offers.csv"
    text = path.read_text().replace(",98.32,52,", ",abc,52,", 1)
    path.write_text(
        text.replace(
            "Leafcloud,A100 instance,Netherlands,A100 80GB,1,2.15,",
            "Leafcloud,A100 instance,Netherlands,A100 80GB,1,0,",
        )
    )
    append_row(data_copy / "api_offers.csv", {"provider": "OpenAI", "model": "", "notes": "x"})
    with pytest.raises(CatalogLoadError) as raised:
        public_catalog_load(data_dir=data_copy)
    found = {(e.file, e.line, e.field) for e in raised.value.errors}
    assert found == {
        ("cloud_gpu_offers.csv", 2, "on_demand_per_hour"),
        ("cloud_gpu_offers.csv", 78, "on_demand_per_hour"),
        ("api_offers.csv", 73, "model"),
    }
    assert "leave the cell empty" in str(raised.value)
    assert Catalog.dangerously_unscoped.count() == 0
    assert Provider.dangerously_unscoped.count() == 0


def test_a_provider_missing_from_providers_csv_is_created_and_reported(db, data_copy):
    append_row(
        data_copy / "cloud_gpu_offers.csv",
        {
            "provider": "Acme GPU",
            "instance": "a1",
            "gpu": "H100 SXM 80GB",
            "gpu_count": "1",
            "on_demand_per_hour": "2.10",
            "currency": "EUR",
            "source_url": "https://example.org/prices",
            "source_kind": "primary",
        },
    )
    report = public_catalog_load(data_dir=data_copy)
    assert report.providers_added == ["Acme GPU (named in cloud_gpu_offers.csv)"]
    acme = Provider.objects.public().get(name="Acme GPU")
    assert "absent from providers.csv" in acme.notes
    assert acme.us_cloud_act_exposure == "unknown"


def test_the_command_prints_counts_per_kind_and_is_safe_to_rerun(db):
    out = StringIO()
    call_command("load_public_catalog", stdout=out)
    assert "cloud_gpu_offers     84" in out.getvalue()
    assert "shipped feed litellm-eu-providers.json: rows 37, without price 1" in out.getvalue()
    assert "missing price: cloud_gpu_offers.csv:76" in out.getvalue()
    out = StringIO()
    call_command("load_public_catalog", stdout=out)
    assert "already loaded, nothing changed" in out.getvalue()
