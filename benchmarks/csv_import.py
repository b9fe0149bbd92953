"""One CSV import in a process of its own, so its peak memory is its own (prints JSON)."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import sys
import time
import tracemalloc

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")


def main() -> None:
    rows, slug = int(sys.argv[1]), sys.argv[2]
    django.setup()
    from benchmarks.data import workload_csv
    from portal.models import Organization
    from portal.services.imports import workloads_import_file

    data = workload_csv(rows, slug.upper())
    organization = Organization.objects.create(name=slug, slug=slug, country="FR")
    started = time.perf_counter()
    sum(1 for _ in csv.reader(io.StringIO(data.decode())))
    parse_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = workloads_import_file(organization=organization, filename="bench.csv", data=data)
    seconds = time.perf_counter() - started
    assert result.created == rows, result
    # Memory on a second, traced import (tracing slows it, so it is not the timed one).
    second = Organization.objects.create(name=f"{slug}-m", slug=f"{slug}-m", country="FR")
    tracemalloc.start()
    workloads_import_file(organization=second, filename="bench.csv", data=data)
    _, peak_bytes = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "parse_seconds": parse_seconds,
                "peak_python_mb": peak_bytes / 1e6,
                "peak_rss_mb": peak_kb / 1024,
                "megabytes": len(data) / 1e6,
            }
        )
    )


if __name__ == "__main__":
    main()
