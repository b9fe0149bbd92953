"""Oversized bodies are refused by their Content-Length: 413 before any byte is read or stored."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.urls import reverse

from portal.models import WorkloadImport

CSV = b"external_id,name,kind\nWL-1,X,chat\n"


@pytest.fixture
def small_limit(settings):
    settings.SOVRA_UPLOAD_MAX_BYTES = 4096


def signed_in(client, user):
    client.force_login(user)
    return client


def _never_parsed():
    return mock.patch.object(
        MultiPartParser, "parse", side_effect=AssertionError("the body was read")
    )


def test_web_upload_over_the_limit_is_413_and_never_parsed_or_stored(
    client, org, analyst, small_limit
):
    """GIVEN a 4 KB limit WHEN a 10 KB file is posted THEN 413 naming both sizes, the
    multipart body is never parsed (no temporary file), and nothing is staged."""
    upload = SimpleUploadedFile("big.csv", CSV + b"WL-2,Y,chat\n" * 900, content_type="text/csv")
    with _never_parsed():
        response = signed_in(client, analyst).post(
            reverse("import-upload", args=[org.slug]), {"file": upload}
        )
    assert response.status_code == 413
    assert response["Connection"] == "close"
    text = response.content.decode()
    assert "File too large" in text
    assert "the limit is 4 KB" in text
    assert not WorkloadImport.objects.for_organization(org).exists()


def test_api_body_over_the_limit_is_413_json_in_the_api_error_shape(
    api_as, org, analyst, small_limit
):
    rows = [{"external_id": f"WL-{n}", "name": "X", "kind": "chat"} for n in range(200)]
    with _never_parsed():
        response = api_as(analyst).post(
            reverse("api:workload-bulk-upsert", args=[org.slug]), {"rows": rows}, format="json"
        )
    assert response.status_code == 413
    body = response.json()
    assert body["detail"].startswith("The upload is ")
    assert "the limit is 4 KB" in body["detail"]
    assert body["errors"][0]["code"] == "too_large"


def test_upload_under_the_limit_goes_through(client, org, analyst, small_limit):
    upload = SimpleUploadedFile("small.csv", CSV, content_type="text/csv")
    response = signed_in(client, analyst).post(
        reverse("import-upload", args=[org.slug]), {"file": upload}
    )
    assert response.status_code == 302
    assert WorkloadImport.objects.for_organization(org).count() == 1


def test_default_limit_leaves_room_for_the_largest_import_file():
    assert django_settings.SOVRA_UPLOAD_MAX_BYTES > django_settings.SOVRA_IMPORT_MAX_BYTES
