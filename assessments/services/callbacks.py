"""Tell an integration that a run finished: a POST signed with HMAC-SHA256.

The body is JSON; ``X-Sovra-Signature: sha256=<hex>`` is the HMAC of ``<timestamp>.<body>``
with the assessment's callback secret, and ``X-Sovra-Timestamp`` the Unix time it was signed,
so a receiver can check both who sent it and that it is fresh.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

import urllib3
from django.conf import settings
from django.urls import reverse

from assessments.callback_target import CallbackRefused, CallbackTarget, callback_target
from assessments.models import AssessmentRun
from portal.models import Organization
from portal.outbox import enqueue

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 5
TIMEOUT_SECONDS = 10
CA_CERTS: str | None = None  # None: the system's trusted authorities


def enqueue_callback(run: AssessmentRun) -> None:
    enqueue("assessments.tasks.run_callback_task", run.organization_id, run.pk)


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
    """POST the run's outcome to its assessment's callback URL; returns the HTTP status (0 when
    nothing was sent).

    The URL is resolved once and refused unless every address is public (or the host is in
    SOVRA_CALLBACK_ALLOWED_HOSTS); the POST goes to that address and follows no redirect. The
    run shows only "delivered" or "failed": what the receiver answered, or why it was refused,
    goes to the server log, so the status cannot map the network for whoever reads it."""
    organization = Organization.objects.get(pk=organization_id)
    run = (
        AssessmentRun.objects.for_organization(organization)
        .select_related("assessment", "organization")
        .defer("snapshot", "results")
        .get(pk=run_id)
    )
    url = run.assessment.callback_url
    if run.callback_status.startswith("delivered"):
        return 0  # a redelivered task or the outbox sweeper's nudge: the receiver has it
    try:
        target = callback_target(url, allowed_hosts=settings.SOVRA_CALLBACK_ALLOWED_HOSTS)
    except CallbackRefused as refusal:
        logger.warning("callback of run %s to %s refused: %s", run.pk, url, refusal)
        _note(run, delivered=False)
        return 0
    body = json.dumps(callback_payload(run), separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": "Sovra callback",
        "X-Sovra-Timestamp": timestamp,
        "X-Sovra-Signature": signature(run.assessment.callback_secret, timestamp, body),
    }
    try:
        status = _post(target, body, headers)
    except (urllib3.exceptions.HTTPError, OSError) as error:
        logger.warning(
            "callback of run %s to %s (%s) failed: %r", run.pk, url, target.address, error
        )
        _note(run, delivered=False)
        raise CallbackRetry(f"{url}: {type(error).__name__}") from error
    delivered = 200 <= status < 300
    if not delivered:
        logger.warning("callback of run %s to %s answered HTTP %s", run.pk, url, status)
    _note(run, delivered=delivered)
    if status >= 500 or status == 429:
        raise CallbackRetry(f"{url}: HTTP {status}")
    return status


def _post(target: CallbackTarget, body: bytes, headers: dict[str, str]) -> int:
    """POST to the resolved address; TLS names and checks the certificate of the URL's host."""
    timeout = urllib3.Timeout(
        total=TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS, read=TIMEOUT_SECONDS
    )
    options = {"port": target.port, "timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            str(target.address),
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=CA_CERTS,
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(str(target.address), **options)
    with pool:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            assert_same_host=False,
            preload_content=False,  # only the status matters: never read what the receiver sends
        )
        response.close()
        return response.status


def _note(run: AssessmentRun, *, delivered: bool) -> None:
    # The run has finished and is immutable; the callback's outcome is a delivery note.
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    note = (
        f"delivered {when} UTC" if delivered else f"failed {when} UTC (details in the server log)"
    )
    AssessmentRun.objects.for_organization(run.organization).filter(pk=run.pk).update(
        callback_status=note
    )


class CallbackRetry(RuntimeError):
    """The receiver was unavailable; the task tries again later."""
