"""A large run split across two real Celery workers on the real Redis and PostgreSQL: the chunks
are computed by both, the run's task merges them and finishes the run once, with one e-mail."""

from __future__ import annotations

import re
import time

import pytest

from assessments.models import Assessment, AssessmentRun, RunChunk, RunStatus
from assessments.services.assessments import assessment_save
from assessments.services.run_start import assessment_run_start
from tests.assessments.live import wait, worker_process

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

CHUNK_DONE = re.compile(r"assessment_run_chunk_task\[[^\]]+\] succeeded in [\d.]+s: 'computed'")
RUN_DONE = re.compile(r"assessment_run_execute_task\[[^\]]+\] succeeded in [\d.]+s: 'succeeded'")


def test_a_split_run_is_computed_by_two_workers_and_finishes_once(demo, queue, inbox, tmp_path):
    handler, smtp_port = inbox
    assessment = assessment_save(
        organization=demo,
        assessment=Assessment(
            name="Split over two workers",
            monte_carlo_samples=400,
            recipients=["board@northlight.example.org"],
        ),
    )
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    # Chunks of 2 workloads: the demo's dozen make six chunks per split step.
    split = {"SOVRA_RUN_CHUNK_WORKLOADS": "2"}
    with (
        worker_process(queue, smtp_port, tmp_path / "a", "-P", "solo", level="info", **split) as a,
        worker_process(queue, smtp_port, tmp_path / "b", "-P", "solo", level="info", **split) as b,
    ):
        started = time.monotonic()
        run = assessment_run_start(assessment=assessment, requested_by=None)
        runs = AssessmentRun.objects.for_organization(demo)
        unfinished = ("queued", "running")
        done = wait(
            lambda: runs.filter(pk=run.pk).exclude(status__in=unfinished).first(),
            240,
            "the split run to finish",
            a,
        )
        seconds = time.monotonic() - started
        assert done.status == RunStatus.SUCCEEDED, done.error
        assert done.attempts == 1
        message = wait(lambda: handler.messages[:1], 60, "the report email", b)[0]
        assert message["To"] == "board@northlight.example.org"
        time.sleep(1)  # no second e-mail follows
        assert len(handler.messages) == 1
    logs = {name: (tmp_path / name / "worker.log").read_text() for name in ("a", "b")}
    (coordinator,) = [n for n, log in logs.items() if RUN_DONE.search(log)]
    other = "b" if coordinator == "a" else "a"
    # The worker that did not run the run's task computed chunks of it meanwhile.
    assert CHUNK_DONE.search(logs[other]), logs[other][-3000:]
    assert not RunChunk.objects.for_organization(demo).filter(run=done).exists()
    assert len(done.results["engine"]["workloads"]) == 0  # on rows, as every run stores them
    counts = {n: len(CHUNK_DONE.findall(log)) for n, log in logs.items()}
    print(f"split run on two workers: {seconds:.1f} s; chunk tasks computed per worker: {counts}")
