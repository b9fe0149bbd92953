"""Split a large run's costing and Monte Carlo into chunks that several Celery workers compute
in parallel, merged by the run's own task into exactly what one worker computes.

The run's task stays the only one that claims, stores and finishes the run (its attempts,
heartbeat, watchdog, e-mail and callback are unchanged). For a split step it writes one row per
chunk, sends a Celery ``group`` of chunk tasks to whichever workers are free, and meanwhile
computes the step's portfolio part and then claims chunks itself, one at a time, like any
worker. A chunk is claimed by a row update, so no two workers compute it at once; it waits for
chunks others hold, keeping the run's heartbeat, and takes over a claim whose worker stopped
answering. With one worker (or no broker) the run's task computes every chunk itself, so a
split run never waits on a worker that does not exist. A chord is not used: its callback would
need a result backend and would finish the run outside the task that holds it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import orjson
from celery import group
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from assessments import compute
from assessments.models import AssessmentRun, RunChunk, RunStatus
from portal.memory import release_free_memory
from portal.models import Organization
from portal.outbox import BROKER_ERRORS, registered_task

logger = logging.getLogger(__name__)

CHUNK_TASK = "assessments.tasks.assessment_run_chunk_task"
# How often the run's task looks for chunks others finished while it waits on them.
POLL_SECONDS = 0.2


def run_is_split(snapshot: dict) -> bool:
    """Whether a run of this snapshot is computed in chunks (SOVRA_RUN_CHUNK_WORKLOADS)."""
    size = settings.SOVRA_RUN_CHUNK_WORKLOADS
    return size > 0 and len(snapshot["scenario"]["workloads"]) > size


def chunk_ranges(snapshot: dict, step: str) -> list[tuple[int, int]]:
    """The chunks of a split step: slices of the workloads (engine) or of the samples (Monte
    Carlo, as many chunks as the workloads make)."""
    from costing.engine.chunks import ranges

    size = settings.SOVRA_RUN_CHUNK_WORKLOADS
    workloads = len(snapshot["scenario"]["workloads"])
    if step == "engine":
        return ranges(workloads, size)
    samples = int(snapshot["assessment"].get("monte_carlo_samples") or 0)
    count = -(-workloads // size)
    return ranges(samples, -(-samples // count))


def chunks_dispatch(*, run: AssessmentRun, step: str) -> list[RunChunk]:
    """The step's chunk rows (made once), and a group of chunk tasks for those not finished."""
    scoped = RunChunk.objects.for_organization(run.organization).filter(run=run, step=step)
    scoped.bulk_create(
        [
            RunChunk(organization=run.organization, run=run, step=step, index=i, start=a, stop=b)
            for i, (a, b) in enumerate(chunk_ranges(run.snapshot, step))
        ],
        ignore_conflicts=True,  # a resumed run keeps the chunks it finished
    )
    pending = list(scoped.filter(finished_at__isnull=True).values_list("index", flat=True))
    total = scoped.count()
    logger.info("run %s: %s in %d chunks, %d to compute", run.pk, step, total, len(pending))
    if pending:
        task = registered_task(CHUNK_TASK)
        try:
            group(task.s(run.organization_id, run.pk, step, i) for i in pending).apply_async()
        except BROKER_ERRORS as error:  # the run's task computes them itself
            logger.warning("run %s: chunks of %s not queued: %s", run.pk, step, error)
    return list(scoped.order_by("index"))


def _claim(chunk: RunChunk, claimant: str) -> bool:
    """Take the chunk if no live worker holds it (or ``claimant`` does: a redelivered task)."""
    stale = timezone.now() - timedelta(seconds=settings.SOVRA_RUN_STALE_SECONDS)
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale) | Q(claimed_by=claimant)
    return bool(
        RunChunk.objects.for_organization(chunk.organization)
        .filter(free, pk=chunk.pk, finished_at__isnull=True)
        .update(claimed_by=claimant, claimed_at=timezone.now())
    )


def _compute(chunk: RunChunk, snapshot: dict, claimant: str) -> None:
    started = time.perf_counter()
    try:
        part = CHUNK_PARTS[chunk.step](snapshot, chunk.start, chunk.stop)
    except BaseException:
        # Let the run's task compute it again and meet the error itself (and say so).
        RunChunk.objects.for_organization(chunk.organization).filter(
            pk=chunk.pk, claimed_by=claimant
        ).update(claimed_by="", claimed_at=None)
        raise
    RunChunk.objects.for_organization(chunk.organization).filter(
        pk=chunk.pk, claimed_by=claimant, finished_at__isnull=True
    ).update(
        data=orjson.dumps(part, option=orjson.OPT_SERIALIZE_NUMPY).decode(),
        finished_at=timezone.now(),
        seconds=round(time.perf_counter() - started, 3),
    )


def chunks_collect(
    *, run: AssessmentRun, step: str, chunks: list[RunChunk], heartbeat: Callable[[], None]
) -> list[dict]:
    """Every chunk's part, in order: computing those no one holds, waiting for the others."""
    claimant = run.task_id or f"run-{run.pk}-{uuid.uuid4().hex[:12]}"
    scoped = RunChunk.objects.for_organization(run.organization).filter(run=run, step=step)
    while True:
        open_chunks = list(scoped.filter(finished_at__isnull=True).order_by("index"))
        if not open_chunks:
            break
        took = False
        for chunk in open_chunks:
            if _claim(chunk, claimant):
                _compute(chunk, run.snapshot, claimant)
                heartbeat()
                took = True
        if not took:
            heartbeat()  # also stops here if the run was finished elsewhere meanwhile
            time.sleep(POLL_SECONDS)
    release_free_memory()  # what computing this worker's chunks freed, before the merge
    # One chunk's text at a time: all of them at once would sit beside their parsed copies.
    texts = scoped.order_by("index").values_list("data", flat=True).iterator(chunk_size=1)
    return [orjson.loads(data) for data in texts]


def assessment_run_chunk_compute(
    *, organization_id: int, run_id: int, step: str, index: int, task_id: str = ""
) -> str:
    """Compute one chunk of a running run, unless another worker has it or it is done."""
    organization = Organization.objects.get(pk=organization_id)
    chunk = (
        RunChunk.objects.for_organization(organization)
        .filter(run_id=run_id, step=step, index=index, run__status=RunStatus.RUNNING)
        .first()
    )
    if chunk is None or chunk.finished_at is not None:
        return "skipped"
    claimant = task_id or f"chunk-{uuid.uuid4().hex[:12]}"
    if not _claim(chunk, claimant):
        return "skipped"
    global _kept
    # A worker takes many chunks of one run: it reads and parses the run's inputs once.
    if _kept[0] != run_id or not _kept[1]:
        runs = AssessmentRun.objects.for_organization(organization)
        _kept = (run_id, [])
        snapshot = runs.only("snapshot").get(pk=run_id).snapshot
    else:
        snapshot = _kept[1][0]
    with compute.scenario_parsed_once(_kept[1]):
        _compute(chunk, snapshot, claimant)
    return "computed"


# The run whose chunks this process computed last: its snapshot and parsed scenario.
_kept: tuple[int | None, list] = (None, [])


CHUNK_PARTS: dict[str, Callable[[dict, int, int], dict]] = {
    "engine": compute.engine_chunk,
    "monte_carlo": compute.monte_carlo_chunk,
}
