"""API rate limits: per token and per user, 429 with Retry-After, counted in the cache."""

from __future__ import annotations

import time

from rest_framework.test import APIClient

from portal.api.throttles import PerTokenRateThrottle, PerUserRateThrottle

URL = "/api/v1/orgs/alice-media/workloads/"


def statuses(client: APIClient, times: int) -> list[int]:
    return [client.get(URL).status_code for _ in range(times)]


def test_each_token_has_its_own_rate(settings, token_client, analyst):
    """GIVEN 3 requests a minute per token WHEN one token sends a 4th THEN 429 with Retry-After
    and the error shape; the same user's other token is unaffected."""
    settings.SOVRA_API_THROTTLE_RATES = {"user": None, "token": "3/minute"}
    first, _ = token_client(analyst)
    second, _ = token_client(analyst)
    assert statuses(first, 3) == [200, 200, 200]
    refused = first.get(URL)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("Request was throttled.")
    assert refused.json()["errors"] == []
    assert second.get(URL).status_code == 200


def test_a_users_tokens_and_session_share_the_users_rate(
    settings, token_client, api_as, analyst, make_member, org
):
    settings.SOVRA_API_THROTTLE_RATES = {"user": "4/minute", "token": None}
    first, _ = token_client(analyst)
    second, _ = token_client(analyst)
    assert statuses(first, 2) + statuses(second, 2) == [200] * 4
    assert second.get(URL).status_code == 429
    session = APIClient()
    session.force_login(analyst)
    assert session.get(URL).status_code == 429
    colleague, _ = token_client(make_member(org, "analyst", "carol"))
    assert colleague.get(URL).status_code == 200


def test_the_rate_frees_up_as_time_passes(settings, token_client, analyst, monkeypatch):
    settings.SOVRA_API_THROTTLE_RATES = {"user": "2/minute", "token": "2/minute"}
    client, _ = token_client(analyst)
    assert statuses(client, 3) == [200, 200, 429]
    later = time.time() + 61
    for throttle in (PerUserRateThrottle, PerTokenRateThrottle):
        monkeypatch.setattr(throttle, "timer", lambda _self: later)
    assert client.get(URL).status_code == 200


def test_no_rate_means_no_limit(settings, token_client, analyst):
    settings.SOVRA_API_THROTTLE_RATES = {"user": None, "token": None}
    client, _ = token_client(analyst)
    assert set(statuses(client, 20)) == {200}
