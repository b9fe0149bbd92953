"""Compute and watch assessment runs: the pipeline's steps, each resumable.

A run moves queued -> running -> succeeded | failed. Each step stores its section of the results
before the next begins, so a task delivered twice (acks_late after a worker died) resumes at
the first step not yet stored and never makes a second run, PDF or email.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from assessments import compute
from assessments.inputs import RunSnapshot
from assessments.models import AssessmentRun, RunChunk, RunReport, RunSection, RunStatus
from assessments.results import check_section
from assessments.services.assessments import assessment_check_size
from assessments.services.run_chunks import chunks_collect, chunks_dispatch, run_is_split
from assessments.services.run_errors import (
    attempts_exhausted_error,
    beyond_a_limit,
    out_of_memory_error,
    out_of_time_error,
    results_too_large_error,
)
from assessments.services.run_report import report_meta, typed_results_letting_go
from assessments.services.run_results_store import (
    ResultsFromSections,
    run_section_store,
    run_sections_stored,
)
from assessments.services.run_start import enqueue_execute
from portal.memory import release_free_memory
from portal.models import Organization
from portal.transient import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


class RunInputError(ValueError):
    """The run cannot be computed from its inputs; the message says what the user can change."""


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    progress_pct: int  # progress once the step is done
    done: Callable[[AssessmentRun], bool]
    do: Callable[[AssessmentRun], None]


# --------------------------------------------------------------------------- the steps


def _store(run: AssessmentRun, **fields) -> None:
    """Write fields of a running run (never of a finished one) and show the worker is alive."""
    fields.setdefault("heartbeat_at", timezone.now())
    updated = (
        AssessmentRun.objects.for_organization(run.organization)
        .filter(pk=run.pk, status=RunStatus.RUNNING)
        .update(**fields)
    )
    if not updated:
        raise RunAbandoned(f"run {run.pk} is no longer running")
    for name, value in fields.items():
        setattr(run, name, value)


def _store_section(run: AssessmentRun, name: str, section, workloads_ready: bool = False) -> None:
    """Store one step's section (its per-workload parts on rows of their own; the portfolio
    parts are assembled into the run's results when it finishes), and keep it, as its JSON
    reads back, for the steps after it. ``workloads_ready``: its workloads came as JSON from
    chunks that checked them (the rest of it is made ready and checked here)."""
    if workloads_ready:
        workloads, section["workloads"] = section["workloads"], []
        section = compute.json_ready(section)
        check_section(name, section)
        section["workloads"] = workloads
    else:
        section = compute.json_ready(section)
        check_section(name, section)
    with transaction.atomic():
        _store(run)
        run_section_store(run=run, name=name, section=section)
    run.results = {**(run.results or {}), name: section}


class RunAbandoned(RuntimeError):
    """The run was finished (or re-queued) by someone else while this worker computed it."""


def _snapshot(run: AssessmentRun) -> None:
    from assessments.selectors import run_snapshot

    try:
        assessment_check_size(assessment=run.assessment)
    except ValidationError as error:
        message = error.message_dict["workloads"][0]
        raise RunInputError(message[0].upper() + message[1:]) from error
    try:
        snapshot = run_snapshot(assessment=run.assessment)
    except ValueError as error:
        raise RunInputError(str(error)) from error
    _check_scenario(snapshot)
    _store(run, snapshot=snapshot)


def _check_scenario(snapshot: dict) -> None:
    from costing.engine.scenario import ScenarioInvalid

    try:
        compute.scenario_of(snapshot)  # the steps after this one use it, parsed
    except ScenarioInvalid as error:
        problems = "; ".join(f"{path}: {message}" for path, message in error.errors[:5])
        raise RunInputError(
            f"The inputs do not make a valid scenario ({problems}). Check the assessment's "
            "assumption overrides and the workloads named."
        ) from error


@contextmanager
def _collector_paused():
    """Python's cycle collector paused while a step builds its results: a large portfolio's
    results are millions of new dicts and lists, each of which would count towards a pass of
    the collector over everything alive; cycles left meanwhile are collected afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _section(name: str, make: Callable[[AssessmentRun], object], split: bool = False) -> Callable:
    def do(run: AssessmentRun) -> None:
        with _collector_paused():
            ready = split and run_is_split(run.snapshot)
            _store_section(run, name, make(run), workloads_ready=ready)

    return do


