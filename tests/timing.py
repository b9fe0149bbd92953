"""A guard for tests of work that used to run unbounded: fail after a deadline, never hang."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


class TookTooLong(AssertionError):
    """The block was still running at its deadline."""


@contextmanager
def finishes_within(seconds: float) -> Iterator[None]:
    """Interrupt the block with ``TookTooLong`` after ``seconds`` (SIGALRM, main thread only):
    a loop that never ends fails the test instead of holding the suite."""

    def interrupt(signum, frame):
        raise TookTooLong(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
