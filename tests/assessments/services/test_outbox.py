"""The outbox sweeper queues again what the broker never took, and nothing twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError
from rest_framework.test import APIRequestFactory

from assessments.models import Assessment, ReportEmail
from assessments.services.outbox import outbox_sweep
from portal.api.errors import exception_handler
from tests.assessments.world import finished_run

pytestmark = pytest.mark.django_db


def _later():
    return timezone.now() + timedelta(seconds=settings.SOVRA_OUTBOX_RETRY_SECONDS + 1)


def test_an_email_the_broker_never_took_is_sent_once_by_the_sweeper(org):
    run = finished_run(Assessment.objects.create_in(org, name="Outbox"))
    waiting = ReportEmail.objects.create_in(org, run=run, recipients=["cfo@example.org"])
    mail.outbox.clear()

    assert outbox_sweep()["emails"] == 0  # not yet past its wait
    assert outbox_sweep(now=_later())["emails"] == 1
    waiting.refresh_from_db()
    assert waiting.status == "sent" and len(mail.outbox) == 1
    # Sent rows are never swept again, and a stray task for it sends nothing.
    assert outbox_sweep(now=_later())["emails"] == 0
    from assessments.services.emails import report_email_send

    assert report_email_send(organization_id=org.pk, email_id=waiting.pk) == "sent"
    assert len(mail.outbox) == 1


def test_a_broker_outage_reaching_the_api_answers_503_with_retry_after():
    request = APIRequestFactory().post("/api/v1/orgs/x/assessments/1/runs/")
    response = exception_handler(OperationalError("Connection refused"), {"request": request})

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.data["detail"].startswith("The task queue is unavailable")
