"""What-ifs in evaluation processes of their own: same figures, lower priority, bounded queue."""

from __future__ import annotations

import copy
import json
import os
import threading
import time

import orjson
import pytest

from costing.engine.scenario import SCHEMA_PATH
from costing.engine.whatif import evaluate_document
from costing.services import whatif
from costing.services.whatif import WhatIfBusy, whatif_evaluate
from tests.costing.api.conftest import BASE
from tests.timing import finishes_within

EXAMPLE = json.loads((SCHEMA_PATH.parent / "examples" / "media-house.json").read_text("utf-8"))


def repeated(times: int) -> dict:
    """The example's workloads ``times`` over: seconds of evaluation."""
    document = copy.deepcopy(EXAMPLE)
    document["workloads"] = [
        {**w, "id": f"{w['id']}-{i}"} for i in range(times) for w in EXAMPLE["workloads"]
    ]
    return document


@pytest.fixture
def processes(settings):
    """One evaluation process, nobody waiting for it; the pool is stopped after the test."""
    settings.SOVRA_WHATIF_PROCESSES = 1
    settings.SOVRA_WHATIF_WAITING = 0
    settings.SOVRA_WHATIF_TIME_BUDGET_S = 5
    yield settings
    pool = whatif._pool
    if pool is not None and pool.executor is not None:
        pool._discard(pool.executor)
    whatif._pool = None


def pool_pids() -> list[int]:
    return list(whatif._pool.executor._processes)


def test_an_evaluation_process_gives_the_figures_of_the_calling_process(processes):
    """GIVEN the shipped example WHEN evaluated in an evaluation process and in this one THEN
    the two answers are the same bytes, and the evaluation ran in another process."""
    in_pool = whatif_evaluate(EXAMPLE, per_workload=True)
    here = evaluate_document(EXAMPLE, per_workload=True, seconds=5)
    assert in_pool.body is not None and in_pool.body == here.body
    assert (
        orjson.loads(in_pool.body)["cheapest_by_npv"] == orjson.loads(here.body)["cheapest_by_npv"]
    )
    assert pool_pids() and os.getpid() not in pool_pids()


def test_evaluation_processes_run_at_a_lower_cpu_priority(processes):
    """The web process keeps the processor first: its evaluation processes are 10 nicer."""
    whatif_evaluate(EXAMPLE, per_workload=False)
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert [os.getpriority(os.PRIO_PROCESS, pid) for pid in pool_pids()] == [min(mine + 10, 19)]


def test_an_invalid_document_names_its_paths_through_the_process(processes):
    document = copy.deepcopy(EXAMPLE)
    document["horizon_months"] = -1
    answer = whatif_evaluate(document, per_workload=False)
    assert answer.body is None
    assert [path for path, _ in answer.invalid] == ["$.horizon_months"]


def test_the_budget_stops_an_evaluation_process_in_real_time(processes):
    """GIVEN a budget of 0.2 s and 3,600 workloads (a second or more of work) THEN the answer
    is over budget within a few seconds, and the process serves the next what-if."""
    processes.SOVRA_WHATIF_TIME_BUDGET_S = 0.2
    started = time.monotonic()
    answer = whatif_evaluate(repeated(300), per_workload=False)
    assert answer.over_budget is not None and answer.over_budget[0] == 0.2
    assert time.monotonic() - started < 5
    processes.SOVRA_WHATIF_TIME_BUDGET_S = 5
    assert whatif_evaluate(EXAMPLE, per_workload=False).body is not None


def test_a_killed_evaluation_process_is_an_answer_and_the_next_one_is_served(processes):
    """GIVEN an evaluation process killed mid-evaluation (as the kernel would, out of memory)
    THEN that what-if answers that it could not be computed, and the next one is evaluated."""
    processes.SOVRA_WHATIF_TIME_BUDGET_S = 30
    whatif_evaluate(EXAMPLE, per_workload=False)  # the process exists
    (pid,) = pool_pids()
    killer = threading.Timer(0.5, os.kill, (pid, 9))
    killer.start()
    with finishes_within(30):
        answer = whatif_evaluate(repeated(1000), per_workload=False)
    assert answer.not_computable is not None and "stopped" in answer.not_computable
    assert whatif_evaluate(EXAMPLE, per_workload=False).body is not None
    assert pool_pids() != [pid]


@pytest.mark.django_db
def test_when_every_process_is_busy_a_what_if_answers_503_with_retry_after(processes, client_as):
    """GIVEN one evaluation process busy with a long what-if and no room to wait WHEN another
    what-if is posted THEN it answers 503 at once with Retry-After and the code `busy`; the
    first one is still answered."""
    processes.SOVRA_WHATIF_TIME_BUDGET_S = 3
    whatif_evaluate(EXAMPLE, per_workload=False)  # started before the race
    answers = []
    first = threading.Thread(
        target=lambda: answers.append(whatif_evaluate(repeated(1000), per_workload=False))
    )
    first.start()
    deadline = time.monotonic() + 5
    while whatif._pool.slots._value and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(WhatIfBusy):
        whatif_evaluate(EXAMPLE, per_workload=False)
    started = time.monotonic()
    response = client_as("viewer").post(
        f"{BASE}/scenarios/evaluate/?results=portfolio", EXAMPLE, format="json"
    )
    assert time.monotonic() - started < 2  # not the 3 s the busy process still needs
    assert response.status_code == 503
    assert response["Retry-After"] == "3"
    assert response.json()["errors"][0]["code"] == "busy"
    first.join(timeout=30)
    assert answers and answers[0].over_budget is not None
