"""One LiteLLM import into a draft with its diff, in a process of its own (prints JSON)."""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")


def main() -> None:
    path = Path(sys.argv[1])
    django.setup()
    from costing.services import catalog_publish
    from costing.services.feed_sync import feed_sync

    data = path.read_bytes()
    started = time.perf_counter()
    with path.open("rb") as handle:
        json.load(handle)
    load_seconds = time.perf_counter() - started
    tracemalloc.start()
    with path.open("rb") as handle:
        json.load(handle)
    _, load_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    started = time.perf_counter()
    result = feed_sync(source="litellm", data=data, as_of=date(2026, 11, 20))
    seconds = time.perf_counter() - started
    # Memory on a second, traced import (tracing slows it, so it is not the timed one).
    tracemalloc.start()
    again = feed_sync(source="litellm", data=data, as_of=date(2026, 11, 20))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    catalog_publish(catalog=again.catalog)  # the next run starts from the same state
    print(
        json.dumps(
            {
                "seconds": seconds,
                "load_seconds": load_seconds,
                "peak_python_mb": peak / 1e6,
                "load_peak_python_mb": load_peak / 1e6,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "rows": result.diff["counts"]["rows"],
                "compared": result.diff["counts"]["prices_compared"],
                "megabytes": len(data) / 1e6,
            }
        )
    )


if __name__ == "__main__":
    main()
