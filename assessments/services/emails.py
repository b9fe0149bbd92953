"""Send a run's report by email: queued on commit, sent once by a worker, retried on failure."""

from __future__ import annotations

from email.utils import make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assessments.answer import answer_lines
from assessments.models import AssessmentRun, ReportEmail, RunReport, RunStatus
from assessments.results import load_section
from assessments.services.assessments import clean_recipients
from portal.models import AuditAction, Organization
from portal.models.outbox import EmailStatus
from portal.outbox import enqueue
from portal.services.audit import audit_record


def enqueue_send(email: ReportEmail) -> None:
    enqueue("assessments.tasks.report_email_send_task", email.organization_id, email.pk)


def report_email_queue(
    *, run: AssessmentRun, recipients, message: str = "", requested_by=None, automatic=False
) -> ReportEmail:
    """Queue the report of a succeeded run for ``recipients`` (validated, at most 50)."""
    addresses = clean_recipients(recipients)
    if not addresses:
        raise ValidationError({"recipients": ["give at least one address"]})
    if len(message or "") > 2000:
        raise ValidationError({"message": ["at most 2,000 characters"]})
    if run.status != RunStatus.SUCCEEDED and not automatic:
        raise ValidationError({"run": ["only a succeeded run has a report to send"]})
    user = requested_by if getattr(requested_by, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            email = ReportEmail.objects.create_in(
                run.organization,
                run=run,
                recipients=addresses,
                message=message or "",
                requested_by=user,
                automatic=automatic,
                # Chosen now, stored with the row: a send the database could not record (it went
                # away once the server had the message) is sent again under the same Message-ID,
                # which receiving servers and mail clients take for the same message.
                message_id=make_msgid(idstring="sovra-report", domain=DNS_NAME),
            )
            report_record(
                run=run,
                action=AuditAction.REPORT_EMAILED,
                details={"recipients": addresses, "automatic": automatic, "email": email.pk},
            )
    except IntegrityError:
        # The automatic email of this run exists already (a redelivered task): do not send twice.
        return ReportEmail.objects.for_organization(run.organization).get(run=run, automatic=True)
    transaction.on_commit(lambda: enqueue_send(email))
    return email


def report_record(*, run: AssessmentRun, action: AuditAction, details: dict) -> None:
    """An event about a run's report (downloaded, e-mailed), named by its run."""
    audit_record(
        organization=run.organization, action=action, obj=run, object_type="report", details=details
    )


def report_downloaded(*, run: AssessmentRun, file_format: str) -> None:
    """Record that the report of ``run`` was downloaded (the PDF, or its results as XLSX)."""
    report_record(run=run, action=AuditAction.REPORT_DOWNLOADED, details={"format": file_format})


def run_url(run: AssessmentRun, name: str = "run-detail") -> str:
    path = reverse(name, kwargs={"org_slug": run.organization.slug, "pk": run.pk})
    return settings.SITE_URL.rstrip("/") + path


def _one_line(text: str) -> str:
    """Whitespace runs, line breaks included, as one space: a header must hold one line.

    Names are refused with line breaks now, but rows saved before may still hold them, and
    organization names are not checked for it.
    """
    return " ".join(text.split())


def _body(run: AssessmentRun, email: ReportEmail, attached: bool) -> str:
    summary = load_section(run.results or {}, "summary")
    lines = [
        f"{run.organization.name}: {run.assessment.name}, run #{run.number}",
        "",
    ]
    if email.message:
        lines += [email.message, ""]
    if summary is not None:
        # Runs stored before the answer existed still have their headline.
        lines += answer_lines(summary.answer) or summary.headline
        if summary.risks:
            lines += ["", "Main risks:"] + [f"- {risk}" for risk in summary.risks]
    lines.append("")
    if attached:
        lines.append("The full report is attached (PDF).")
    else:
        lines.append(
            "The report is too large to attach; download it (sign-in required): "
            + run_url(run, "run-pdf")
        )
    lines += [f"Results on the portal: {run_url(run)}", ""]
    return "\n".join(lines)


def report_email_send(*, organization_id: int, email_id: int, final_attempt: bool = False) -> str:
    """Send one queued email; a sent email is never sent again (returns 'sent' at once).

    The email's row stays locked while it is sent: a second task for it (a redelivery, or the
    outbox sweeper's nudge) skips it instead of sending it twice, and a worker that dies
    mid-send releases the lock with the row still queued, so the email is sent again later.
    """
    organization = Organization.objects.get(pk=organization_id)
    scoped = ReportEmail.objects.for_organization(organization)
    failure: Exception | None = None
    with transaction.atomic():
        email = (
            scoped.select_for_update(skip_locked=True, of=("self",))
            .select_related("run", "run__assessment", "run__organization")
            .filter(pk=email_id)
            .first()
        )
        if email is None:
            return "sending" if scoped.filter(pk=email_id).exists() else "missing"
        if email.status in (EmailStatus.SENT, EmailStatus.FAILED):
            return email.status
        run = email.run
        report = RunReport.objects.for_organization(organization).filter(run=run).first()
        if report is None:
            _mark(email, EmailStatus.FAILED, "The run has no report to send.")
            return EmailStatus.FAILED
        attached = report.size_bytes <= settings.SOVRA_EMAIL_ATTACH_MAX_BYTES
        message_id = email.message_id or make_msgid(idstring=f"sovra-report-{email.pk}")
        message = EmailMessage(
            subject=_one_line(
                f"Sovra report: {run.assessment.name} (run #{run.number}), {organization.name}"
            ),
            body=_body(run, email, attached),
            to=email.recipients,
            headers={"Message-ID": message_id},
        )
        if attached:
            filename = f"sovra-{organization.slug}-run-{run.pk}.pdf"
            message.attach(filename, bytes(report.pdf), "application/pdf")
        scoped.filter(pk=email.pk).update(attempts=email.attempts + 1, message_id=message_id)
        try:
            message.send(fail_silently=False)
        except Exception as error:
            # Recorded with the attempt (this transaction commits), then raised for the retry.
            status = EmailStatus.FAILED if final_attempt else EmailStatus.RETRYING
            _mark(email, status, f"{type(error).__name__}: {error}"[:1000])
            failure = error
        else:
            scoped.filter(pk=email.pk).update(
                status=EmailStatus.SENT, sent_at=timezone.now(), attached=attached, last_error=""
            )
    if failure is not None:
        raise failure
    return EmailStatus.SENT


def _mark(email: ReportEmail, status: str, error: str) -> None:
    ReportEmail.objects.for_organization(email.organization).filter(pk=email.pk).update(
        status=status, last_error=error
    )


def report_email_fail(*, organization_id: int, email_id: int, error: str) -> None:
    organization = Organization.objects.get(pk=organization_id)
    ReportEmail.objects.for_organization(organization).filter(pk=email_id).exclude(
        status=EmailStatus.SENT
    ).update(status=EmailStatus.FAILED, last_error=error[:1000])
