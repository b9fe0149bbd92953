"""Celery tasks of the portal: thin adapters that take ids and call one service each."""

from __future__ import annotations

import smtplib

from celery import Task, shared_task

from portal.outbox import RETRY
from portal.services import invitations
from portal.transient import TRANSIENT_ERRORS


class InvitationEmailTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        organization_id, invitation_id = args[:2]
        invitations.invitation_email_fail(
            organization_id=organization_id,
            invitation_id=invitation_id,
            error=f"Gave up after {self.request.retries + 1} tries: {type(exc).__name__}: {exc}",
        )


@shared_task(
    base=InvitationEmailTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(smtplib.SMTPException, OSError, *TRANSIENT_ERRORS),
    max_retries=6,
    **RETRY,
)
def invitation_email_send_task(self, organization_id: int, invitation_id: int) -> str:
    return invitations.invitation_email_send(
        organization_id=organization_id,
        invitation_id=invitation_id,
        final_attempt=self.request.retries >= self.max_retries,
    )