def _has(name: str) -> Callable[[AssessmentRun], bool]:
    return lambda run: name in (run.results or {})


def _engine(run: AssessmentRun) -> dict:
    """The engine section; a large run's workloads in chunks, by several workers at once."""
    if not run_is_split(run.snapshot):
        return compute.engine_section(run.snapshot)
    chunks = chunks_dispatch(run=run, step="engine")
    parts = chunks_collect(run=run, step="engine", chunks=chunks, heartbeat=lambda: _store(run))
    return compute.engine_section_merged(run.snapshot, parts)


def _monte_carlo(run: AssessmentRun) -> dict | None:
    """The Monte Carlo section; a large run's samples in chunks, by several workers at once."""
    samples = int(run.snapshot["assessment"].get("monte_carlo_samples") or 0)
    if samples <= 0 or not run_is_split(run.snapshot):
        return compute.monte_carlo_section(run.snapshot)
    chunks = chunks_dispatch(run=run, step="monte_carlo")
    parts = chunks_collect(
        run=run, step="monte_carlo", chunks=chunks, heartbeat=lambda: _store(run)
    )
    return compute.monte_carlo_section_merged(run.snapshot, parts)


def _placement(run: AssessmentRun):
    from assessments.placement_step import placement_section

    return placement_section(run.snapshot, run.results)


def _render(run: AssessmentRun) -> None:
    from assessments.reports import render_report

    started = time.perf_counter()
    summary = compute.json_ready(compute.summary_section(run.results, run.snapshot))
    results = typed_results_letting_go({**run.results, "summary": summary})
    # The report reads the typed copy; the sections it was read from are stored already, and
    # letting them go before the layout keeps a large run's peak memory to one copy of them.
    run.results = {}
    release_free_memory()
    snapshot = RunSnapshot.load(run.snapshot)
    with _collector_paused():  # a long report is hundreds of thousands of layout boxes
        pdf, pages = render_report(results=results, snapshot=snapshot, meta=report_meta(run))
    RunReport.objects.for_organization(run.organization).filter(run=run).delete()  # earlier try
    RunReport.objects.create_in(
        run.organization,
        run=run,
        pdf=pdf,
        size_bytes=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        pages=pages,
        render_seconds=time.perf_counter() - started,
    )
    _store_section(run, "summary", summary)


STEPS = (
    Step("snapshot", "Freezing the inputs", 10, lambda run: run.snapshot is not None, _snapshot),
    Step(
        "engine",
        "Sizing and costing every option",
        35,
        _has("engine"),
        _section("engine", lambda run: _engine(run), split=True),
    ),
    Step(
        "monte_carlo",
        "Monte Carlo over the uncertain inputs",
        60,
        _has("monte_carlo"),
        _section("monte_carlo", lambda run: _monte_carlo(run)),
    ),
    Step(
        "sensitivity",
        "Sensitivity of the two leading options",
        68,
        _has("tornado"),
        _section("tornado", lambda run: compute.tornado_section(run.snapshot)),
    ),
    Step(
        "sovereignty",
        "Scoring sovereignty and blocking rules",
        76,
        _has("sovereignty"),
        _section(
            "sovereignty",
            lambda run: compute.sovereignty_section(run.snapshot, run.results["engine"]),
        ),
    ),
    Step(
        "placement",
        "Placing the portfolio",
        84,
        _has("placement"),
        _section("placement", _placement),
    ),
    Step("render", "Rendering the PDF report", 98, _has("summary"), _render),
)
STEP_LABELS = {"queued": "Waiting for a worker", **{s.name: s.label for s in STEPS}}
STEP_LABELS.update(done="Finished", failed="Failed")


def not_succeeded_message(run: AssessmentRun, what: str) -> str:
    """Why a run has no ``what`` (results, report...) yet, or never will, in words."""
    if run.status == RunStatus.FAILED:
        return f"Run #{run.number} failed, so it has no {what}: {run.error or 'no reason given'}"
    label = STEP_LABELS.get(run.step, run.step)
    return (
        f"Run #{run.number} is {run.status} ({label}, {run.progress_pct}%): its {what} exist "
        "once it has succeeded."
    )


# --------------------------------------------------------------------------- execution


