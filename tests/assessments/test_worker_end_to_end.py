"""End to end with the real parts: the API starts a run, a real Celery worker on the real Redis
computes it against the real PostgreSQL, and the report arrives by SMTP on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from assessments.models import Assessment, AssessmentRun, RunStatus
from assessments.services.assessments import assessment_save
from portal.celery import app as celery_app

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox():
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def queue():
    """A queue of this test's own, so that no other worker on the machine takes its tasks."""
    name = f"sovra-test-{uuid.uuid4().hex[:8]}"
    saved = {
        k: celery_app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")
    }
    pools = (celery_app._pool, celery_app.amqp._producer_pool)
    # Fresh connection and producer pools for Redis; the process's own pools are put back after.
    celery_app._pool, celery_app.amqp._producer_pool = None, None
    celery_app.conf.update(task_always_eager=False, broker_url=REDIS, task_default_queue=name)
    try:
        yield name
    finally:
        for pool in (celery_app.amqp._producer_pool, celery_app._pool):
            if pool is not None:
                pool.force_close_all()
        celery_app.conf.update(saved)
        celery_app._pool, celery_app.amqp._producer_pool = pools


@pytest.fixture
def worker(queue, inbox, tmp_path):
    _, smtp_port = inbox
    log = (tmp_path / "worker.log").open("wb")
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.base",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        "CELERY_BROKER_URL": REDIS,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-P", "solo", "-Q", queue,
         "-l", "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    process.log_path = tmp_path / "worker.log"
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait(predicate, seconds: float, what: str, process):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if process.poll() is not None:
            output = process.log_path.read_text(errors="replace")[-3000:]
            pytest.fail(f"the worker exited while waiting for {what}:\n{output}")
        time.sleep(0.2)
    pytest.fail(f"timed out after {seconds} s waiting for {what}")


def test_api_run_on_a_real_worker_emails_the_pdf(demo, api_as, inbox, worker):
    handler, _ = inbox
    owner = demo.memberships.get(role="owner").user
    assessment = assessment_save(
        organization=demo,
        assessment=Assessment(
            name="Live worker check",
            monte_carlo_samples=200,
            recipients=["board@northlight.example.org"],
        ),
    )
    client = api_as(owner)
    started = time.monotonic()
    response = client.post(f"/api/v1/orgs/{demo.slug}/assessments/{assessment.pk}/runs/")
    assert response.status_code == 202, response.content
    assert response["Location"].endswith(f"/runs/{response.json()['id']}/")
    run_id = response.json()["id"]

    def finished():
        run = AssessmentRun.objects.for_organization(demo).filter(pk=run_id).first()
        return run if run and run.finished else None

    run = _wait(finished, 180, "the run to finish", worker)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.attempts == 1 and run.task_id

    message = _wait(lambda: handler.messages[:1], 60, "the report email", worker)[0]
    seconds = time.monotonic() - started
    assert message["To"] == "board@northlight.example.org"
    assert "Live worker check" in message["Subject"]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content()[:5] == b"%PDF-"
    status = client.get(f"/api/v1/orgs/{demo.slug}/runs/{run_id}/").json()
    assert status["status"] == "succeeded" and status["progress_pct"] == 100
    print(f"API call to email received: {seconds:.1f} s")
