"""Celery tasks: thin adapters that take ids and call one service each.

Every task is ``acks_late`` with ``reject_on_worker_lost`` (project settings), so a worker that
dies mid-task gives the message back to the broker; the services are idempotent, so the
redelivered task resumes or does nothing rather than making a second run, PDF or email. A run
is started at most ``SOVRA_RUN_MAX_ATTEMPTS`` times, so one that kills its worker (memory, time
limits) fails with the reason instead of being redelivered for ever.
"""

from __future__ import annotations

import smtplib

from celery import Task, shared_task
from celery.exceptions import TimeLimitExceeded
from django.conf import settings

from assessments.services import callbacks, emails, outbox, run_chunks, run_errors, runs
from portal.outbox import RETRY
from portal.transient import TRANSIENT_ERRORS

# A run's task and its chunks' tasks: acknowledged once done, given back when the worker dies,
# retried after a transient outage, and bounded in time.
RUN_TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "max_retries": 5,
    "soft_time_limit": settings.SOVRA_RUN_SOFT_TIME_LIMIT_SECONDS,
    "time_limit": settings.SOVRA_RUN_TIME_LIMIT_SECONDS,
    **RETRY,
}


class RunTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        organization_id, run_id = args[:2]
        if isinstance(exc, TimeLimitExceeded):
            # The hard limit killed the worker process; Celery reports it from the parent.
            error = run_errors.out_of_time_error()
        else:
            error = (
                f"The run could not be completed after {self.request.retries + 1} tries: "
                f"{type(exc).__name__}: {exc}. The database or broker was unavailable; run the "
                "assessment again when the service is back."
            )
        runs.assessment_run_fail(organization_id=organization_id, run_id=run_id, error=error)


@shared_task(base=RunTask, **RUN_TASK_OPTIONS)
def assessment_run_execute_task(self, organization_id: int, run_id: int) -> str:
    return runs.assessment_run_execute(
        organization_id=organization_id,
        run_id=run_id,
        task_id=self.request.id or "",
        transient_retry=is_transient_retry(self.request),
    )


@shared_task(**RUN_TASK_OPTIONS)
def assessment_run_chunk_task(
    self, organization_id: int, run_id: int, step: str, index: int
) -> str:
    """One chunk of a large run; the run's own task merges the chunks (and computes any chunk
    no worker took, so a chunk that fails here is not lost)."""
    return run_chunks.assessment_run_chunk_compute(
        organization_id=organization_id,
        run_id=run_id,
        step=step,
        index=index,
        task_id=self.request.id or "",
    )


def is_transient_retry(request) -> bool:
    """Whether this delivery is a retry the task queued itself after a transient error (its
    attempt ended), not a message the broker delivers again because the worker holding it died
    (which may have been the run's doing, retry or not)."""
    redelivered = bool((request.delivery_info or {}).get("redelivered"))
    return bool(request.retries) and not redelivered


class EmailTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        organization_id, email_id = args[:2]
        emails.report_email_fail(
            organization_id=organization_id,
            email_id=email_id,
            error=f"Gave up after {self.request.retries + 1} tries: {type(exc).__name__}: {exc}",
        )


@shared_task(
    base=EmailTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(smtplib.SMTPException, OSError, *TRANSIENT_ERRORS),
    max_retries=6,
    **RETRY,
)
def report_email_send_task(self, organization_id: int, email_id: int) -> str:
    return emails.report_email_send(
        organization_id=organization_id,
        email_id=email_id,
        final_attempt=self.request.retries >= self.max_retries,
    )


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(callbacks.CallbackRetry, OSError, *TRANSIENT_ERRORS),
    max_retries=5,
    **RETRY,
)
def run_callback_task(self, organization_id: int, run_id: int) -> int:
    return callbacks.run_callback_send(organization_id=organization_id, run_id=run_id)


@shared_task(acks_late=True)
def assessment_runs_check_stale_task() -> dict[str, int]:
    return runs.assessment_runs_check_stale()


@shared_task(acks_late=True)
def outbox_sweep_task() -> dict[str, int]:
    return outbox.outbox_sweep()
