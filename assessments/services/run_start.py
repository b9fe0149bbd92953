"""Start assessment runs: a new queued run, its task queued once the transaction commits, and
the guard that makes a double click on "Run" start one run, not two.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assessments.models import AssessmentRun, RunStatus
from assessments.models.assessment import Assessment
from assessments.services.assessments import assessment_check_size
from portal.models import AuditAction
from portal.outbox import enqueue
from portal.services.audit import audit_record


def enqueue_execute(run: AssessmentRun) -> None:
    task_id = enqueue("assessments.tasks.assessment_run_execute_task", run.organization_id, run.pk)
    if task_id is None:
        return  # stays queued without a task id: the outbox sweeper queues it again
    # A run computed in-process (the embedded default) has finished by now: leave it be.
    AssessmentRun.objects.for_organization(run.organization).filter(
        pk=run.pk, status=RunStatus.QUEUED
    ).update(task_id=task_id)


class RunJustStarted(Exception):
    """The same user started this assessment moments ago and that run is still under way."""

    def __init__(self, run: AssessmentRun, seconds_ago: float):
        self.run, self.seconds_ago = run, seconds_ago
        super().__init__(
            f"Run #{run.number} of this assessment was started {seconds_ago:.0f} s ago and is "
            f"still {run.status}: no second run was started."
        )


def _just_started(assessment: Assessment, user) -> AssessmentRun | None:
    """The user's run of ``assessment`` started within SOVRA_RUN_REPEAT_START_SECONDS and
    still queued or running: what a second click of the same button would duplicate."""
    if user is None:
        return None
    since = timezone.now() - timedelta(seconds=settings.SOVRA_RUN_REPEAT_START_SECONDS)
    return (
        AssessmentRun.objects.for_organization(assessment.organization)
        .filter(
            assessment=assessment,
            requested_by=user,
            created_at__gte=since,
            status__in=(RunStatus.QUEUED, RunStatus.RUNNING),
        )
        .order_by("-number")
        .first()
    )


@transaction.atomic
def assessment_run_start(*, assessment: Assessment, requested_by=None) -> AssessmentRun:
    """A new queued run of ``assessment``, computed by a worker once this transaction commits.

    Raises RunJustStarted when the same user started it moments ago (a double click)."""
    # Lock the assessment so two simultaneous starts get numbers 1 and 2, not a clash, and a
    # double click's second request waits for the first one's run to be visible.
    Assessment.objects.for_organization(assessment.organization).select_for_update().get(
        pk=assessment.pk
    )
    user = requested_by if getattr(requested_by, "is_authenticated", False) else None
    if (earlier := _just_started(assessment, user)) is not None:
        raise RunJustStarted(earlier, (timezone.now() - earlier.created_at).total_seconds())
    # Checked again here and in the worker: the inventory an assessment covers may have grown.
    assessment_check_size(assessment=assessment)
    last = assessment.runs.aggregate(n=Max("number"))["n"] or 0
    run = AssessmentRun.objects.create_in(
        assessment.organization,
        assessment=assessment,
        number=last + 1,
        requested_by=user,
        step="queued",
    )
    audit_record(organization=run.organization, action=AuditAction.RUN_STARTED, obj=run)
    transaction.on_commit(lambda: enqueue_execute(run))
    return run
