"""What a failed run says: each reason a run stops, in words that tell the user what to change,
and how a database refusal for size is recognised."""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError


def attempts_exhausted_error(attempts: int) -> str:
    memory_gb = settings.SOVRA_WORKER_MAX_MEMORY_PER_CHILD / 1024**3
    return (
        f"Stopped after {attempts} attempts: the worker ran out of memory or time each time "
        f"(limits: {memory_gb:g} GB per worker process, "
        f"{settings.SOVRA_RUN_TIME_LIMIT_SECONDS} seconds per attempt). Select fewer workloads "
        "or fewer Monte Carlo samples, or ask your administrator to raise the limits."
    )


def out_of_time_error(step: str = "") -> str:
    where = f"Stopped at step '{step}'" if step else "Stopped"
    return (
        f"{where}: the run took longer than the "
        f"{settings.SOVRA_RUN_SOFT_TIME_LIMIT_SECONDS} seconds one attempt may take. Select fewer "
        "workloads or fewer Monte Carlo samples, or ask your administrator to raise "
        "SOVRA_RUN_SOFT_TIME_LIMIT_SECONDS."
    )


def results_too_large_error(workloads: int) -> str:
    return (
        f"The results of these {workloads:,} workloads are larger than the database holds in "
        "one document (PostgreSQL's jsonb: 256 MB). Select fewer workloads per assessment (a "
        "few thousand at most) and run the rest in another."
    )


def beyond_a_limit(error: DatabaseError) -> bool:
    """Whether the database refused a value for its size (PostgreSQL: program limit exceeded,
    SQLSTATE 54000; SQLite: string or blob too big), which no retry can change."""
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == "54000" or "too big" in str(cause or error)


def out_of_memory_error(step: str) -> str:
    return (
        f"Stopped at step '{step}': the worker ran out of memory. Select fewer workloads or "
        "fewer Monte Carlo samples, or ask your administrator for workers with more memory."
    )
