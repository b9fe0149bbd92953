"""Catalog API: public and own catalogs visible, another organization's hidden, drafts editable
by analysts, published versions frozen (409), public ones read-only (403)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from costing.models import ApiOffer, Catalog, CloudGpuOffer
from tests.costing.api.conftest import BASE, MALLORY
from tests.costing.catalog_data import eur_usd_rate, private_draft, private_published

OFFER_PATHS = ("cloud-gpu-offers", "api-offers", "server-offers")


def test_the_list_shows_public_and_own_catalogs_never_another_organizations(
    client_as, catalogs, other_org
):
    names = {row["name"] for row in client_as("viewer").get(f"{BASE}/catalogs/").json()["results"]}
    assert names == {"Public prices", "Negotiated"}
    theirs = client_as("outsider").get(f"{MALLORY}/catalogs/").json()["results"]
    assert {row["name"] for row in theirs} == {"Public prices", "Mallory secret prices"}


def test_another_organizations_catalog_and_offers_answer_404_both_ways(
    client_as, catalogs, other_org
):
    """GIVEN alice's draft WHEN mallory names it under her own slug THEN 404, and the reverse."""
    mine = catalogs["catalog"].pk
    offer = catalogs["cloud_offer"].pk
    theirs = Catalog.dangerously_unscoped.get(organization=other_org).pk
    mallory = client_as("outsider")
    for path in (
        f"/catalogs/{mine}/",
        f"/catalogs/{mine}/cloud-gpu-offers/",
        f"/catalogs/{mine}/cloud-gpu-offers/{offer}/",
        f"/catalogs/{mine}/export/",
    ):
        assert mallory.get(MALLORY + path).status_code == 404, path
    assert (
        mallory.patch(f"{MALLORY}/catalogs/{mine}/cloud-gpu-offers/{offer}/", {}).status_code == 404
    )
    assert mallory.post(f"{MALLORY}/catalogs/{mine}/publish/").status_code == 404
    owner = client_as("owner")
    assert owner.get(f"{BASE}/catalogs/{theirs}/").status_code == 404
    assert owner.get(f"{BASE}/catalogs/{theirs}/api-offers/").status_code == 404
    assert owner.delete(f"{BASE}/catalogs/{theirs}/").status_code in (404, 405)
    assert Catalog.dangerously_unscoped.filter(pk__in=[mine, theirs], status="draft").count() == 2


def test_an_offer_of_another_catalog_is_not_found_through_this_one(client_as, catalogs):
    public_offer = CloudGpuOffer.dangerously_unscoped.get(catalog=catalogs["public_catalog"])
    url = f"{BASE}/catalogs/{catalogs['catalog'].pk}/cloud-gpu-offers/{public_offer.pk}/"
    assert client_as("owner").get(url).status_code == 404


