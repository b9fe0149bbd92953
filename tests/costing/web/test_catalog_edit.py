"""Editing through the pages: drafts by analysts, publishing by admins, imports previewed first,
published and public catalogs unchanged."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from costing.models import Catalog, CatalogStatus, CloudGpuOffer, ServerOffer
from tests.costing.catalog_data import private_published

ORG = "alice-media"


def test_an_analyst_creates_a_draft_and_adds_an_offer(client_for, analyst, catalogs):
    client = client_for(analyst)
    response = client.post(
        reverse("catalog-create", args=[ORG]),
        {"name": "Colo", "version": "1", "currency": "EUR", "effective_date": "2026-02-01"},
    )
    catalog = Catalog.objects.for_organization(catalogs["catalog"].organization).get(name="Colo")
    assert response.status_code == 302 and catalog.status == CatalogStatus.DRAFT
    url = reverse("offer-create-server", args=[ORG, catalog.pk])
    bad = client.post(url, {"system": "HGX", "currency": "EUR", "price": "0", "price_kind": "list"})
    assert bad.status_code == 200
    assert "Must be above 0" in bad.content.decode()
    good = client.post(
        url,
        {"system": "HGX", "currency": "EUR", "price": "250000", "price_kind": "list",
         "source_url": "https://example.org/quote"},
    )  # fmt: skip
    assert good.status_code == 302
    assert ServerOffer.dangerously_unscoped.get(catalog=catalog).price == 250000


def test_edit_and_delete_an_offer_of_a_draft(client_for, analyst, catalogs):
    client = client_for(analyst)
    offer = catalogs["server_offer"]
    form = client.get(reverse("offer-update-server", args=[ORG, offer.pk]))
    assert form.status_code == 200
    data = {"system": "Alice DGX", "currency": "USD", "price": "290000", "price_kind": "street",
            "source_url": "https://example.org/prices", "date": "2026-01-01"}  # fmt: skip
    response = client.post(reverse("offer-update-server", args=[ORG, offer.pk]), data)
    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.price, offer.price_kind) == (290000, "street")
    client.post(reverse("offer-delete-server", args=[ORG, offer.pk]))
    assert not ServerOffer.dangerously_unscoped.filter(pk=offer.pk).exists()


def test_published_and_public_catalogs_cannot_be_changed_from_the_pages(
    client_for, owner, org, catalogs
):
    client = client_for(owner)
    _published, rows = private_published(org, label="Frozen ")
    offer = rows["cloud_gpu"]
    response = client.post(
        reverse("offer-update-cloud-gpu", args=[ORG, offer.pk]), {"instance": "changed"}
    )
    assert response.status_code == 302
    follow = client.get(response["Location"]).content.decode()
    assert "is published and cannot change" in follow
    client.post(reverse("offer-delete-cloud-gpu", args=[ORG, offer.pk]))
    assert CloudGpuOffer.dangerously_unscoped.get(pk=offer.pk).instance == "Frozen p5-0"
    public_offer = CloudGpuOffer.dangerously_unscoped.get(catalog=catalogs["public_catalog"])
    refused = client.post(reverse("offer-delete-cloud-gpu", args=[ORG, public_offer.pk]))
    assert refused.status_code == 403
    assert CloudGpuOffer.dangerously_unscoped.filter(pk=public_offer.pk).exists()


def test_an_admin_publishes_a_draft(client_for, admin_user, catalogs):
    catalog = catalogs["catalog"]
    client = client_for(admin_user)
    assert (
        "Publish" in client.get(reverse("catalog-publish", args=[ORG, catalog.pk])).content.decode()
    )
    client.post(reverse("catalog-publish", args=[ORG, catalog.pk]))
    catalog.refresh_from_db()
    assert catalog.status == CatalogStatus.PUBLISHED


def test_a_new_version_is_a_draft_copy(client_for, analyst, catalogs):
    catalog = catalogs["catalog"]
    response = client_for(analyst).post(
        reverse("catalog-version", args=[ORG, catalog.pk]), {"version": "2"}
    )
    assert response.status_code == 302
    copy = Catalog.dangerously_unscoped.get(based_on=catalog)
    assert copy.version == "2" and copy.status == CatalogStatus.DRAFT


def test_import_previews_every_bad_row_and_writes_nothing(client_for, analyst, catalogs):
    catalog = catalogs["catalog"]
    client = client_for(analyst)
    text = (
        "system,currency,price,price_kind,source_url\n"
        "Good,USD,1000,list,https://e.org\n"
        "Bad,USD,-5,list,https://e.org\n"
        "Worse,usd,7,list,\n"
    )
    upload = SimpleUploadedFile("servers.csv", text.encode(), content_type="text/csv")
    url = reverse("catalog-import", args=[ORG, catalog.pk])
    html = client.post(url, {"file": upload, "kind": "server"}).content.decode()
    assert "cannot be imported" in html
    assert "<code>price</code>" in html and "<code>currency</code>" in html
    assert ">2</td>" in html and ">3</td>" in html
    assert list(
        ServerOffer.dangerously_unscoped.filter(catalog=catalog).values_list("system", flat=True)
    ) == ["Alice DGX"]


def test_import_preview_then_confirm_writes_the_rows(client_for, analyst, catalogs):
    catalog = catalogs["catalog"]
    client = client_for(analyst)
    text = "system,currency,price,price_kind,source_url\nNew box,USD,1000,list,https://e.org\n"
    upload = SimpleUploadedFile("servers.csv", text.encode(), content_type="text/csv")
    url = reverse("catalog-import", args=[ORG, catalog.pk])
    html = client.post(url, {"file": upload, "kind": "server"}).content.decode()
    assert "Every row is good" in html and "Confirm import" in html
    assert ServerOffer.dangerously_unscoped.filter(catalog=catalog, system="New box").count() == 0
    response = client.post(url, {"content": text, "name": "servers.csv", "kind": "server"})
    assert response.status_code == 302
    systems = ServerOffer.dangerously_unscoped.filter(catalog=catalog).values_list(
        "system", flat=True
    )
    assert list(systems) == ["New box"]


def test_a_json_export_imports_into_another_draft_after_its_preview(
    client_for, analyst, org, catalogs
):
    client = client_for(analyst)
    source = catalogs["catalog"]
    exported = client.get(reverse("catalog-export-json", args=[ORG, source.pk])).content
    target = client.post(
        reverse("catalog-create", args=[ORG]),
        {"name": "Copy", "version": "1", "currency": "USD", "effective_date": "2026-02-01"},
    )
    target_pk = int(target["Location"].rstrip("/").split("/")[-1])
    url = reverse("catalog-import", args=[ORG, target_pk])
    upload = SimpleUploadedFile("catalog.json", exported, content_type="application/json")
    html = client.post(url, {"file": upload}).content.decode()
    assert "Every row is good" in html and "(JSON)" in html
    client.post(url, {"content": exported.decode(), "name": "catalog.json", "kind": ""})
    copied = CloudGpuOffer.dangerously_unscoped.filter(catalog_id=target_pk)
    assert [offer.instance for offer in copied] == ["Alice p5-0"]


def test_public_catalogs_offer_no_edit_pages(client_for, owner, catalogs):
    public = catalogs["public_catalog"]
    client = client_for(owner)
    assert client.get(reverse("offer-create-api", args=[ORG, public.pk])).status_code == 403
    assert client.get(reverse("catalog-import", args=[ORG, public.pk])).status_code == 403
    html = client.get(reverse("catalog-detail", args=[ORG, public.pk])).content.decode()
    assert "Edit</a>" not in html and "Publish</a>" not in html


def test_viewers_see_no_edit_links(client_for, viewer, catalogs):
    url = reverse("catalog-detail", args=[ORG, catalogs["catalog"].pk])
    html = client_for(viewer).get(url).content.decode()
    assert "Edit</a>" not in html and "Import</a>" not in html
