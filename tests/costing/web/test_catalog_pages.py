"""Catalog pages: what the list and a catalog show, conversion beside each price, tenancy."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from costing.models import Catalog
from costing.services import catalog_publish, catalog_version_create
from tests.costing.catalog_data import eur_usd_rate, private_draft


def _detail(catalog, kind="cloud-gpu"):
    return reverse("catalog-detail", args=["alice-media", catalog.pk]) + f"?kind={kind}"


def test_the_navigation_and_list_show_public_and_own_catalogs_only(client_for, viewer, catalogs):
    html = client_for(viewer).get(reverse("catalog-list", args=["alice-media"])).content.decode()
    assert 'aria-current="page">Catalogs</a>' in html
    assert "Public prices" in html and "Negotiated" in html
    assert "Mallory secret prices" not in html
    assert "draft" in html and "published" in html


def test_another_organizations_catalog_page_is_404(client_for, owner, other_org, catalogs):
    theirs = Catalog.dangerously_unscoped.get(organization=other_org)
    url = reverse("catalog-detail", args=["alice-media", theirs.pk])
    assert client_for(owner).get(url).status_code == 404


def test_each_price_shows_source_date_kind_and_conversion_with_rate(client_for, viewer, catalogs):
    eur_usd_rate("1.0889", "2025-03-14")
    html = client_for(viewer).get(_detail(catalogs["catalog"])).content.decode()
    assert "98.32" in html and "USD" in html
    assert 'href="https://example.org/prices"' in html and "2026-01-01" in html
    assert 'badge-open">primary' in html
    assert "90.2930 EUR" in html  # 98.32 / 1.0889 = 90.292956
    assert "at 0.918358 (2025-03-14)" in html
    assert "missing" in html  # the empty spot price, never shown as 0


def test_each_price_and_version_shows_the_days_it_is_in_force(client_for, viewer, catalogs):
    """GIVEN the public version of 1 January 2026 superseded by one of 1 July 2026"""
    first = catalogs["public_catalog"]
    second = catalog_version_create(
        catalog=first, version="2026-07", effective_date=date(2026, 7, 1)
    )
    catalog_publish(catalog=second)
    client = client_for(viewer)

    old = client.get(_detail(first)).content.decode()
    new = client.get(_detail(second)).content.decode()
    listed = client.get(reverse("catalog-list", args=["alice-media"])).content.decode()

    assert "prices in force 1 Jan 2026 to 1 Jul 2026, then superseded" in old
    assert "in force 2026-01-01 to 2026-07-01" in old and "superseded</span>" in old
    assert "prices in force from 1 Jul 2026" in new and "in force from 2026-07-01" in new
    assert "until 1 Jul 2026" in listed


def test_a_missing_rate_is_shown_as_missing(client_for, viewer, catalogs):
    html = client_for(viewer).get(_detail(catalogs["catalog"], "api")).content.decode()
    assert "no FX rate" in html
    assert "No published FX rate connects USD and EUR" in html


def test_search_and_source_filter(client_for, viewer, org, catalogs):
    draft, _ = private_draft(org, name="Many", cloud=3)
    client = client_for(viewer)
    html = client.get(_detail(draft) + "&q=p5-1").content.decode()
    assert "p5-1" in html and "p5-2" not in html
    html = client.get(_detail(draft) + "&source_kind=secondary").content.decode()
    assert "No offer matches these filters" in html


def test_the_offer_page_takes_the_same_queries_for_2_and_50_rows(client_for, viewer, org):
    eur_usd_rate()
    counts = []
    client = client_for(viewer)
    for name, rows in (("Two", 2), ("Fifty", 50)):
        draft, _ = private_draft(org, name=name, cloud=rows)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_detail(draft)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_compare_shows_the_spread_and_dated_history(client_for, viewer, org, catalogs):
    eur_usd_rate("1.0", "2025-03-14")  # 1 USD = 1 EUR keeps the figures readable
    private_draft(org, name="Cheaper", label="Deal ")
    url = reverse("catalog-compare", args=["alice-media"])
    html = client_for(viewer).get(url, {"kind": "cloud-gpu", "name": "H100 SXM 80GB"}).content
    html = html.decode()
    assert "Low" in html and "Median" in html and "High" in html
    assert "12.29" in html  # 98.32 per 8 GPUs, per GPU-hour
    assert "2026-01-01" in html and "Public prices" in html
    assert "Mallory" not in html


def test_export_downloads_json_and_csv(client_for, viewer, catalogs):
    client = client_for(viewer)
    pk = catalogs["catalog"].pk
    document = client.get(reverse("catalog-export-json", args=["alice-media", pk])).json()
    assert document["catalog"]["name"] == "Negotiated"
    csv = client.get(reverse("catalog-export-csv", args=["alice-media", pk]) + "?kind=server")
    assert csv.content.decode().splitlines()[1].startswith("USD,2026-01-01")
