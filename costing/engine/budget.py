"""A time budget for one evaluation: the engine's long loops check it and stop when it is spent.

A caller that must answer in time (the synchronous what-if) runs the engine inside
``time_budget(seconds)``; every workload sized, option totalled or fallback chosen first calls
``check``, which raises ``BudgetExceeded`` once the budget is spent, so the work stops within
one step of its deadline instead of holding a web worker until it is killed. Outside a budget
``check`` costs one lookup and never raises (runs in a worker and the command line have none).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class _Deadline:
    at: float  # time.monotonic() when the budget is spent
    seconds: float


_current: ContextVar[_Deadline | None] = ContextVar("evaluation_deadline", default=None)


class BudgetExceeded(Exception):
    """The evaluation ran past its time budget; ``stage`` says what it was doing then.

    Not a ValueError: the engine skips candidates that raise those, and must not skip this."""

    def __init__(self, seconds: float, stage: str) -> None:
        self.seconds, self.stage = seconds, stage
        super().__init__(f"not finished within its time budget of {seconds:g} s ({stage})")


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Within the block, ``check`` raises ``BudgetExceeded`` once ``seconds`` have passed
    (None: no budget)."""
    deadline = None if seconds is None else _Deadline(time.monotonic() + seconds, seconds)
    token = _current.set(deadline)
    try:
        yield
    finally:
        _current.reset(token)


def check(stage: str) -> None:
    """Raise ``BudgetExceeded`` if the current budget is spent; ``stage`` names the work."""
    deadline = _current.get()
    if deadline is not None and time.monotonic() >= deadline.at:
        raise BudgetExceeded(deadline.seconds, stage)
