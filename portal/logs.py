"""Request ids: one per request, on every log line it causes, here and in the tasks it queues.

The id comes from the request's ``X-Request-ID`` header when that is well-formed (a proxy or a
client correlating its own logs), else it is generated; the response returns it. Tasks queued
while it is set carry it in a message header, and a worker's log lines for the task carry it
too. A context variable holds it, set for each request and each task and cleared when it ends,
so a thread or pool process that serves the next one never keeps a stale id. (django-guid does
the same with a Celery integration that replaces the request's id whenever a task runs
in-process, the embedded default, and clears it after: the request's later lines had none.)
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from celery import current_task
from celery.signals import before_task_publish, task_postrun, task_prerun
from django.core.signals import request_finished
from django.dispatch import receiver

HEADER = "X-Request-ID"
# Letters, digits, dot, dash, underscore: UUIDs and proxies' ids (nginx's $request_id), nothing
# that could forge a log line or a header.
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")
# The task message header that carries the id to the worker.
TASK_HEADER = "sovra_request_id"
# One JSON object per line: time, level, logger, message, then request_id and whatever the record
# carries (a task's name and id, a response's status code, a traceback as exc_info).
JSON_FORMATTER = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "{levelname}{name}{message}",
    "style": "{",
    "rename_fields": {"levelname": "level", "name": "logger"},
    "timestamp": "time",
}

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# The tokens that put back what a worker's task replaced, by task id.
_task_tokens: dict[str, object] = {}


def request_id_from(header: str | None) -> str:
    """The caller's id when well-formed, else a new one."""
    if header and WELL_FORMED.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Sets the request's id for everything the request runs, and returns it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        value = request_id_from(request.headers.get(HEADER))
        # Left set until the response is closed (below): Django logs a response's 4xx or 5xx
        # status after the middleware has returned, and a streamed body is read later still.
        request_id.set(value)
        response = self.get_response(request)
        response[HEADER] = value
        return response


@receiver(request_finished)
def _forget_request_id(**kwargs) -> None:
    request_id.set(None)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``missing`` outside any request or task), and the
    task's name and id to records written while a task runs."""

    def __init__(self, missing: str | None = None):
        super().__init__()
        self.missing = missing

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or self.missing
        task = current_task
        if task and task.request.id:
            record.task_id, record.task_name = task.request.id, task.name
        return True


@before_task_publish.connect
def _carry_request_id(headers=None, **kwargs) -> None:
    value = request_id.get()
    if value and headers is not None:
        headers[TASK_HEADER] = value


@task_prerun.connect
def _adopt_request_id(task_id=None, task=None, **kwargs) -> None:
    # A task run in-process (the embedded default) already runs in its request's context.
    if task is None or task.request.is_eager:
        return
    carried = task.request.get(TASK_HEADER)
    value = carried if carried and WELL_FORMED.fullmatch(carried) else None
    _task_tokens[task_id] = request_id.set(value)


@task_postrun.connect
def _drop_request_id(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        request_id.reset(token)


def gunicorn_logconfig(log_format: str) -> dict:
    """gunicorn's own lines (start-up, workers, the access log) in JSON like Sovra's, or its
    text defaults (an empty configuration)."""
    if log_format != "json":
        return {}
    stream = {"class": "logging.StreamHandler", "formatter": "json"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": JSON_FORMATTER},
        "handlers": {
            "console": {**stream, "stream": "ext://sys.stdout"},
            "error_console": {**stream, "stream": "ext://sys.stderr"},
        },
        "root": {"level": "WARNING", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }
