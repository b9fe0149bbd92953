"""End to end with the real parts: the API starts a run, a real Celery worker on the real Redis
computes it against the real PostgreSQL, and the report arrives by SMTP on loopback."""

from __future__ import annotations

import os
import signal
import time

import pytest

from assessments.models import Assessment, AssessmentRun, RunStatus
from assessments.services.assessments import assessment_save
from assessments.services.run_start import assessment_run_start
from portal.celery import app as celery_app
from tests.assessments.live import children, using_broker, wait, worker_process

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


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

    run = wait(finished, 180, "the run to finish", worker)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.attempts == 1 and run.task_id

    message = wait(lambda: handler.messages[:1], 60, "the report email", worker)[0]
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
        wait(
            lambda attempt=attempt: runs.filter(pk=run.pk, attempts=attempt).exists(),
            60,
            f"start {attempt}",
            prefork_worker,
        )
        (child,) = children(prefork_worker.pid)
        os.kill(child, signal.SIGKILL)

    def finished():
        found = runs.get(pk=run.pk)
        return found if found.finished else None

    failed = wait(finished, 60, "the run to fail", prefork_worker)
    assert failed.status == RunStatus.FAILED
    assert failed.attempts == settings.SOVRA_RUN_MAX_ATTEMPTS
    assert failed.error.startswith(
        f"Stopped after {settings.SOVRA_RUN_MAX_ATTEMPTS} attempts: the worker ran out of memory"
    )
    time.sleep(2)  # nothing starts it again
    assert runs.get(pk=run.pk).attempts == settings.SOVRA_RUN_MAX_ATTEMPTS
    print(f"{failed.attempts} killed starts to a failed run: {time.monotonic() - started:.1f} s")


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
    with using_broker(private_redis.url) as queue:
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
        with worker_process(
            queue, smtp_port, tmp_path, "-P", "solo", broker=private_redis.url
        ) as worker:
            assert outbox_sweep(now=later)["runs"] == 1
            finished = wait(
                lambda: runs.filter(pk=run.pk, status=RunStatus.SUCCEEDED).first(),
                180,
                "the run to finish",
                worker,
            )
            wait(lambda: handler.messages[:1], 60, "the report email", worker)
            # A second nudge, as the next minute's sweep would give, changes nothing.
            outbox_sweep(now=later)
            time.sleep(3)
    assert finished.attempts == 1
    assert RunReport.objects.for_organization(demo).filter(run=run).count() == 1
    emails = ReportEmail.objects.for_organization(demo).filter(run=run)
    assert [e.status for e in emails] == ["sent"]
    assert len(handler.messages) == 1