def _claim(
    organization: Organization, run_id: int, task_id: str, transient_retry: bool
) -> AssessmentRun | None:
    """Mark the run as ours, or None when there is nothing to do (finished, or another live
    worker has it); AttemptsExhausted when it may not be started again."""
    stale = timedelta(seconds=settings.SOVRA_RUN_STALE_SECONDS)
    with transaction.atomic():
        run = (
            AssessmentRun.objects.for_organization(organization)
            .select_for_update(of=("self",))
            .select_related("assessment", "organization", "requested_by")
            .filter(pk=run_id)
            .first()
        )
        if run is None or run.finished:
            return None
        now = timezone.now()
        alive = run.heartbeat_at is not None and now - run.heartbeat_at < stale
        if run.status == RunStatus.RUNNING and alive and run.task_id != task_id:
            return None
        # A worker killed mid-run (out of memory, hard time limit) gives its message back
        # (reject_on_worker_lost) and leaves no other trace: counting starts here is what stops
        # the same run from killing worker after worker. The task's own retry after a transient
        # error follows an attempt that ended instead: it counts only if it starts the run.
        if not transient_retry or run.status == RunStatus.QUEUED:
            if run.attempts >= settings.SOVRA_RUN_MAX_ATTEMPTS:
                raise AttemptsExhausted(run)
            run.attempts += 1
        run.status = RunStatus.RUNNING
        run.started_at = run.started_at or now
        run.heartbeat_at = now
        run.task_id = task_id or run.task_id
        run.save(update_fields=["status", "started_at", "heartbeat_at", "attempts", "task_id"])
        return run


class AttemptsExhausted(Exception):
    """The run was started SOVRA_RUN_MAX_ATTEMPTS times already and never finished."""

    def __init__(self, run: AssessmentRun):
        super().__init__(f"run {run.pk} was started {run.attempts} times")
        self.run = run


def assessment_run_execute(
    *, organization_id: int, run_id: int, task_id: str = "", transient_retry: bool = False
) -> str:
    """Compute every step not yet stored; returns the run's status afterwards.

    ``transient_retry``: this is the task's own retry after a transient error (the database or
    broker was away), which resumes the run without using up the SOVRA_RUN_MAX_ATTEMPTS meant
    for runs that kill their worker: otherwise a few database blips in one run would fail it
    as "out of memory or time".
    """
    organization = Organization.objects.get(pk=organization_id)
    try:
        run = _claim(organization, run_id, task_id, transient_retry)
    except AttemptsExhausted as exhausted:
        logger.error("%s without finishing: failing it", exhausted)
        _finish(exhausted.run, RunStatus.FAILED, attempts_exhausted_error(exhausted.run.attempts))
        return RunStatus.FAILED
    if run is None:
        return "skipped"
    run.results = {**(run.results or {}), **run_sections_stored(run=run)}
    timings = dict(run.timings or {})
    try:
        with compute.scenario_parsed_once():
            for step in STEPS:
                if step.done(run):
                    continue
                _store(run, step=step.name)
                started = time.perf_counter()
                step.do(run)
                timings[step.name] = round(time.perf_counter() - started, 3)
                _store(run, timings=timings, progress_pct=step.progress_pct)
    except RunAbandoned:
        logger.warning("run %s was finished elsewhere while computing", run_id)
        return "abandoned"
    except RunInputError as error:
        _finish(run, RunStatus.FAILED, str(error))
        return RunStatus.FAILED
    except SoftTimeLimitExceeded:
        # Another attempt would run out of time the same way: fail once, with the reason.
        logger.error("run %s ran out of time at step %s", run_id, run.step)
        _finish(run, RunStatus.FAILED, out_of_time_error(run.step))
        return RunStatus.FAILED
    except MemoryError:
        logger.error("run %s ran out of memory at step %s", run_id, run.step)
        _finish(run, RunStatus.FAILED, out_of_memory_error(run.step))
        return RunStatus.FAILED
    except TRANSIENT_ERRORS:
        raise  # the task retries with backoff; the steps stored so far are kept
    except Exception:
        reference = uuid.uuid4().hex[:8]
        logger.exception("run %s failed (reference %s)", run_id, reference)
        _finish(
            run,
            RunStatus.FAILED,
            f"An internal error stopped the run at step '{run.step}' (reference {reference}). "
            "Run the assessment again; if it fails the same way, send the reference to your "
            "administrator.",
        )
        return RunStatus.FAILED
    return _finish(run, RunStatus.SUCCEEDED)


