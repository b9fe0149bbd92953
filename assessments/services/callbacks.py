"""Tell an integration that a run finished: a POST signed with HMAC-SHA256.

The body is JSON; ``X-Sovra-Signature: sha256=<hex>`` is the HMAC of ``<timestamp>.<body>``
with the assessment's callback secret, and ``X-Sovra-Timestamp`` the Unix time it was signed,
so a receiver can check both who sent it and that it is fresh.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.urls import reverse

from assessments.models import AssessmentRun
from portal.models import Organization

TIMEOUT_SECONDS = 10


def enqueue_callback(run: AssessmentRun) -> None:
    from assessments.tasks import run_callback_task

    run_callback_task.delay(run.organization_id, run.pk)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def callback_payload(run: AssessmentRun) -> dict:
    base = settings.SITE_URL.rstrip("/")
    kwargs = {"org_slug": run.organization.slug, "pk": run.pk}
    return {
        "event": "run.finished",
        "run": run.pk,
        "assessment": run.assessment_id,
        "organization": run.organization.slug,
        "status": run.status,
        "error": run.error,
        "url": base + reverse("api:run-detail", kwargs=kwargs),
        "results_url": base + reverse("api:run-results", kwargs=kwargs),
        "pdf_url": base + reverse("api:run-pdf", kwargs=kwargs),
    }


def run_callback_send(*, organization_id: int, run_id: int) -> int:
    """POST the run's outcome to its assessment's callback URL; returns the HTTP status."""
    organization = Organization.objects.get(pk=organization_id)
    run = (
        AssessmentRun.objects.for_organization(organization)
        .select_related("assessment", "organization")
        .defer("snapshot", "results")
        .get(pk=run_id)
    )
    url = run.assessment.callback_url
    if not url.startswith(("https://", "http://")):
        return 0
    body = json.dumps(callback_payload(run), separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Sovra callback",
            "X-Sovra-Timestamp": timestamp,
            "X-Sovra-Signature": signature(run.assessment.callback_secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    note = f"HTTP {status} at {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC"
    # The run has finished and is immutable; the callback's outcome is a delivery note.
    AssessmentRun.objects.for_organization(organization).filter(pk=run.pk).update(
        callback_status=note
    )
    if status >= 500 or status == 429:
        raise CallbackRetry(note)
    return status


class CallbackRetry(RuntimeError):
    """The receiver was unavailable; the task tries again later."""
