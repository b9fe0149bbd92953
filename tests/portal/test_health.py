"""/healthz and /readyz: what a load balancer learns, and nothing more."""

from __future__ import annotations

import importlib.metadata
import json
import socket
import time

import django
import pytest
from django.test import Client

from tests.assessments.live import PrivateRedis, free_port, using_broker, wait, worker_process


def _states(status: str, database: str, broker: str, worker: str) -> dict:
    """The whole body /readyz may answer."""
    return {"status": status, "checks": {"database": database, "broker": broker, "worker": worker}}


def _probe(path: str, **headers):
    started = time.monotonic()
    response = Client(**headers).get(path)
    return response, time.monotonic() - started


def test_healthz_answers_ok_and_reveals_nothing_else():
    response, _ = _probe("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    for secret in (
        importlib.metadata.version("sovra"),
        django.get_version(),
        socket.gethostname(),
        "sovra",
        "django",
        "python",
    ):
        assert secret.lower() not in body.lower()
    # No session or CSRF cookie, no request id: nothing but the answer.
    assert not response.cookies
    assert "X-Request-ID" not in response


def test_probes_answer_by_address_over_plain_http(settings):
    """GIVEN a deployment behind a TLS proxy, with only its public name allowed WHEN a load
    balancer probes the container's address over HTTP THEN it gets the answer, not a 400 for
    the Host or a redirect to HTTPS."""
    settings.ALLOWED_HOSTS = ["sovra.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    response, _ = _probe("/healthz", HTTP_HOST="10.0.3.7:8000")
    assert response.status_code == 200
    assert Client(HTTP_HOST="10.0.3.7:8000").get("/login/").status_code == 400


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_take_only_get_and_head(path, db):
    client = Client()
    assert client.head(path).status_code == 200
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(path).status_code == 405


def test_readyz_in_the_embedded_default_checks_the_database_and_runs_tasks_in_process(db):
    response, _ = _probe("/readyz")
    assert response.status_code == 200
    assert response.json() == _states("ok", "ok", "in-process", "in-process")


def test_readyz_fails_within_a_second_or_so_when_the_broker_is_dead(db):
    """GIVEN the broker on a port where nothing listens WHEN /readyz is asked THEN 503, the
    broker and the worker failing, the database ok, and not a word of the error."""
    port = free_port()
    with using_broker(f"redis://127.0.0.1:{port}/0"):
        response, seconds = _probe("/readyz")
    assert response.status_code == 503
    assert response.json() == _states("failing", "ok", "failing", "failing")
    assert seconds < 2.5
    assert str(port) not in response.content.decode()


@pytest.mark.live
def test_readyz_is_ok_once_a_real_worker_answers(db, tmp_path):
    """GIVEN PostgreSQL, a Redis of the test's own (no other test's worker answers on it) and a
    real Celery worker process WHEN /readyz is asked THEN every check is ok, each within the
    second it is given; before the worker started, only the worker check failed."""
    redis = PrivateRedis()
    redis.start()
    try:
        with using_broker(redis.url) as queue:
            before, _ = _probe("/readyz")
            with worker_process(queue, 0, tmp_path, "-P", "solo", broker=redis.url) as worker:
                response = wait(
                    lambda: (answer := _probe("/readyz")[0]).status_code == 200 and answer,
                    30,
                    "the worker to answer /readyz",
                    worker,
                )
                _, seconds = _probe("/readyz")
    finally:
        redis.stop()
    assert json.loads(response.content) == _states("ok", "ok", "ok", "ok")
    assert seconds < 1.5
    assert before.status_code == 503
    assert before.json() == _states("failing", "ok", "ok", "failing")
