"""The run pipeline: queued on commit, every step stored, idempotent on redelivery, immutable once
finished, stale runs noticed, failures explained."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.models import (
    Assessment,
    AssessmentRun,
    FinishedRunError,
    ReportEmail,
    RunReport,
    RunStatus,
)
from assessments.results import RunResults
from assessments.services.assessments import assessment_save
from assessments.services.run_start import assessment_run_start
from assessments.services.runs import (
    STEPS,
    assessment_run_execute,
    assessment_runs_check_stale,
)
from tests.assessments.world import finished_run
from tests.factories import WorkloadFactory

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def assessment(demo):
    return assessment_save(
        organization=demo,
        assessment=Assessment(
            name="Northlight: where should the GPUs live?",
            recipients=["cfo@northlight.example.org"],
            monte_carlo_samples=300,
        ),
    )


def _start(assessment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = assessment_run_start(assessment=assessment, requested_by=None)
    return AssessmentRun.objects.for_organization(assessment.organization).get(pk=run.pk)


def test_a_started_run_computes_every_step_and_stores_its_report(
    assessment, django_capture_on_commit_callbacks
):
    run = _start(assessment, django_capture_on_commit_callbacks)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.progress_pct == 100 and run.step == "done" and run.attempts == 1
    assert set(run.timings) == {step.name for step in STEPS}
    assert set(run.results) == {
        "schema_version", "engine", "monte_carlo", "tornado", "sovereignty", "placement", "summary"
    }  # fmt: skip
    assert RunResults.load(run.results).engine.currency == "EUR"
    # The sections the steps stored one by one are the results now, and kept nowhere else.
    assert not run.sections.exists()
    snapshot = run.snapshot
    assert [w["external_id"] for w in snapshot["workloads"]][:2] == ["NL-AUD-01", "NL-CHAT-04"]
    assert snapshot["versions"]["engine"] == "1"
    assert snapshot["versions"]["library"]["version"] == 1
    assert any(c["public"] for c in snapshot["catalogs"])
    # The headline columns are the results' figures.
    summary = run.results["summary"]
    assert run.cheapest_option == (summary["cheapest_option"] or "")
    if summary["cheapest_npv"] is not None:
        assert float(run.cheapest_npv) == pytest.approx(summary["cheapest_npv"], abs=0.01)
    report = RunReport.objects.for_organization(assessment.organization).get(run=run)
    assert bytes(report.pdf[:5]) == b"%PDF-" and report.pages >= 3
    assert report.size_bytes == len(report.pdf)


def test_finishing_emails_the_recipients_once_with_the_pdf(
    assessment, django_capture_on_commit_callbacks
):
    run = _start(assessment, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cfo@northlight.example.org"]
    assert "Northlight: where should the GPUs live?" in message.subject
    ((_name, content, mimetype),) = message.attachments
    assert mimetype == "application/pdf" and content[:5] == b"%PDF-"
    email = ReportEmail.objects.for_organization(assessment.organization).get(run=run)
    assert email.status == "sent" and email.automatic and email.attached

    # The broker delivers the task again (acks_late after a lost worker): nothing new happens.
    with django_capture_on_commit_callbacks(execute=True):
        outcome = assessment_run_execute(
            organization_id=assessment.organization_id, run_id=run.pk, task_id="again"
        )
    assert outcome == "skipped"
    assert len(mail.outbox) == 1
    assert ReportEmail.objects.for_organization(assessment.organization).count() == 1
    assert RunReport.objects.for_organization(assessment.organization).count() == 1


def test_a_redelivered_task_resumes_at_the_first_step_not_stored(
    assessment, django_capture_on_commit_callbacks, monkeypatch
):
    """GIVEN a database outage during the sensitivity step (a transient error: the task retries)
    WHEN the task runs again THEN the snapshot and the sections stored before are kept."""
    from assessments.services import runs as runs_module

    run = AssessmentRun.objects.create_in(assessment.organization, assessment=assessment, number=2)
    from django.db import OperationalError

    def transient(snapshot):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(runs_module.compute, "tornado_section", transient)
    with pytest.raises(OperationalError):
        assessment_run_execute(
            organization_id=assessment.organization_id, run_id=run.pk, task_id="t2"
        )
    stored = AssessmentRun.objects.for_organization(assessment.organization).get(pk=run.pk)
    assert stored.status == RunStatus.RUNNING
    sections = set(stored.sections.values_list("name", flat=True))
    assert {"engine", "monte_carlo"} <= sections and "tornado" not in sections
    taken_at = stored.snapshot["taken_at"]
    engine_seconds = stored.timings["engine"]

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            assessment_run_execute(
                organization_id=assessment.organization_id, run_id=run.pk, task_id="t2"
            )
            == RunStatus.SUCCEEDED
        )
    done = AssessmentRun.objects.for_organization(assessment.organization).get(pk=run.pk)
    assert done.snapshot["taken_at"] == taken_at  # not taken again
    assert done.timings["engine"] == engine_seconds  # not computed again
    assert done.attempts == 2


def test_retries_after_transient_errors_resume_the_run_without_using_up_its_attempts(
    assessment, django_capture_on_commit_callbacks, monkeypatch, settings
):
    """GIVEN a run whose first delivery met the database down before it could start it, then
    whose database goes away at the sensitivity step more often than a run may be started WHEN
    the task retries each time THEN the run resumes and finishes, started once: the attempts
    are for runs that kill their worker, not for outages."""
    from django.db import OperationalError

    from assessments.services import runs as runs_module

    def transient(snapshot):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(runs_module.compute, "tornado_section", transient)
    run = AssessmentRun.objects.create_in(assessment.organization, assessment=assessment, number=2)
    retry = {
        "organization_id": assessment.organization_id,
        "run_id": run.pk,
        "task_id": "t1",
        "transient_retry": True,
    }
    for _ in range(settings.SOVRA_RUN_MAX_ATTEMPTS + 1):
        with pytest.raises(OperationalError):
            assessment_run_execute(**retry)
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert assessment_run_execute(**retry) == RunStatus.SUCCEEDED
    done = AssessmentRun.objects.for_organization(assessment.organization).get(pk=run.pk)
    assert done.attempts == 1


@pytest.mark.parametrize(
    ("retries", "delivery_info", "transient"),
    [
        (0, {"redelivered": False}, False),  # the first delivery
        (0, {"redelivered": True}, False),  # given back by a worker that died
        (2, {"redelivered": False}, True),  # the task's own retry
        (2, {"redelivered": True}, False),  # that retry given back by a worker that died
        (1, None, True),  # a retry computed in-process (no broker)
    ],
)
def test_only_the_tasks_own_retries_resume_without_counting_a_start(
    retries, delivery_info, transient
):
    from assessments.tasks import is_transient_retry

    request = SimpleNamespace(retries=retries, delivery_info=delivery_info)
    assert is_transient_retry(request) is transient


def test_tasks_back_off_over_minutes_on_transient_errors():
    """A database or broker restart of 20 s or more never uses up a task's retries, and a
    longer outage sees each task try less and less often, not a storm."""
    from celery.utils.time import get_exponential_backoff_interval

    from assessments.tasks import (
        assessment_run_execute_task,
        report_email_send_task,
        run_callback_task,
    )
    from portal.transient import TRANSIENT_ERRORS

    for task in (assessment_run_execute_task, report_email_send_task, run_callback_task):
        assert set(TRANSIENT_ERRORS) <= set(task.autoretry_for), task.name
        waits = [
            get_exponential_backoff_interval(
                task.retry_backoff, retries, task.retry_backoff_max, task.retry_jitter
            )
            for retries in range(task.max_retries)
        ]
        assert waits == sorted(waits) and waits[0] >= 10, (task.name, waits)
        assert sum(waits) >= 5 * 60, (task.name, waits)


def test_a_finished_run_never_changes(assessment):
    run = finished_run(assessment)
    run.results = {}
    with pytest.raises(FinishedRunError):
        run.save()


def test_running_again_makes_a_new_numbered_run(assessment, django_capture_on_commit_callbacks):
    first = _start(assessment, django_capture_on_commit_callbacks)
    second = _start(assessment, django_capture_on_commit_callbacks)
    assert (first.number, second.number) == (1, 2)
    assert first.snapshot["taken_at"] != second.snapshot["taken_at"]
    assert first.results["engine"]["portfolio"] == second.results["engine"]["portfolio"]


def test_a_selection_without_workloads_fails_with_a_message_to_act_on(
    demo, django_capture_on_commit_callbacks
):
    assessment = assessment_save(
        organization=demo, assessment=Assessment(name="Nothing", workload_tags=["no-such-tag"])
    )
    run = _start(assessment, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.FAILED
    assert "selects no workload" in run.error
    assert not RunReport.objects.for_organization(demo).exists()


def test_another_organizations_run_id_does_nothing(assessment, other_org):
    run = AssessmentRun.objects.create_in(assessment.organization, assessment=assessment, number=1)
    outcome = assessment_run_execute(organization_id=other_org.pk, run_id=run.pk)
    assert outcome == "skipped"
    assert (
        AssessmentRun.objects.for_organization(assessment.organization).get(pk=run.pk).status
        == RunStatus.QUEUED
    )


def test_a_run_whose_worker_vanished_is_queued_again_then_failed(
    assessment, django_capture_on_commit_callbacks, settings
):
    long_ago = timezone.now() - timedelta(seconds=settings.SOVRA_RUN_STALE_SECONDS + 60)
    revived = AssessmentRun.objects.create_in(
        assessment.organization, assessment=assessment, number=1,
        status=RunStatus.RUNNING, attempts=1, heartbeat_at=long_ago, task_id="gone",
    )  # fmt: skip
    hopeless = AssessmentRun.objects.create_in(
        assessment.organization, assessment=assessment, number=2,
        status=RunStatus.RUNNING, attempts=settings.SOVRA_RUN_MAX_ATTEMPTS,
        heartbeat_at=long_ago, task_id="gone",
    )  # fmt: skip
    alive = AssessmentRun.objects.create_in(
        assessment.organization, assessment=assessment, number=3,
        status=RunStatus.RUNNING, attempts=1, heartbeat_at=timezone.now(), task_id="busy",
    )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        counts = assessment_runs_check_stale()

    assert counts == {"requeued": 1, "failed": 1}
    scoped = AssessmentRun.objects.for_organization(assessment.organization)
    assert scoped.get(pk=revived.pk).status == RunStatus.SUCCEEDED  # eager: computed again
    failed = scoped.get(pk=hopeless.pk)
    assert failed.status == RunStatus.FAILED
    assert "stopped responding 3 times" in failed.error
    assert scoped.get(pk=alive.pk).status == RunStatus.RUNNING


class WorkerKilled(BaseException):
    """Stands for the kernel killing the worker process: nothing after it runs in that process."""


def test_a_run_that_kills_its_worker_fails_once_after_the_allowed_attempts(
    assessment, monkeypatch, settings
):
    """GIVEN a run whose engine step kills the worker every time (out of memory) WHEN the broker
    redelivers it (reject_on_worker_lost) again and again THEN it is started
    SOVRA_RUN_MAX_ATTEMPTS times, the next delivery fails it with the reason, and later ones do
    nothing."""
    from assessments.services import runs as runs_module

    entered = []

    def killed(snapshot):
        entered.append(1)
        raise WorkerKilled

    monkeypatch.setattr(runs_module.compute, "engine_section", killed)
    run = AssessmentRun.objects.create_in(assessment.organization, assessment=assessment, number=1)
    execute = {"organization_id": assessment.organization_id, "run_id": run.pk, "task_id": "t1"}
    for _ in range(settings.SOVRA_RUN_MAX_ATTEMPTS):
        with pytest.raises(WorkerKilled):
            assessment_run_execute(**execute)

    assert assessment_run_execute(**execute) == RunStatus.FAILED
    assert assessment_run_execute(**execute) == "skipped"

    failed = AssessmentRun.objects.for_organization(assessment.organization).get(pk=run.pk)
    assert len(entered) == settings.SOVRA_RUN_MAX_ATTEMPTS == failed.attempts == 3
    assert failed.status == RunStatus.FAILED and failed.step == "failed"
    assert failed.error.startswith(
        "Stopped after 3 attempts: the worker ran out of memory or time each time"
    )
    assert "4 GB per worker process" in failed.error


def test_the_attempts_allowed_come_from_the_setting(assessment, monkeypatch, settings):
    from assessments.services import runs as runs_module

    settings.SOVRA_RUN_MAX_ATTEMPTS = 1
    monkeypatch.setattr(
        runs_module.compute, "engine_section", lambda snapshot: (_ for _ in ()).throw(WorkerKilled)
    )
    run = AssessmentRun.objects.create_in(assessment.organization, assessment=assessment, number=1)
    execute = {"organization_id": assessment.organization_id, "run_id": run.pk, "task_id": "t1"}
    with pytest.raises(WorkerKilled):
        assessment_run_execute(**execute)
    assert assessment_run_execute(**execute) == RunStatus.FAILED
    failed = AssessmentRun.objects.for_organization(assessment.organization).get(pk=run.pk)
    assert failed.error.startswith("Stopped after 1 attempts")


def _failed_at_once(assessment) -> AssessmentRun:
    """A new run of ``assessment`` executed once, which must have failed."""
    run = AssessmentRun.objects.create_in(assessment.organization, assessment=assessment, number=1)
    outcome = assessment_run_execute(
        organization_id=assessment.organization_id, run_id=run.pk, task_id="t1"
    )
    assert outcome == RunStatus.FAILED
    return AssessmentRun.objects.for_organization(assessment.organization).get(pk=run.pk)


def test_a_run_past_its_soft_time_limit_fails_at_once_with_the_reason(assessment, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from assessments.services import runs as runs_module

    def too_slow(snapshot):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(runs_module.compute, "monte_carlo_section", too_slow)
    failed = _failed_at_once(assessment)
    assert failed.attempts == 1
    assert failed.error.startswith(
        "Stopped at step 'monte_carlo': the run took longer than the 3600 seconds"
    )
    # What was computed before the failure stays with the run.
    assert set(failed.results) == {"schema_version", "engine"} and not failed.sections.exists()


def test_a_run_out_of_memory_fails_at_once_with_the_reason(assessment, monkeypatch):
    from assessments.services import runs as runs_module

    def too_big(snapshot):
        raise MemoryError

    monkeypatch.setattr(runs_module.compute, "engine_section", too_big)
    failed = _failed_at_once(assessment)
    assert failed.error.startswith("Stopped at step 'engine': the worker ran out of memory")


def test_a_run_killed_at_its_hard_time_limit_fails_with_the_reason(assessment):
    """Celery reports the hard limit from the worker's parent process through on_failure."""
    from celery.exceptions import TimeLimitExceeded

    from assessments.tasks import assessment_run_execute_task

    run = AssessmentRun.objects.create_in(
        assessment.organization, assessment=assessment, number=1, status=RunStatus.RUNNING
    )
    assessment_run_execute_task.on_failure(
        TimeLimitExceeded(3900), "task-1", (assessment.organization_id, run.pk), {}, None
    )
    failed = AssessmentRun.objects.for_organization(assessment.organization).get(pk=run.pk)
    assert failed.status == RunStatus.FAILED
    assert failed.error.startswith("Stopped: the run took longer than the 3600 seconds")


