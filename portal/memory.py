"""Give the memory a long step freed back to the system before the next one allocates.

glibc's allocator keeps the heap it has freed (Python's objects of a finished step) for the
process to reuse, but in pieces the next step's large documents may not fit; a worker's peak
then holds both. ``malloc_trim`` returns what is free, so a run's peak is what one step holds.
Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache


@cache
def _trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_free_memory() -> None:
    # What a step let go of is freed as its references drop; a collection would walk every
    # object still alive (seconds for a large run's results) to find the few cycles among it.
    trim = _trim()
    if trim is not None:
        trim(0)
