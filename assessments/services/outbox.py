"""The outbox sweeper: work whose row is stored but whose task the broker never took.

Runs, report e-mails, callbacks and invitation e-mails are rows first and tasks second
(``portal.outbox``). When the broker was down as a row was committed, or lost a message when it
restarted (Redis keeps nothing on disk here), the row waits; beat calls ``outbox_sweep`` every
minute and queues each such row again. Every task is safe to run twice: a run resumes at its
first step not stored, an e-mail is sent under its row's lock and never once sent, a callback
never once delivered.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from assessments.models import AssessmentRun, ReportEmail, RunStatus
from assessments.services.callbacks import enqueue_callback
from assessments.services.emails import enqueue_send
from assessments.services.run_start import enqueue_execute
from portal.models import Invitation
from portal.models.outbox import EmailStatus
from portal.services.invitations import enqueue_invitation

# Rows looked at per sweep: a backlog drains over a few minutes instead of one long task.
SWEEP_BATCH = 500
# A callback nobody delivered is given up after this: its receiver has moved on.
CALLBACK_GIVE_UP = timedelta(days=2)


def outbox_sweep(*, now=None) -> dict[str, int]:
    """Queue again what waits past ``SOVRA_OUTBOX_RETRY_SECONDS`` (per kind, how many)."""
    now = now or timezone.now()
    waited = now - timedelta(seconds=settings.SOVRA_OUTBOX_RETRY_SECONDS)
    # A retrying e-mail has its own retry queued; only one left far longer lost that message.
    retry_lost = now - timedelta(seconds=settings.SOVRA_OUTBOX_RETRYING_SECONDS)
    counts = {"runs": 0, "emails": 0, "callbacks": 0, "invitations": 0}
    # Deliberately across organizations: this is the operator's watchdog, not a tenant read.
    never_queued = AssessmentRun.objects.unscoped().filter(
        status=RunStatus.QUEUED, task_id="", created_at__lt=waited
    )
    for run in never_queued.defer("snapshot", "results")[:SWEEP_BATCH]:
        enqueue_execute(run)
        counts["runs"] += 1
    emails = ReportEmail.objects.unscoped().filter(
        Q(status=EmailStatus.QUEUED, created_at__lt=waited)
        | Q(status=EmailStatus.RETRYING, created_at__lt=retry_lost)
    )
    for email in emails.only("pk", "organization_id")[:SWEEP_BATCH]:
        enqueue_send(email)
        counts["emails"] += 1
    undelivered = (
        AssessmentRun.objects.unscoped()
        .filter(
            status__in=(RunStatus.SUCCEEDED, RunStatus.FAILED),
            finished_at__lt=waited,
            finished_at__gte=now - CALLBACK_GIVE_UP,
            callback_status="",
        )
        .exclude(assessment__callback_url="")
    )
    for run in undelivered.defer("snapshot", "results")[:SWEEP_BATCH]:
        enqueue_callback(run)
        counts["callbacks"] += 1
    invitations = Invitation.objects.unscoped().filter(
        email_status=EmailStatus.QUEUED,
        email_attempts=0,
        invited_at__lt=waited,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    )
    for invitation in invitations[:SWEEP_BATCH]:
        enqueue_invitation(invitation)
        counts["invitations"] += 1
    return counts
