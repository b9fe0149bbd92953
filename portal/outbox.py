"""Hand a stored row's work to the task queue: the row is the truth, the queue only a nudge.

Every e-mail, callback and run is a database row first; its task is queued once the row is
committed. If the broker cannot take the message (down, restarting, unreachable), the row stays
queued and the beat sweeper (``assessments.services.outbox.outbox_sweep``) queues it again: a
broker outage delays the work but never loses it, and never turns a saved request into a 500.
"""

from __future__ import annotations

import logging

from kombu.exceptions import OperationalError as BrokerUnavailable

logger = logging.getLogger(__name__)

# What a broker that cannot take a message raises through Celery (kombu wraps connection
# errors into its OperationalError); OSError covers a refused or reset socket underneath.
BROKER_ERRORS: tuple[type[BaseException], ...] = (BrokerUnavailable, OSError)


def enqueue(task, *args) -> str | None:
    """Queue ``task(*args)``; the task id, or None when the broker could not take it."""
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
