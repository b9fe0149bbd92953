"""Report emails: addresses checked, the PDF attached (or linked when large), sent once,
failures retried and shown."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from assessments.models import Assessment, ReportEmail
from assessments.services.emails import report_email_queue, report_email_send
from tests.assessments.world import finished_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(org):
    return finished_run(Assessment.objects.create_in(org, name="Board pack"))


def test_bad_addresses_are_named_and_nothing_is_queued(run):
    before = ReportEmail.objects.for_organization(run.organization).count()
    with pytest.raises(ValidationError) as error:
        report_email_queue(run=run, recipients=["cfo@example.org", "not-an-address", "a@b"])
    messages = error.value.message_dict["recipients"]
    assert messages == ["'not-an-address' is not a valid email address",
                        "'a@b' is not a valid email address"]  # fmt: skip
    assert ReportEmail.objects.for_organization(run.organization).count() == before


def test_more_than_fifty_recipients_are_refused(run):
    with pytest.raises(ValidationError, match="at most 50 recipients"):
        report_email_queue(run=run, recipients=[f"r{i}@example.org" for i in range(51)])


def test_the_report_is_attached_and_sent_once(run, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = report_email_queue(
            run=run, recipients="cfo@example.org; CFO@example.org, ceo@example.org",
            message="For Thursday's board.",
        )  # fmt: skip
    assert email.recipients == ["cfo@example.org", "ceo@example.org"]
    (message,) = mail.outbox
    assert message.to == ["cfo@example.org", "ceo@example.org"]
    assert "For Thursday's board." in message.body
    assert f"/o/{run.organization.slug}/assessments/runs/{run.pk}/" in message.body
    (name, content, _mimetype) = message.attachments[0]
    assert name == f"sovra-{run.organization.slug}-run-{run.pk}.pdf"
    assert content == bytes(run.report.pdf)
    email.refresh_from_db()
    assert (email.status, email.attempts, email.attached) == ("sent", 1, True)

    assert report_email_send(organization_id=run.organization_id, email_id=email.pk) == "sent"
    assert len(mail.outbox) == 1


def test_a_name_stored_with_line_breaks_still_gives_a_one_line_subject(
    run, django_capture_on_commit_callbacks
):
    """GIVEN an assessment saved with a line break before names were checked WHEN its report is
    e-mailed THEN it is sent, with the name on one line in the Subject."""
    Assessment.objects.for_organization(run.organization).filter(pk=run.assessment_id).update(
        name="Board\r\npack\u2028Q3"
    )
    run.assessment.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        email = report_email_queue(run=run, recipients=["cfo@example.org"])
    (message,) = mail.outbox
    assert message.subject.startswith("Sovra report: Board pack Q3 (run #")
    email.refresh_from_db()
    assert email.status == "sent"


def test_a_report_above_the_size_limit_is_linked_not_attached(
    run, settings, django_capture_on_commit_callbacks
):
    settings.SOVRA_EMAIL_ATTACH_MAX_BYTES = 1000
    with django_capture_on_commit_callbacks(execute=True):
        email = report_email_queue(run=run, recipients=["cfo@example.org"])
    (message,) = mail.outbox
    assert message.attachments == []
    assert f"/runs/{run.pk}/report.pdf" in message.body and "sign-in required" in message.body
    email.refresh_from_db()
    assert email.attached is False


def test_a_delivery_failure_is_recorded_then_retried(run, monkeypatch):
    email = ReportEmail.objects.create_in(run.organization, run=run, recipients=["cfo@example.org"])

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("django.core.mail.message.EmailMessage.send", refuse)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        report_email_send(organization_id=run.organization_id, email_id=email.pk)
    email.refresh_from_db()
    assert email.status == "retrying" and email.attempts == 1
    assert "Connection unexpectedly closed" in email.last_error

    with pytest.raises(smtplib.SMTPServerDisconnected):
        report_email_send(
            organization_id=run.organization_id, email_id=email.pk, final_attempt=True
        )
    email.refresh_from_db()
    assert email.status == "failed" and email.attempts == 2

    monkeypatch.undo()
    assert report_email_send(organization_id=run.organization_id, email_id=email.pk) == "failed"
    assert mail.outbox == []


def test_a_send_the_database_could_not_record_goes_again_as_the_same_message(run, monkeypatch):
    """GIVEN the mail server took the report WHEN the database goes away before the send is
    recorded THEN the e-mail is still queued and its retry carries the same Message-ID, which
    receivers take for the same message: an outage never loses it, nor makes two of it."""
    from django.db import OperationalError

    from assessments.services import emails as emails_module

    email = report_email_queue(run=run, recipients=["cfo@example.org"])
    assert email.message_id.startswith("<") and "sovra-report" in email.message_id

    class DatabaseGone:
        @staticmethod
        def now():
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(emails_module, "timezone", DatabaseGone)
    with pytest.raises(OperationalError):
        report_email_send(organization_id=run.organization_id, email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("queued", 0)

    monkeypatch.undo()
    assert report_email_send(organization_id=run.organization_id, email_id=email.pk) == "sent"
    first, again = mail.outbox
    assert first.extra_headers["Message-ID"] == again.extra_headers["Message-ID"]
    assert again.extra_headers["Message-ID"] == email.message_id
