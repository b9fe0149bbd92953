"""Emailing a run's report over the API: queued (202), sent by the worker with the PDF attached,
listed with its delivery; a bad address is named; only a succeeded run has a report to send."""

from __future__ import annotations

import pytest
from django.core import mail

from assessments.models import AssessmentRun, ReportEmail, RunStatus
from tests.assessments.api.conftest import BASE
from tests.portal.api.conftest import error_fields

pytestmark = pytest.mark.django_db


def test_an_email_is_queued_then_sent_with_the_pdf_attached(
    api_as, analyst, world, django_capture_on_commit_callbacks
):
    client = api_as(analyst)
    run = world["run"]
    url = f"{BASE}/runs/{run.pk}/emails/"
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(
            url,
            {"recipients": ["cfo@alice.example.org", "CFO@alice.example.org"], "message": "FYI"},
        )
    assert queued.status_code == 202, queued.json()
    body = queued.json()
    assert (body["status"], body["attempts"], body["automatic"]) == ("queued", 0, False)
    assert body["recipients"] == ["cfo@alice.example.org"] and body["requested_by"] == "alice"

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["cfo@alice.example.org"]
    assert "FYI" in sent.body
    [(filename, content, mimetype)] = sent.attachments
    assert filename == f"sovra-alice-media-run-{run.pk}.pdf"
    assert mimetype == "application/pdf" and content.startswith(b"%PDF-")

    listed = client.get(url).json()
    assert listed["count"] == 2  # this one and the email the run already had
    newest = listed["results"][0]
    assert (newest["id"], newest["status"], newest["attempts"], newest["attached"]) == (
        body["id"],
        "sent",
        1,
        True,
    )
    assert newest["sent_at"] and newest["last_error"] == ""


def test_a_bad_address_is_named_and_nothing_is_queued(api_as, analyst, world):
    response = api_as(analyst).post(
        f"{BASE}/runs/{world['run'].pk}/emails/",
        {"recipients": ["ok@alice.example.org", "cfo at alice"]},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "recipients",
            "message": "'cfo at alice' is not a valid email address",
            "code": "invalid",
        }
    ]
    no_recipients = api_as(analyst).post(f"{BASE}/runs/{world['run'].pk}/emails/", {})
    assert error_fields(no_recipients) == ["recipients"]
    assert ReportEmail.objects.for_organization(world["run"].organization).count() == 2


def test_only_a_succeeded_run_has_a_report_to_send(api_as, analyst, world):
    assessment = world["assessment"]
    queued = AssessmentRun.objects.create_in(
        assessment.organization, assessment=assessment, number=3, status=RunStatus.QUEUED
    )
    response = api_as(analyst).post(
        f"{BASE}/runs/{queued.pk}/emails/", {"recipients": ["cfo@alice.example.org"]}
    )
    assert response.status_code == 409
    assert "its report exist once it has succeeded" in response.json()["detail"]


def test_viewers_read_the_emails_but_cannot_send(api_as, viewer, world):
    client = api_as(viewer)
    url = f"{BASE}/runs/{world['run'].pk}/emails/"
    listed = client.get(url).json()
    assert [e["recipients"] for e in listed["results"]] == [["board@alice-media.example.org"]]
    assert client.post(url, {"recipients": ["x@alice.example.org"]}).status_code == 403