def _finish(run: AssessmentRun, status: str, error: str = "") -> str:
    """Close an unfinished run (the last write it ever gets, with its results assembled from the
    sections its steps stored), then queue its emails and callback; returns its status."""
    summary = (run.results or {}).get("summary") or {}
    npv = summary.get("cheapest_npv")
    unfinished = AssessmentRun.objects.for_organization(run.organization).filter(
        pk=run.pk, status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                updated = unfinished.update(
                    status=status,
                    error=error,
                    step="done" if status == RunStatus.SUCCEEDED else "failed",
                    progress_pct=100 if status == RunStatus.SUCCEEDED else run.progress_pct,
                    finished_at=timezone.now(),
                    heartbeat_at=timezone.now(),
                    currency=summary.get("currency", ""),
                    cheapest_option=summary.get("cheapest_option") or "",
                    cheapest_npv=None if npv is None else Decimal(str(round(npv, 2))),
                    recommended_option=summary.get("recommended_option") or "",
                    results=ResultsFromSections(run.pk),
                )
        except DatabaseError as too_large:
            if not beyond_a_limit(too_large):
                raise
            # Another try would meet the same limit: fail once, saying what to change.
            logger.error("run %s: its results exceed what one document may hold", run.pk)
            status = RunStatus.FAILED
            updated = unfinished.update(
                status=status,
                error=results_too_large_error(len((run.snapshot or {}).get("workloads") or ())),
                step="failed",
                finished_at=timezone.now(),
                heartbeat_at=timezone.now(),
            )
        if not updated:
            return status
        RunSection.objects.for_organization(run.organization).filter(run=run).delete()
        RunChunk.objects.for_organization(run.organization).filter(run=run).delete()
        recipients = list(run.assessment.recipients or [])
        if status == RunStatus.SUCCEEDED and recipients:
            from assessments.services.emails import report_email_queue

            report_email_queue(
                run=run,
                recipients=recipients,
                message=run.assessment.email_message,
                requested_by=None,
                automatic=True,
            )
        if run.assessment.callback_url:
            from assessments.services.callbacks import enqueue_callback

            transaction.on_commit(lambda: enqueue_callback(run))
    return status


def assessment_run_fail(*, organization_id: int, run_id: int, error: str) -> None:
    """Fail a run that its task could not finish (retries exhausted, worker gone for good)."""
    organization = Organization.objects.get(pk=organization_id)
    run = AssessmentRun.objects.for_organization(organization).filter(pk=run_id).first()
    if run is None or run.finished:
        return
    _finish(run, RunStatus.FAILED, error)


def assessment_runs_check_stale() -> dict[str, int]:
    """Find runs whose worker vanished: queue them again, or fail them after too many tries."""
    now = timezone.now()
    stale_running = now - timedelta(seconds=settings.SOVRA_RUN_STALE_SECONDS)
    stale_queued = now - timedelta(seconds=settings.SOVRA_RUN_QUEUED_STALE_SECONDS)
    counts = {"requeued": 0, "failed": 0}
    # Deliberately across organizations: this is the operator's watchdog, not a tenant read.
    candidates = AssessmentRun.objects.unscoped().filter(
        status__in=(RunStatus.RUNNING, RunStatus.QUEUED)
    )
    for run in candidates.select_related("organization", "assessment").defer("snapshot", "results"):
        last_sign = run.heartbeat_at or run.created_at
        limit = stale_running if run.status == RunStatus.RUNNING else stale_queued
        if last_sign >= limit:
            continue
        if run.attempts >= settings.SOVRA_RUN_MAX_ATTEMPTS:
            assessment_run_fail(
                organization_id=run.organization_id,
                run_id=run.pk,
                error=(
                    f"The worker computing this run stopped responding {run.attempts} times "
                    f"(last sign of life {last_sign:%Y-%m-%d %H:%M} UTC). Check that the Celery "
                    "workers are running and have memory to spare, then run the assessment again."
                ),
            )
            counts["failed"] += 1
            continue
        moved = (
            AssessmentRun.objects.for_organization(run.organization)
            .filter(pk=run.pk, status=run.status, heartbeat_at=run.heartbeat_at)
            .update(status=RunStatus.QUEUED, step="queued", heartbeat_at=None, task_id="")
        )
        if moved:
            enqueue_execute(run)
            counts["requeued"] += 1
    return counts
