"""End to end with the real parts: the API starts a run, a real Celery worker on the real Redis
computes it against the real PostgreSQL, and the report arrives by SMTP on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager, suppress
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import kombu.pools
import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from assessments.models import Assessment, AssessmentRun, RunStatus
from assessments.services.assessments import assessment_save
from assessments.services.runs import assessment_run_start
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


@contextmanager
def _using_broker(broker: str):
    """This process publishes to ``broker`` on a queue of its own, so that no other worker on
    the machine takes its tasks; the process's own settings and pools are put back after."""
    name = f"sovra-test-{uuid.uuid4().hex[:8]}"
    keys = ("task_always_eager", "broker_url", "task_default_queue", "task_publish_retry")
    saved = {k: celery_app.conf[k] for k in keys}
    pools = (celery_app._pool, celery_app.amqp._producer_pool)
    # Fresh connection and producer pools for Redis; the process's own pools are put back after.
    celery_app._pool, celery_app.amqp._producer_pool = None, None
    celery_app.conf.update(task_always_eager=False, broker_url=broker, task_default_queue=name)
    try:
        yield name
    finally:
        for pool in (celery_app.amqp._producer_pool, celery_app._pool):
            if pool is not None:
                pool.force_close_all()
        # kombu keeps pools per broker for the whole process: drop the closed ones, or the next
        # test with this broker would be handed them.
        with celery_app.connection_for_write() as redis:
            for group in (kombu.pools.producers, kombu.pools.connections):
                with suppress(KeyError):
                    del group[redis]
        celery_app.conf.update(saved)
        celery_app._pool, celery_app.amqp._producer_pool = pools


@pytest.fixture
def queue():
    with _using_broker(REDIS) as name:
        yield name


@contextmanager
def _worker_process(queue, smtp_port, tmp_path, *pool, broker: str = REDIS):
    log = (tmp_path / "worker.log").open("wb")
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.base",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", *pool, "-Q", queue,
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


@pytest.fixture
def worker(queue, inbox, tmp_path):
    with _worker_process(queue, inbox[1], tmp_path, "-P", "solo") as process:
        yield process


@pytest.fixture
def prefork_worker(queue, inbox, tmp_path):
    """One pool process under a parent that notices when it dies, as in production."""
    with _worker_process(queue, inbox[1], tmp_path, "-P", "prefork", "-c", "1") as process:
        yield process


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


def test_a_run_that_kills_its_worker_fails_once_with_the_reason(demo, prefork_worker):
    """GIVEN a run whose pool process dies mid-run every time (the kernel's OOM killer, here
    SIGKILL) WHEN the parent gives the task back to Redis (reject_on_worker_lost) THEN the run is
    started SOVRA_RUN_MAX_ATTEMPTS times and then failed with the reason, not redelivered for
    ever."""
    from django.conf import settings

    assessment = assessment_save(
        organization=demo, assessment=Assessment(name="Kills its worker", monte_carlo_samples=200)
    )
    run = assessment_run_start(assessment=assessment, requested_by=None)
    runs = AssessmentRun.objects.for_organization(demo)
    started = time.monotonic()
    for attempt in range(1, settings.SOVRA_RUN_MAX_ATTEMPTS + 1):
        _wait(
            lambda attempt=attempt: runs.filter(pk=run.pk, attempts=attempt).exists(),
            60,
            f"start {attempt}",
            prefork_worker,
        )
        (child,) = _children(prefork_worker.pid)
        os.kill(child, signal.SIGKILL)

    def finished():
        found = runs.get(pk=run.pk)
        return found if found.finished else None

    failed = _wait(finished, 60, "the run to fail", prefork_worker)
    assert failed.status == RunStatus.FAILED
    assert failed.attempts == settings.SOVRA_RUN_MAX_ATTEMPTS
    assert failed.error.startswith(
        f"Stopped after {settings.SOVRA_RUN_MAX_ATTEMPTS} attempts: the worker ran out of memory"
    )
    time.sleep(2)  # nothing starts it again
    assert runs.get(pk=run.pk).attempts == settings.SOVRA_RUN_MAX_ATTEMPTS
    print(f"{failed.attempts} killed starts to a failed run: {time.monotonic() - started:.1f} s")


def _children(pid: int) -> list[int]:
    output = subprocess.run(
        ["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True, check=True
    ).stdout
    return [int(line) for line in output.split()]


class PrivateRedis:
    """A Redis of the test's own on a free port, started and stopped at will (it keeps nothing
    on disk, as the machine's own does not: a restart loses every queued message)."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        pytest.fail("the private Redis did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    try:
        yield server
    finally:
        server.stop()


def test_a_run_started_while_the_broker_is_down_finishes_once_when_it_is_back(
    demo, api_as, inbox, private_redis, tmp_path
):
    """GIVEN the broker down WHEN a run is started through the API THEN the request answers
    202 (the run is stored, not a 500), and once the broker is back the outbox sweeper queues
    it: the run finishes once, with one PDF and one e-mail."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from assessments.models import ReportEmail, RunReport
    from assessments.services.outbox import outbox_sweep

    handler, smtp_port = inbox
    owner = demo.memberships.get(role="owner").user
    assessment = assessment_save(
        organization=demo,
        assessment=Assessment(
            name="Broker outage", monte_carlo_samples=200, recipients=["cfo@northlight.example"]
        ),
    )
    with _using_broker(private_redis.url) as queue:
        celery_app.conf.update(task_publish_retry=False)  # fail at once, not after a backoff
        response = api_as(owner).post(f"/api/v1/orgs/{demo.slug}/assessments/{assessment.pk}/runs/")
        assert response.status_code == 202, response.content
        runs = AssessmentRun.objects.for_organization(demo)
        run = runs.get(pk=response.json()["id"])
        assert (run.status, run.task_id) == (RunStatus.QUEUED, "")
        # Before its wait is over, the sweeper leaves it alone.
        assert outbox_sweep()["runs"] == 0

        private_redis.start()
        later = timezone.now() + timedelta(seconds=settings.SOVRA_OUTBOX_RETRY_SECONDS + 1)
        with _worker_process(
            queue, smtp_port, tmp_path, "-P", "solo", broker=private_redis.url
        ) as worker:
            assert outbox_sweep(now=later)["runs"] == 1
            finished = _wait(
                lambda: runs.filter(pk=run.pk, status=RunStatus.SUCCEEDED).first(),
                180,
                "the run to finish",
                worker,
            )
            _wait(lambda: handler.messages[:1], 60, "the report email", worker)
            # A second nudge, as the next minute's sweep would give, changes nothing.
            outbox_sweep(now=later)
            time.sleep(3)
    assert finished.attempts == 1
    assert RunReport.objects.for_organization(demo).filter(run=run).count() == 1
    emails = ReportEmail.objects.for_organization(demo).filter(run=run)
    assert [e.status for e in emails] == ["sent"]
    assert len(handler.messages) == 1
