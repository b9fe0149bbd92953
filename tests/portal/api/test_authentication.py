"""Personal tokens for integrations, sessions with CSRF for browsers."""

from __future__ import annotations

from datetime import timedelta

from django.middleware.csrf import _get_new_csrf_string
from django.utils import timezone
from rest_framework.test import APIClient

from portal.api import pagination
from portal.api.authentication import LAST_USED_RESOLUTION
from portal.models import ApiToken, Workload
from portal.services.tokens import api_token_revoke
from tests.factories import WorkloadFactory

URL = "/api/v1/orgs/alice-media/workloads/"
NEW = {"external_id": "CSRF-1", "name": "Via browser", "kind": "training"}


def test_a_valid_token_acts_with_its_users_role(token_client, org, analyst, viewer):
    WorkloadFactory(organization=org, external_id="W-1", name="Visible")
    client, secret = token_client(analyst)
    assert secret.startswith("sovra_")
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json()["results"][0]["name"] == "Visible"
    assert client.post(URL, NEW, format="json").status_code == 201  # no CSRF for tokens

    viewer_client, _ = token_client(viewer)
    assert viewer_client.get(URL).status_code == 200
    assert viewer_client.post(URL, {**NEW, "external_id": "V"}, format="json").status_code == 403


def test_the_token_records_its_last_use(token_client, org, analyst):
    client, _ = token_client(analyst)
    token = ApiToken.objects.get(user=analyst)
    assert token.last_used_at is None
    client.get(URL)
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    assert timezone.now() - first_use < timedelta(seconds=30)

    client.get(URL)  # within the resolution: no second write
    token.refresh_from_db()
    assert token.last_used_at == first_use

    earlier = timezone.now() - LAST_USED_RESOLUTION * 2
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    client.get(URL)
    token.refresh_from_db()
    assert token.last_used_at > earlier + LAST_USED_RESOLUTION


def test_an_expired_token_is_401(token_client, org, analyst):
    client, _ = token_client(analyst, expires_in_days=1)
    ApiToken.objects.filter(user=analyst).update(expiry=timezone.now() - timedelta(minutes=1))
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token.", "errors": []}
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_token_is_401(token_client, org, analyst):
    client, _ = token_client(analyst)
    assert client.get(URL).status_code == 200
    token = ApiToken.objects.get(user=analyst)
    assert api_token_revoke(user=analyst, token_key=token.token_key)
    assert client.get(URL).status_code == 401


def test_unknown_and_malformed_tokens_are_401(org, analyst):
    client = APIClient()
    for header in ("Token sovra_notarealtoken", "Token", "Token a b"):
        client.credentials(HTTP_AUTHORIZATION=header)
        assert client.get(URL).status_code == 401, header


def test_a_token_does_not_open_another_organization(token_client, org, outsider):
    client, _ = token_client(outsider)
    assert client.get(URL).status_code == 404
    assert client.get("/api/v1/orgs/mallory-bank/workloads/").status_code == 200


def test_token_list_pages_stay_within_five_queries(
    token_client, org, analyst, django_assert_max_num_queries, monkeypatch
):
    """token, membership, count, page ids, rows: even far pages (deferred join) take five."""
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_MIN_OFFSET", 0)
    WorkloadFactory.create_batch(5, organization=org)
    client, _ = token_client(analyst)
    client.get(URL)  # first use writes last_used_at once
    with django_assert_max_num_queries(5):
        response = client.get(URL + "?page_size=2&page=3")
    assert response.json()["count"] == 5
    assert len(response.json()["results"]) == 1


def _session_client(user) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_session_reads_need_no_csrf_token(org, analyst):
    assert _session_client(analyst).get(URL).status_code == 200


def test_session_writes_need_the_csrf_token(org, analyst):
    client = _session_client(analyst)
    response = client.post(URL, NEW, format="json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")
    assert response.json()["errors"] == []
    assert not Workload.objects.for_organization(org).exists()

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    response = client.post(URL, NEW, format="json", HTTP_X_CSRFTOKEN=secret)
    assert response.status_code == 201, response.content
    assert Workload.objects.for_organization(org).get().name == "Via browser"


def test_session_bulk_upsert_needs_the_csrf_token(org, analyst):
    client = _session_client(analyst)
    url = URL + "bulk-upsert/"
    assert client.post(url, [NEW], format="json").status_code == 403
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    assert client.post(url, [NEW], format="json", HTTP_X_CSRFTOKEN=secret).status_code == 200
