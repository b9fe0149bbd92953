"""What-if evaluation away from the web process: a few lower-priority processes, bounded.

A what-if is CPU work of up to its time budget (5 s by default). Computed in the web worker
that received it, three of them at once held every worker of a small installation and the
rest of the portal waited behind them. Here each web process hands the document to a small
pool of its own (``SOVRA_WHATIF_PROCESSES``), whose processes run at a lower CPU priority
(``SOVRA_WHATIF_NICE``), so that the requests the portal serves meanwhile keep the processor
first; at most ``SOVRA_WHATIF_WAITING`` more evaluations wait for a free process, and beyond
that a what-if is refused at once as busy rather than queued behind the others. With
``SOVRA_WHATIF_PROCESSES=0`` the evaluation runs in the calling process (the command line and
tests that need the caller's clock).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool

from django.conf import settings

from costing.engine.whatif import WhatIfAnswer, evaluate_document, lower_priority

logger = logging.getLogger(__name__)

# Seconds past its own budget an evaluation process may take before it is stopped from outside
# (the budget is checked between steps; one step of a huge document can overrun it a little).
GRACE_SECONDS = 10
# An evaluation process is replaced after this many evaluations, which bounds what a long-lived
# process can accumulate.
EVALUATIONS_PER_PROCESS = 200


class WhatIfBusy(Exception):
    """Every evaluation process is busy and the waiting line is full: try again shortly."""


class _Pool:
    """This web process's evaluation processes and the slots that bound who may wait for them."""

    def __init__(self, processes: int, waiting: int, nice: int) -> None:
        self.processes, self.waiting, self.nice = processes, waiting, nice
        self.slots = threading.BoundedSemaphore(processes + waiting)
        self.lock = threading.Lock()
        self.executor: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        with self.lock:
            if self.executor is None:
                # forkserver: a web process may run threads, and forking one that does is unsafe;
                # the server imports the engine once, so a new process starts in milliseconds.
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["costing.engine.whatif"])
                self.executor = ProcessPoolExecutor(
                    self.processes,
                    mp_context=context,
                    initializer=lower_priority,
                    initargs=(self.nice,),
                    max_tasks_per_child=EVALUATIONS_PER_PROCESS,
                )
            return self.executor

    def _discard(self, executor: ProcessPoolExecutor) -> None:
        """Stop ``executor``'s processes, whatever they are doing; the next call starts anew."""
        with self.lock:
            if self.executor is executor:
                self.executor = None
        if hasattr(executor, "kill_workers"):  # Python 3.14 and later say it publicly
            executor.kill_workers()
        else:  # before 3.14 the only handle on the processes is the executor's own table
            for process in list((getattr(executor, "_processes", None) or {}).values()):
                process.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    def evaluate(self, document: dict, *, per_workload: bool, seconds: float) -> WhatIfAnswer:
        if not self.slots.acquire(blocking=False):
            raise WhatIfBusy
        try:
            executor = self._executor()
            future = executor.submit(
                evaluate_document, document, per_workload=per_workload, seconds=seconds
            )
            try:
                return future.result(timeout=seconds + GRACE_SECONDS)
            except FutureTimeout:
                logger.warning("what-if evaluation process overran its budget: stopped")
                self._discard(executor)
                return WhatIfAnswer(over_budget=(seconds, "an evaluation step that overran it"))
            except BrokenProcessPool:
                logger.error("what-if evaluation process died: the pool is started again")
                self._discard(executor)
                return WhatIfAnswer(
                    not_computable="the evaluation process stopped before it finished (a "
                    "document this large may need more memory than it has): run it as an "
                    "assessment."
                )
        finally:
            self.slots.release()


_pool: _Pool | None = None
_pool_lock = threading.Lock()


def _current_pool() -> _Pool:
    global _pool
    shape = (
        settings.SOVRA_WHATIF_PROCESSES,
        settings.SOVRA_WHATIF_WAITING,
        settings.SOVRA_WHATIF_NICE,
    )
    with _pool_lock:
        if _pool is None or (_pool.processes, _pool.waiting, _pool.nice) != shape:
            _pool = _Pool(*shape)
        return _pool


def whatif_evaluate(document: dict, *, per_workload: bool) -> WhatIfAnswer:
    """Evaluate a what-if within ``SOVRA_WHATIF_TIME_BUDGET_S``, in an evaluation process.

    Raises ``WhatIfBusy`` when every process is taken and the waiting line is full."""
    seconds = settings.SOVRA_WHATIF_TIME_BUDGET_S
    if settings.SOVRA_WHATIF_PROCESSES <= 0:
        return evaluate_document(document, per_workload=per_workload, seconds=seconds)
    return _current_pool().evaluate(document, per_workload=per_workload, seconds=seconds)
