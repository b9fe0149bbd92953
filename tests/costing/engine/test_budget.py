"""The time budget: the engine stops between steps once it is spent, and only inside one."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import replace

import pytest

from costing.engine import budget
from costing.engine.budget import BudgetExceeded, check, time_budget
from costing.engine.evaluate import evaluate
from costing.engine.scenario import load_scenario
from tests.costing.engine.test_scenario import EXAMPLE
from tests.timing import finishes_within


@pytest.fixture(scope="module")
def example():
    return load_scenario(json.loads(EXAMPLE.read_text(encoding="utf-8")))


@pytest.fixture
def ticking_clock(monkeypatch):
    """A clock that moves one second each time it is read: each check is one second later."""
    ticks = itertools.count()
    monkeypatch.setattr(budget.time, "monotonic", lambda: float(next(ticks)))


def stages_of(workload: str) -> set[str]:
    """Where the engine checks its budget for a workload: sizing it, then writing its results."""
    return {f"sizing and pricing workload {workload}", f"the results of workload {workload}"}


def test_without_a_budget_nothing_is_stopped(example, ticking_clock):
    check("anything")
    assert evaluate(example).cheapest is not None


def test_a_spent_budget_stops_at_the_first_step(example):
    with time_budget(0), pytest.raises(BudgetExceeded) as over:
        evaluate(example)
    # Sizing is cached per process: a run that sized it before stops at the workload's results.
    assert over.value.stage in stages_of("chat-assistant")
    assert str(over.value) == f"not finished within its time budget of 0 s ({over.value.stage})"


def test_the_engine_stops_within_one_workload_of_the_deadline(example, ticking_clock):
    """GIVEN a budget of 2.5 ticks, set at tick 0 WHEN each workload's results read the clock once
    THEN the third workload (tick 3) is where it stops."""
    with time_budget(2.5), pytest.raises(BudgetExceeded) as over:
        evaluate(example)
    assert over.value.stage in stages_of(example.workloads[2].id)


def test_a_spent_budget_is_not_taken_for_an_engine_error():
    """BudgetExceeded is no ValueError: sizing skips GPU types that raise those, never this."""
    assert not issubclass(BudgetExceeded, ValueError | ArithmeticError | KeyError)


def test_the_budget_ends_with_its_block(example):
    with pytest.raises(BudgetExceeded), time_budget(0):
        check("inside")
    check("after")  # no budget any more
    assert evaluate(example).cheapest is not None


def test_a_large_portfolio_is_stopped_near_its_deadline_in_real_time(example):
    """GIVEN 3,600 workloads (a second or more to evaluate on two cores) WHEN evaluated within
    a budget of a fifth of a second THEN it stops, well before it would have finished."""
    many = tuple(replace(w, id=f"{w.id}-{i}") for i in range(300) for w in example.workloads)
    scenario = replace(example, workloads=many)
    started = time.monotonic()
    with finishes_within(10), time_budget(0.2), pytest.raises(BudgetExceeded):
        evaluate(scenario, per_workload=False)
    assert time.monotonic() - started < 2.0
