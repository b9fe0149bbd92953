"""Price feeds from the catalog pages: staff for the public catalog, admins for their own;
the draft's page shows the diff, and a large change needs a confirmation to publish."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from costing.models import Catalog, CatalogStatus, CloudGpuOffer, FeedImport, Provider
from portal.models import Role
from tests.costing.feeds.conftest import feed_bytes

NEBIUS = "skypilot-nebius-vms-gpu.csv"


def upload(client, org, catalog, data=None, source="skypilot-nebius"):
    return client.post(
        reverse("catalog-feed-import", args=[org.slug, catalog.pk]),
        {
            "source": source,
            "file": SimpleUploadedFile("vms.csv", data if data is not None else feed_bytes(NEBIUS)),
        },
    )


@pytest.fixture
def staff(org, make_member):
    user = make_member(org, Role.ADMIN, "stella")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_staff_import_a_feed_into_a_new_public_draft_and_see_its_diff(
    client_for, org, catalogs, staff
):
    public = catalogs["public_catalog"]
    response = upload(client_for(staff), org, public)
    draft = FeedImport.objects.get().catalog
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog-detail", args=[org.slug, draft.pk])
    assert draft.is_public and draft.status == CatalogStatus.DRAFT and draft.based_on == public
    rows = CloudGpuOffer.objects.in_catalog(draft).filter(source_row__startswith="skypilot-")
    assert rows.count() == 21
    page = client_for(staff).get(response["Location"]).content.decode()
    assert "Feed import: skypilot-nebius" in page
    assert "21 offers from the feed" in page and "21 added" in page
    assert "Import a price feed" in page and ">Publish</a>" in page


def test_googles_price_file_is_dated_by_the_day_it_was_built(client_for, org, catalogs, staff):
    from tests.costing.feeds.conftest import machine, pricing_file

    data = pricing_file({"g2-standard-4": machine("l4", 1)})
    response = upload(client_for(staff), org, catalogs["public_catalog"], data, "gcp-pricing")
    page = client_for(staff).get(response["Location"]).content.decode()
    assert "Feed import: gcp-pricing" in page
    assert "prices as of 30 Jul 2026" in page
    assert "1 offer from the feed" in page and "1 provider." in page
    draft = FeedImport.objects.get().catalog
    row = CloudGpuOffer.objects.in_catalog(draft).get(source_row__startswith="gcp-pricing:")
    assert (row.on_demand_per_hour, row.reserved_1y_per_hour) == (Decimal("10"), Decimal("7"))


def test_an_admin_who_is_not_staff_cannot_import_into_the_public_catalog(
    client_for, org, catalogs, admin_user
):
    response = upload(client_for(admin_user), org, catalogs["public_catalog"])
    assert response.status_code == 403
    assert not FeedImport.objects.exists()


def test_an_admin_imports_into_the_organizations_own_catalog(client_for, org, catalogs, admin_user):
    draft = catalogs["catalog"]
    response = upload(client_for(admin_user), org, draft)
    assert response.status_code == 302
    imported = FeedImport.objects.get()
    assert imported.catalog == draft  # a draft is imported into, not copied
    nebius = Provider.objects.for_organization(org).get(name="Nebius")
    assert nebius.organization == org  # unknown to this catalog's owner: its own, unknown
    assert nebius.us_cloud_act_exposure == "unknown"
    h100 = CloudGpuOffer.objects.in_catalog(draft).get(
        source_row="skypilot-nebius:gpu-h100-sxm_8gpu-128vcpu-1600gb@eu-north1"
    )
    assert h100.on_demand_per_hour == Decimal("23.6")


def test_a_bad_or_oversized_file_is_refused_with_the_reason(
    client_for, org, catalogs, admin_user, settings
):
    client = client_for(admin_user)
    bad = feed_bytes(NEBIUS).replace(b",23.60,", b",-23.60,")
    response = upload(client, org, catalogs["catalog"], bad)
    assert response.status_code == 200
    assert "Price: negative price" in response.content.decode()
    settings.SOVRA_FEED_MAX_BYTES = 1000
    response = upload(client, org, catalogs["catalog"])
    assert "above the 1,000 bytes" in response.content.decode()
    assert not FeedImport.objects.exists()


def test_a_flagged_public_draft_publishes_only_once_confirmed(
    client_for, org, catalogs, staff, settings
):
    client = client_for(staff)
    upload(client, org, catalogs["public_catalog"])
    first = FeedImport.objects.get().catalog
    client.post(reverse("catalog-publish", args=[org.slug, first.pk]))
    first.refresh_from_db()
    assert first.is_published
    settings.SOVRA_FEED_MAX_CHANGED_SHARE = 0.1
    doubled = feed_bytes(NEBIUS).replace(b",23.60,", b",47.20,").replace(b",2.95,", b",5.90,")
    doubled = doubled.replace(b",3.50,", b",7.00,").replace(b",1.25\r", b",2.50\r")
    upload(client, org, first, doubled)
    second = FeedImport.objects.order_by("-pk").first()
    assert second.flagged and second.compared_with == first
    publish = reverse("catalog-publish", args=[org.slug, second.catalog_id])
    assert "Review the diff" in client.get(publish).content.decode()
    refused = client.post(publish)
    assert refused["Location"] == publish
    assert Catalog.objects.public().get(pk=second.catalog_id).status == CatalogStatus.DRAFT
    client.post(publish, {"confirm_large_change": "on"})
    second.refresh_from_db()
    assert second.catalog.is_published and second.confirmed_by == staff


def test_the_admin_publish_action_leaves_a_flagged_draft_with_the_reason(
    client_for, org, catalogs, staff, settings
):
    from django.contrib.messages import get_messages

    settings.SOVRA_FEED_MAX_CHANGED_SHARE = 0.01
    client = client_for(staff)
    upload(client, org, catalogs["public_catalog"])
    first = FeedImport.objects.get().catalog
    client.post(reverse("catalog-publish", args=[org.slug, first.pk]))
    halved = feed_bytes(NEBIUS).replace(b",23.60,", b",11.80,")
    upload(client, org, first, halved)
    draft = FeedImport.objects.order_by("-pk").first().catalog
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    response = client.post(
        reverse("admin:costing_catalog_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == CatalogStatus.DRAFT
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("SOVRA_FEED_MAX_CHANGED_SHARE" in text for text in texts)
