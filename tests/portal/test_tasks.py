"""Portal tasks: an invitation e-mail is retried through a mail outage, failed on giving up; a
worker process sets what it loaded at start aside from the garbage collector."""

from __future__ import annotations

import gc
import smtplib

from celery.signals import worker_process_init
from django.core import mail

from portal.models import Invitation
from portal.models.outbox import EmailStatus
from portal.tasks import invitation_email_send_task
from tests.factories import InvitationFactory


def _reload(invitation) -> Invitation:
    return Invitation.objects.for_organization(invitation.organization).get(pk=invitation.pk)


def test_a_mail_outage_is_retried_until_the_invitation_leaves(org, monkeypatch):
    invitation = InvitationFactory(organization=org, email="nadia@example.org")
    real_send = mail.EmailMessage.send
    outcomes = iter([smtplib.SMTPServerDisconnected("down"), None])

    def flaky(message, *args, **kwargs):
        error = next(outcomes)
        if error is not None:
            raise error
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", flaky)
    # Eager tasks propagate errors in the tests; throw=False lets apply() run the retry.
    result = invitation_email_send_task.apply(args=(org.pk, invitation.pk), throw=False)
    assert result.get() == EmailStatus.SENT
    assert [message.to for message in mail.outbox] == [["nadia@example.org"]]
    stored = _reload(invitation)
    assert (stored.email_status, stored.email_attempts) == (EmailStatus.SENT, 2)


def test_giving_up_marks_the_invitation_failed_with_the_reason(org):
    invitation = InvitationFactory(organization=org)
    invitation_email_send_task.on_failure(
        smtplib.SMTPServerDisconnected("mail server gone"),
        "task-1",
        (org.pk, invitation.pk),
        {},
        None,
    )
    stored = _reload(invitation)
    assert stored.email_status == EmailStatus.FAILED
    assert "mail server gone" in stored.email_last_error


def test_a_worker_process_sets_what_it_loaded_aside_from_the_garbage_collector():
    gc.unfreeze()
    try:
        worker_process_init.send(sender=None)
        # Django, the tasks and what they import: well over 50,000 long-lived objects.
        assert gc.get_freeze_count() > 50_000
    finally:
        gc.unfreeze()
