"""Probes for load balancers and orchestrators: /healthz (the process answers) and /readyz (the
database, the broker and a worker answer, each within a second).

Both are public and say nothing but each check's name and ok/failing: no version, host name or
error text, which would tell a stranger what runs and where it hurts.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait

from celery import current_app
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_safe

# Seconds each dependency has to answer; the probe answers within about as long.
CHECK_SECONDS = 1.0
OK, FAILING, IN_PROCESS = "ok", "failing", "in-process"


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()  # the probe's own connection, in its own thread
    return OK


def _broker() -> str:
    with current_app.connection_for_write(connect_timeout=CHECK_SECONDS) as broker:
        broker.ensure_connection(max_retries=0, timeout=CHECK_SECONDS)
    return OK


def _worker() -> str:
    replies = current_app.control.ping(timeout=CHECK_SECONDS, limit=1)
    return OK if replies else FAILING


def readiness() -> dict[str, str]:
    """Each check's state. With tasks run in-process (the embedded default) there is no broker
    or worker to ask: those are "in-process". The checks run side by side, and one that has
    not answered after CHECK_SECONDS is failing (its thread is left to give up on its own)."""
    checks = {"database": _database}
    in_process = current_app.conf.task_always_eager
    if not in_process:
        checks |= {"broker": _broker, "worker": _worker}
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="readyz")
    futures = {name: pool.submit(check) for name, check in checks.items()}
    wait(futures.values(), timeout=CHECK_SECONDS + 0.2)
    pool.shutdown(wait=False, cancel_futures=True)
    states = {
        name: future.result() if future.done() and not future.exception() else FAILING
        for name, future in futures.items()
    }
    if in_process:
        states |= {"broker": IN_PROCESS, "worker": IN_PROCESS}
    return states


def _probe_response(body: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def healthz(request):
    return _probe_response({"status": OK})


@require_safe
def readyz(request):
    checks = readiness()
    ready = FAILING not in checks.values()
    return _probe_response(
        {"status": OK if ready else FAILING, "checks": checks}, 200 if ready else 503
    )


PROBES = {"/healthz": healthz, "/readyz": readyz}


class ProbeMiddleware:
    """Answers the probes before any other middleware: a load balancer asks by address (a Host
    that ALLOWED_HOSTS need not list) and over plain HTTP (no HTTPS redirect), and its calls every
    few seconds need no session, request id or log line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        return probe(request) if probe else self.get_response(request)
