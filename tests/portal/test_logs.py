"""Logs: a request id on every line a request causes, in the tasks it queues too, as JSON or
text (SOVRA_LOG_FORMAT)."""

from __future__ import annotations

import json
import logging
import re
import time

import pytest
from django.test import Client

from portal.celery import app as celery_app
from portal.logs import RequestIdFilter, request_id
from portal.models import Role
from tests.assessments.live import wait, worker_process
from tests.portal.test_settings import resolved_settings, settings_process

GIVEN_ID = "3f2c9a1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"


@pytest.fixture
def logged(caplog):
    """caplog, its records with what the console handler's filter adds to each."""
    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(RequestIdFilter())
    return caplog


@pytest.mark.parametrize(
    "given", [GIVEN_ID, "0123456789abcdef0123456789abcdef", "edge-7f3a.req_42"]
)
def test_a_well_formed_request_id_is_kept_and_returned(given, db):
    assert Client().get("/login/", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given


@pytest.mark.parametrize(
    "given", [None, "", "short", "a b c d e f g h", "x" * 65, "abc\r\nX-Forged: 1", "-leading-dash"]
)
def test_a_missing_or_malformed_request_id_is_replaced_by_a_new_one(given, db):
    headers = {} if given is None else {"HTTP_X_REQUEST_ID": given}
    first = Client().get("/login/", **headers)["X-Request-ID"]
    second = Client().get("/login/", **headers)["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


def test_the_lines_a_request_writes_carry_its_id_and_later_lines_none(logged, db):
    Client().get("/no-such-page/", HTTP_X_REQUEST_ID=GIVEN_ID)
    records = logged.records
    logging.getLogger("sovra.test").warning("after the request")
    not_found = next(r for r in records if r.name == "django.request")
    assert not_found.getMessage() == "Not Found: /no-such-page/"
    assert not_found.request_id == GIVEN_ID
    assert records[-1].request_id is None


def test_a_task_run_in_process_keeps_the_request_id_and_leaves_it_in_place(logged):
    """The embedded default runs tasks inside the request: their lines carry its id, and the
    request's own lines after the task still do."""
    token = request_id.set(GIVEN_ID)
    try:
        celery_app.tasks["celery.accumulate"].delay(1, 2).get()
        after = request_id.get()
    finally:
        request_id.reset(token)
    succeeded = next(r for r in logged.records if r.name == "celery.app.trace")
    assert "celery.accumulate" in succeeded.getMessage()
    assert (succeeded.request_id, succeeded.task_name) == (GIVEN_ID, "celery.accumulate")
    assert after == GIVEN_ID


def test_the_log_format_is_json_or_text_and_nothing_else():
    env = {"DJANGO_DEBUG": "true", "SOVRA_LOG_FORMAT": "json"}
    assert resolved_settings(env)["LOG_HANDLER_FORMATTER"] == "json"
    assert resolved_settings({"DJANGO_DEBUG": "true"})["LOG_HANDLER_FORMATTER"] == "text"
    refused = settings_process({"DJANGO_DEBUG": "true", "SOVRA_LOG_FORMAT": "xml"})
    assert refused.returncode != 0
    assert "SOVRA_LOG_FORMAT is 'xml': use json or text." in refused.stderr


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_the_request_id_follows_the_api_call_into_the_worker_s_json_log(
    org, admin_user, inbox, queue, tmp_path
):
    """GIVEN a worker logging JSON (as in the image) WHEN an API call with an X-Request-ID
    invites someone THEN the worker's lines for the e-mail task carry that id."""
    handler, port = inbox
    with worker_process(
        queue, port, tmp_path, "-P", "solo", level="info", SOVRA_LOG_FORMAT="json"
    ) as worker:
        client = Client()
        client.force_login(admin_user)
        response = client.post(
            f"/api/v1/orgs/{org.slug}/invitations/",
            {"email": "new.analyst@example.org", "role": Role.ANALYST},
            content_type="application/json",
            HTTP_X_REQUEST_ID=GIVEN_ID,
        )
        assert response.status_code == 201, response.content
        assert response["X-Request-ID"] == GIVEN_ID
        wait(lambda: handler.messages, 60, "the invitation e-mail", worker)

        def task_lines():
            # The worker's start-up banner is printed, not logged: every logged line is JSON.
            text = worker.log_path.read_text().splitlines()
            lines = [json.loads(line) for line in text if line.startswith("{")]
            return [line for line in lines if line.get("task_name", "").endswith("_send_task")]

        lines = wait(
            lambda: [line for line in task_lines() if "succeeded" in line["message"]],
            10,
            "the task's success line",
            worker,
        )
    (succeeded,) = lines
    assert succeeded["request_id"] == GIVEN_ID
    assert succeeded["task_name"] == "portal.tasks.invitation_email_send_task"
    assert succeeded["level"] == "INFO" and succeeded["logger"] == "celery.app.trace"
    assert time.strptime(succeeded["time"][:19], "%Y-%m-%dT%H:%M:%S")
    assert handler.messages[0]["To"] == "new.analyst@example.org"
