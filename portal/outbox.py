"""Hand a stored row's work to the task queue: the row is the truth, the queue only a nudge.

Every e-mail, callback and run is a database row first; its task is queued once the row is
committed. If the broker cannot take the message (down, restarting, unreachable), the row stays
queued and the beat sweeper (``assessments.services.outbox.outbox_sweep``) queues it again: a
broker outage delays the work but never loses it, and never turns a saved request into a 500.
"""

from __future__ import annotations

import logging

from celery import current_app
from celery.exceptions import NotRegistered
from kombu.exceptions import OperationalError as BrokerUnavailable

logger = logging.getLogger(__name__)

# What a broker that cannot take a message raises through Celery (kombu wraps connection
# errors into its OperationalError); OSError covers a refused or reset socket underneath.
BROKER_ERRORS: tuple[type[BaseException], ...] = (BrokerUnavailable, OSError)


def registered_task(task_name: str):
    """The task registered as ``task_name``. A process that never imported the apps' tasks
    modules (a web worker, a management command) runs Celery's autodiscovery once first."""
    try:
        return current_app.tasks[task_name]
    except NotRegistered:
        current_app.loader.import_default_modules()
        return current_app.tasks[task_name]


def enqueue(task_name: str, *args) -> str | None:
    """Queue the task registered as ``task_name`` with ``args``; its id, or None when the
    broker could not take it. Services name their task: tasks import services, never the
    reverse."""
    task = registered_task(task_name)
    try:
        return task.delay(*args).id or ""
    except BROKER_ERRORS as error:
        logger.warning(
            "broker unavailable, %s%r left for the outbox sweeper: %s", task.name, args, error
        )
        return None


# How a task that met a transient error (database or broker away, SMTP refusing) tries again:
# 15, 30, 60, 120, 240 s... capped at 10 minutes, so five retries span about eight minutes and
# a database restart of 20 s no longer uses them all up. No jitter: its random wait may be 0.
RETRY = {"retry_backoff": 15, "retry_backoff_max": 600, "retry_jitter": False}