def test_workers_run_with_the_configured_memory_ceiling_and_time_limits(settings):
    from assessments.tasks import assessment_run_execute_task
    from portal.celery import app

    assert (
        app.conf.worker_max_memory_per_child == settings.SOVRA_WORKER_MAX_MEMORY_PER_CHILD // 1024
    )
    assert assessment_run_execute_task.soft_time_limit == settings.SOVRA_RUN_SOFT_TIME_LIMIT_SECONDS
    assert assessment_run_execute_task.time_limit == settings.SOVRA_RUN_TIME_LIMIT_SECONDS
    # The broker must not hand a run to a second worker while the first may still compute it.
    assert app.conf.broker_transport_options["visibility_timeout"] > (
        settings.SOVRA_RUN_TIME_LIMIT_SECONDS
    )


def test_a_run_is_refused_at_start_and_failed_in_the_worker_once_its_inventory_is_too_large(
    org, settings
):
    """The inventory an assessment covers may grow after it is saved: starting a run refuses,
    and a run already queued fails with the reason instead of holding a worker."""
    settings.SOVRA_ASSESSMENT_MAX_WORKLOADS = 2
    WorkloadFactory.create_batch(2, organization=org)
    assessment = assessment_save(organization=org, assessment=Assessment(name="All"))
    queued = AssessmentRun.objects.create_in(org, assessment=assessment, number=1)
    WorkloadFactory(organization=org)

    with pytest.raises(ValidationError) as error:
        assessment_run_start(assessment=assessment)
    assert "covers 3 workloads" in error.value.message_dict["workloads"][0]
    assert AssessmentRun.objects.for_organization(org).count() == 1

    assert assessment_run_execute(organization_id=org.pk, run_id=queued.pk) == RunStatus.FAILED
    failed = AssessmentRun.objects.for_organization(org).get(pk=queued.pk)
    assert failed.error.startswith("This assessment covers 3 workloads")
    assert "the limit is 2 per assessment" in failed.error


def test_results_larger_than_the_database_holds_fail_the_run_once_saying_what_to_do(
    assessment, monkeypatch
):
    """GIVEN results the database refuses for their size (PostgreSQL's jsonb holds 256 MB; a
    portfolio of several thousand workloads reaches it) WHEN the run finishes THEN it fails at
    once with what to change, instead of being retried as if the database were away."""
    from assessments.services import runs as runs_module

    def beyond_a_limit(self, compiler, connection, **extra):
        return "repeat('x', 1100000000)::jsonb", []  # PostgreSQL: SQLSTATE 54000

    monkeypatch.setattr(runs_module.ResultsFromSections, "as_postgresql", beyond_a_limit)
    failed = _failed_at_once(assessment)
    assert failed.status == RunStatus.FAILED and failed.results == {}
    workloads = len(failed.snapshot["workloads"])
    assert failed.error.startswith(f"The results of these {workloads:,} workloads are larger")
    assert "Select fewer workloads" in failed.error
    assert not failed.sections.exists()