def test_an_analyst_creates_a_draft_and_edits_its_offers(client_as, catalogs):
    client = client_as("analyst")
    body = {"name": "Colo deal", "version": "1", "currency": "EUR", "effective_date": "2026-03-01"}
    created = client.post(f"{BASE}/catalogs/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "draft" and created.json()["is_public"] is False
    url = f"{BASE}/catalogs/{created.json()['id']}/api-offers/"
    offer = {
        "provider": "AWS",
        "model_name": "Nova Pro",
        "currency": "EUR",
        "input_price": "0.7",
        "notes": "Quote 2026-117",
    }
    response = client.post(url, offer, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["prices"]["conversion"] is None  # already in the org's currency
    changed = client.patch(f"{url}{response.json()['id']}/", {"input_price": "0.65"}, format="json")
    assert changed.json()["input_price"] == "0.650000"
    assert client.delete(f"{url}{response.json()['id']}/").status_code == 204


def test_an_api_offer_takes_a_sourced_regional_uplift_and_refuses_one_out_of_range(
    client_as, catalogs
):
    """GIVEN a draft WHEN an analyst records Azure's EU Data Zone uplift of 10% with its source
    THEN it is stored; an uplift above 100% or without a source is refused naming the field."""
    client = client_as("analyst")
    url = f"{BASE}/catalogs/{catalogs['catalog'].pk}/api-offers/"
    offer = {
        "provider": "AWS",
        "model_name": "Nova Pro (eu)",
        "currency": "USD",
        "input_price": "0.8",
        "notes": "Quote 2026-118",
        "regional_uplift_pct": "10",
        "regional_uplift_source_url": "https://prices.azure.com/api/retail/prices",
        "regional_uplift_date": "2026-11-20",
    }
    response = client.post(url, offer, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["regional_uplift_pct"] == "10.00"
    for bad, field in (
        ({"regional_uplift_pct": "150"}, "regional_uplift_pct"),
        ({"regional_uplift_pct": "-1"}, "regional_uplift_pct"),
        ({"regional_uplift_source_url": ""}, "regional_uplift_source_url"),
    ):
        refused = client.post(url, {**offer, **bad}, format="json")
        assert refused.status_code == 400, bad
        assert field in [e["field"] for e in refused.json()["errors"]], refused.json()


def test_a_duplicate_version_and_a_zero_price_are_refused_with_the_field(client_as, catalogs):
    client = client_as("analyst")
    body = {"name": "Negotiated", "version": "1", "currency": "USD", "effective_date": "2026-01-01"}
    response = client.post(f"{BASE}/catalogs/", body, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["version"]
    url = f"{BASE}/catalogs/{catalogs['catalog'].pk}/server-offers/{catalogs['server_offer'].pk}/"
    response = client.patch(url, {"price": "0"}, format="json")
    assert response.status_code == 400
    assert "price" in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("path", OFFER_PATHS)
def test_public_catalogs_are_read_only(client_as, catalogs, path):
    public = catalogs["public_catalog"].pk
    client = client_as("owner")
    listed = client.get(f"{BASE}/catalogs/{public}/{path}/").json()["results"]
    url = f"{BASE}/catalogs/{public}/{path}/{listed[0]['id']}/"
    for response in (
        client.patch(url, {"notes": "Ours now"}, format="json"),
        client.delete(url),
        client.post(f"{BASE}/catalogs/{public}/{path}/", {}, format="json"),
    ):
        assert response.status_code == 403
        assert "read-only" in response.json()["detail"]
    assert client.post(f"{BASE}/catalogs/{public}/publish/").status_code == 403
    assert client.get(url).json()["notes"] == ""


@pytest.mark.parametrize("path", OFFER_PATHS)
def test_published_catalogs_are_frozen_with_409(client_as, org, catalogs, path):
    published, _ = private_published(org, label="Frozen ")
    client = client_as("owner")
    listed = client.get(f"{BASE}/catalogs/{published.pk}/{path}/").json()["results"]
    url = f"{BASE}/catalogs/{published.pk}/{path}/{listed[0]['id']}/"
    for response in (
        client.patch(url, {"notes": "Changed"}, format="json"),
        client.put(url, {"notes": "Changed"}, format="json"),
        client.delete(url),
        client.post(f"{BASE}/catalogs/{published.pk}/{path}/", {}, format="json"),
        client.post(f"{BASE}/catalogs/{published.pk}/publish/"),
    ):
        assert response.status_code == 409
        assert "create a new version" in response.json()["detail"]
    assert client.get(url).json()["notes"] == ""


def test_publish_then_a_new_version_copies_every_row_as_a_draft(client_as, catalogs):
    catalog = catalogs["catalog"]
    published = client_as("admin").post(f"{BASE}/catalogs/{catalog.pk}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    copy = client_as("analyst").post(
        f"{BASE}/catalogs/{catalog.pk}/versions/", {"version": "2"}, format="json"
    )
    assert copy.status_code == 201
    assert copy.json()["based_on"] == catalog.pk and copy.json()["status"] == "draft"
    assert ApiOffer.dangerously_unscoped.filter(catalog_id=copy.json()["id"]).count() == 1
    public = catalogs["public_catalog"].pk
    refused = client_as("owner").post(
        f"{BASE}/catalogs/{public}/versions/", {"version": "x"}, format="json"
    )
    assert refused.status_code == 403


def test_offer_lists_filter_and_search(client_as, org, catalogs):
    draft, _ = private_draft(org, name="Big", cloud=3)
    url = f"{BASE}/catalogs/{draft.pk}/cloud-gpu-offers/"
    client = client_as("viewer")
    assert client.get(url).json()["count"] == 3
    assert client.get(url, {"search": "p5-2"}).json()["count"] == 1
    assert client.get(url, {"provider": "aws", "gpu": "h100"}).json()["count"] == 3
    assert client.get(url, {"provider": "Nobody"}).json()["count"] == 0
    assert client.get(url, {"source_kind": "secondary"}).json()["count"] == 0


@pytest.mark.parametrize("path", OFFER_PATHS)
def test_offer_lists_take_the_same_queries_for_2_and_50_rows(client_as, org, catalogs, path):
    eur_usd_rate()  # every row is converted, one rate lookup per currency
    small, _ = private_draft(org, name="Small", cloud=2)
    large, _ = private_draft(org, name="Large", cloud=50)
    client = client_as("viewer")
    counts = []
    for catalog in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{BASE}/catalogs/{catalog.pk}/{path}/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with CaptureQueriesContext(connection) as queries:
        client.get(f"{BASE}/catalogs/")
    assert len(queries) < 10


def test_reference_data_is_readable(client_as, catalogs):
    client = client_as("viewer")
    assert client.get(f"{BASE}/providers/").json()["results"][0]["name"] == "AWS"
    gpus = {row["name"]: row for row in client.get(f"{BASE}/gpu-specs/").json()["results"]}
    assert gpus["H100 SXM 80GB"]["memory_gb"] == 80  # a measurement: a JSON number
    assert client.get(f"{BASE}/fx-rates/").json()["count"] == 0
