"""API rate limits: per token and per user, 429 with Retry-After, counted in the cache."""

from __future__ import annotations

import threading
import time
import uuid
from types import SimpleNamespace

from django.core.cache import cache, caches
from rest_framework.test import APIClient

from portal.api.throttles import ApiRateThrottle
from portal.cache import RedisCache, counters_add_one
from portal.models import ApiToken

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
    monkeypatch.setattr(ApiRateThrottle, "timer", lambda _self: later)
    assert client.get(URL).status_code == 200


def test_no_rate_means_no_limit(settings, token_client, analyst):
    settings.SOVRA_API_THROTTLE_RATES = {"user": None, "token": None}
    client, _ = token_client(analyst)
    assert set(statuses(client, 20)) == {200}


def _counted(token_pk: int, period: int = 60) -> int:
    """What the per-token counter holds now (both windows, should the test straddle two)."""
    window = int(time.time() // period)
    keys = [f"sovra-throttle:token:{token_pk}:{period}:{w}" for w in (window - 1, window)]
    return sum(cache.get(key, 0) for key in keys)


def test_a_rate_is_counted_in_one_number_however_many_requests(settings, token_client, analyst):
    """DRF's throttles stored every request's time, read and written whole on each request."""
    settings.SOVRA_API_THROTTLE_RATES = {"user": None, "token": "1000/minute"}
    client, _ = token_client(analyst)
    assert set(statuses(client, 30)) == {200}
    token = ApiToken.objects.get(user=analyst)
    assert _counted(token.pk) == 30


def test_requests_at_the_same_time_are_each_counted(settings, analyst):
    """A read-then-write count lets simultaneous requests overwrite each other's count."""
    settings.SOVRA_API_THROTTLE_RATES = {"user": "100/minute", "token": None}
    request = SimpleNamespace(user=analyst, auth=None)
    start = threading.Barrier(8)
    allowed = []

    def send():
        start.wait()
        for _ in range(25):
            allowed.append(ApiRateThrottle().allow_request(request, None))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 100 and allowed.count(False) == 100


def test_the_shared_redis_cache_counts_in_one_round_trip_and_refuses_with_retry_after(
    settings, token_client, analyst, monkeypatch
):
    """The production cache (portal.cache.RedisCache on a real Redis): one client per pool."""
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"throttle-test-{uuid.uuid4().hex}",
        }
    }
    settings.SOVRA_API_THROTTLE_RATES = {"user": "100/minute", "token": "3/minute"}
    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    redis_client = backend._cache.get_client("k")
    assert backend._cache.get_client("k") is redis_client
    # Both counters by one pipeline a request: no command of its own through the client, where
    # the generic path (add, then incr: EXISTS and INCR) would send three per counter.
    commands, pipelines = [], []
    send, pipeline = redis_client.execute_command, redis_client.pipeline
    monkeypatch.setattr(
        redis_client, "execute_command", lambda *a, **k: commands.append(a[0]) or send(*a, **k)
    )
    monkeypatch.setattr(
        redis_client, "pipeline", lambda *a, **k: pipelines.append(1) or pipeline(*a, **k)
    )
    client, _ = token_client(analyst)
    assert statuses(client, 3) == [200, 200, 200]
    refused = client.get(URL)
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    assert commands == [] and len(pipelines) == 4
    assert _counted(ApiToken.objects.get(user=analyst).pk) == 4
    assert counters_add_one(backend, {"a": 5, "b": 5}) == {"a": 1, "b": 1}
    assert counters_add_one(backend, {"a": 5}) == {"a": 2}  # every key expires by itself
