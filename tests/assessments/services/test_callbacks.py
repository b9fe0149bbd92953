"""The completion callback: a POST signed with HMAC-SHA256 over the timestamp and the body."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from assessments.models import Assessment, AssessmentRun
from assessments.services.callbacks import CallbackRetry, run_callback_send
from tests.assessments.world import finished_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    received, replies = [], [204]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(replies[0])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/sovra", received, replies
    server.shutdown()
    server.server_close()


def test_the_receiver_can_check_who_sent_it(org, receiver):
    url, received, _ = receiver
    assessment = Assessment.objects.create_in(
        org, name="Hooked", callback_url=url, callback_secret="s3cret" * 8
    )
    run = finished_run(assessment)

    assert run_callback_send(organization_id=org.pk, run_id=run.pk) == 204

    ((headers, body),) = received
    expected = hmac.new(
        b"s3cret" * 8, headers["X-Sovra-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Sovra-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["run"] == run.pk and payload["status"] == "succeeded"
    assert payload["pdf_url"].endswith(f"/api/v1/orgs/{org.slug}/runs/{run.pk}/report.pdf")
    note = AssessmentRun.objects.for_organization(org).get(pk=run.pk).callback_status
    assert note.startswith("HTTP 204")


def test_an_unavailable_receiver_is_tried_again(org, receiver):
    url, received, replies = receiver
    replies[0] = 503
    run = finished_run(Assessment.objects.create_in(org, name="Hooked", callback_url=url))
    with pytest.raises(CallbackRetry, match="HTTP 503"):
        run_callback_send(organization_id=org.pk, run_id=run.pk)
    assert len(received) == 1
