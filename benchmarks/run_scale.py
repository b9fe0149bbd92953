"""A whole assessment run, in-process, for portfolios of 100, 1,000 and 5,000 workloads.

The demo organization's workloads are repeated (each copy its own external id, same rules and
loads) and assessed with the demo's settings: every step (snapshot with sovereignty screening,
engine with the unrestricted twin, Monte Carlo, sensitivity, sovereignty, placement, PDF) runs
in this process against PostgreSQL. Each size runs in a fresh process, so its peak RSS is its
own: the peak while the run computes (what a worker imports at its start included, loading the
inventory before the run not); the baseline is the demo's own workloads, measured the same way
in the same run.
Then (``--workers``, by default 1 and 2) it runs the 5,000-workload assessment end to end on
that many real Celery workers (solo pool, one process each, on Redis: SOVRA_BENCH_REDIS_URL),
against the same PostgreSQL: seconds from the start to the finished run, and each worker's peak
RSS. Workers are started before the run and measured from their start (imports included).
Usage: python -m benchmarks.run_scale [--quick] [--sizes 100,1000] [--workers 1,2]
(without --quick, the run on 1 and on 2 workers follows the in-process sizes)
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A database of its own; SOVRA_BENCH_DATABASE_URL names another (two checkouts at once).
DATABASE = os.environ.get(
    "SOVRA_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sovra_bench_scale"
)
SIZES = (100, 1_000, 5_000)
# Targets of the issue that introduced this benchmark, for 1,000 and 5,000 workloads.
TARGETS = {1_000: (15.0, 500), 5_000: (60.0, 1_500)}


REDIS = os.environ.get("SOVRA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")


def _inventory(size: int):
    """A fresh database with the demo organization and ``size`` workloads; the assessment."""
    os.environ["DATABASE_URL"] = DATABASE
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from benchmarks.inventory import _prepare_database

    _prepare_database()
    from django.core.management import call_command

    from assessments.models import Assessment
    from assessments.services.assessments import assessment_save
    from assessments.services.demo import demo_catalog_ensure
    from portal.services.demo import DEMO_WORKLOADS, demo_organization_load
    from portal.services.workloads import workloads_upsert

    call_command("load_public_catalog", stdout=io.StringIO())
    organization = demo_organization_load(username="bench", password="bench-pass-1234")
    demo_catalog_ensure(organization=organization)
    # The demo organization comes with its own workloads: copies make up the rest of ``size``.
    extra = max(size - len(DEMO_WORKLOADS), 0) if size else 0
    if extra:
        rows = []
        for i in range(extra):
            row = dict(DEMO_WORKLOADS[i % len(DEMO_WORKLOADS)])
            row["external_id"] = f"{row['external_id']}-{i:05d}"
            row["name"] = f"{row['name']} {i}"
            rows.append((i + 1, row))
        workloads_upsert(organization=organization, rows=rows)
    return organization, assessment_save(
        organization=organization,
        assessment=Assessment(name=f"Scale {size}", offer_locations="eea"),
    )


def _one(size: int) -> dict:
    """Run one assessment of ``size`` workloads (0: the demo as it is) and measure it."""
    # In one process a split gains nothing: the run computed whole, as before the split existed.
    os.environ.setdefault("SOVRA_RUN_CHUNK_WORKLOADS", "0")
    organization, assessment = _inventory(size)
    from assessments.models import AssessmentRun
    from assessments.services.runs import assessment_run_execute

    run = AssessmentRun.objects.create_in(organization, assessment=assessment, number=1)
    # What a worker imports when it starts (CELERY_IMPORTS), as a worker has before its runs.
    from django.conf import settings

    for module in settings.CELERY_IMPORTS:
        importlib.import_module(module)
    setup_peak = _peak_rss_mb()
    _forget_peak_rss()  # the peak reported is the run's: loading the inventory is not the run
    started, cpu = time.perf_counter(), time.process_time()
    status = assessment_run_execute(organization_id=organization.pk, run_id=run.pk)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = _peak_rss_mb()  # before this script reads the run's results back, which is not the run
    run.refresh_from_db()
    priced = len(run.snapshot["scenario"]["workloads"]) if run.snapshot else 0
    return {
        "size": size,
        "status": status,
        "error": run.error[:300],
        "workloads": priced,
        "seconds": wall,
        # This process's CPU time (the database's work is in its own processes): on a shared,
        # busy machine it moves less than the wall time does.
        "cpu_seconds": cpu,
        "steps": run.timings,
        "peak_rss_mb": peak,
        "setup_peak_rss_mb": setup_peak,
    }


def _forget_peak_rss() -> None:
    """Reset the process's peak resident size (Linux: clear_refs), where the system allows."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_mb() -> float:
    """The process's peak resident size since it started or since ``_forget_peak_rss``."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _on_workers(size: int, workers: int) -> dict:
    """The assessment of ``size`` workloads end to end on ``workers`` Celery worker processes."""
    queue = f"sovra-bench-{os.getpid()}"
    os.environ.update(CELERY_BROKER_URL=REDIS, CELERY_TASK_DEFAULT_QUEUE=queue)
    organization, assessment = _inventory(size)
    from celery import current_app

    from assessments.models import AssessmentRun
    from assessments.services.run_start import assessment_run_start

    current_app.conf.update(task_always_eager=False, broker_url=REDIS, task_default_queue=queue)
    env = {**os.environ, "DATABASE_URL": DATABASE, "PYTHONPATH": str(ROOT)}
    log_dir = Path(tempfile.mkdtemp(prefix="sovra-bench-workers-"))
    logs = [(log_dir / f"worker-{i}.log").open("wb") for i in range(workers)]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "-P",
                "solo",
                "-Q",
                queue,
                "-l",
                "warning",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for log in logs
    ]
    try:
        # The clock starts once every worker answers (their imports are not the run's time).
        deadline = time.monotonic() + 300
        while len(current_app.control.ping(timeout=1.0)) < workers:
            if time.monotonic() > deadline:
                raise SystemExit(f"the workers did not answer: see {log_dir}")
        started = time.perf_counter()
        run = assessment_run_start(assessment=assessment, requested_by=None)
        runs = AssessmentRun.objects.for_organization(organization)
        peaks = [0.0] * workers
        while not runs.filter(pk=run.pk, status__in=("succeeded", "failed")).exists():
            for i, process in enumerate(processes):
                if process.poll() is not None:
                    raise SystemExit(f"worker {i} exited: see {log_dir}/worker-{i}.log")
                peaks[i] = max(peaks[i], _process_peak_mb(process.pid))
            time.sleep(0.5)
        seconds = time.perf_counter() - started
        peaks = [
            max(p, _process_peak_mb(process.pid))
            for p, process in zip(peaks, processes, strict=True)
        ]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        for log in logs:
            log.close()
    run = runs.get(pk=run.pk)
    return {
        "size": size,
        "workers": workers,
        "status": run.status,
        "error": run.error[:300],
        "seconds": seconds,
        "steps": run.timings,
        "peak_rss_mb_per_worker": peaks,
    }


def _process_peak_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _median_of(repeat: int, size: int) -> dict:
    """The run of median seconds among ``repeat`` fresh runs, with the median peak RSS."""
    rows = sorted((_measure(size) for _ in range(repeat)), key=lambda row: row["seconds"])
    median = dict(rows[len(rows) // 2])
    median["peak_rss_mb"] = statistics.median(row["peak_rss_mb"] for row in rows)
    median["runs"] = ", ".join(f"{row['seconds']:.1f} s" for row in rows)
    return median


def _measure(size: int, workers: int = 0) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.run_scale", "--one", str(size),
         "--on-workers", str(workers)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        raise SystemExit(f"size {size} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    return json.loads(lines[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 workloads only")
    parser.add_argument("--sizes", help="comma-separated portfolio sizes")
    parser.add_argument(
        "--workers", help="the 5,000 run on this many workers (default 1,2; 0 or --quick: none)"
    )
    parser.add_argument("--workers-only", action="store_true", help="only the runs on workers")
    parser.add_argument("--repeat", type=int, help="runs of each size (default 3; --quick: 1)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--on-workers", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        measured = _on_workers(args.one, args.on_workers) if args.on_workers else _one(args.one)
        print(json.dumps(measured))
        return 0
    if args.workers_only:
        _workers_report([int(n) for n in (args.workers or "1,2").split(",")])
        return 0
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(SIZES)
    if args.quick and not args.sizes:
        sizes = [100, 1_000]
    repeat = args.repeat or (1 if args.quick else 3)
    base = _median_of(repeat, 0)
    per_workload = base["seconds"] / max(base["workloads"], 1)
    print(
        "Whole assessment run in-process (demo settings: EU/EEA offers, 2,000 samples; "
        f"median of {repeat} runs)"
    )
    print(
        f"  baseline: the demo's {base['workloads']} workloads in {base['seconds']:.1f} s, "
        f"peak RSS {base['peak_rss_mb']:,.0f} MB ({per_workload:.2f} s per workload)"
    )
    for size in sizes:
        row = _median_of(repeat, size)
        target = TARGETS.get(size)
        aim = f" (target < {target[0]:g} s and {target[1]:,} MB)" if target else ""
        ratio = row["seconds"] / max(row["workloads"], 1) / per_workload
        print(
            f"  {size:,} workloads ({row['workloads']:,} priced, {row['status']}): "
            f"{row['seconds']:.1f} s ({row['cpu_seconds']:.1f} s CPU in this process), peak RSS "
            f"{row['peak_rss_mb']:,.0f} MB{aim}; per workload {ratio:.2f}x the baseline's; "
            f"before the run, loading the inventory peaked at {row['setup_peak_rss_mb']:,.0f} MB"
        )
        steps = ", ".join(f"{k} {v:.1f}" for k, v in (row["steps"] or {}).items())
        print(f"    seconds per step (the median run): {steps}; runs: {row['runs']}")
        if row["error"]:
            print(f"    error: {row['error']}")
    workers = args.workers or ("0" if args.quick else "1,2")
    counts = [int(n) for n in workers.split(",") if int(n) > 0]  # 0: none
    if counts:
        _workers_report(counts)
    return 0


def _workers_report(counts: list[int], size: int = 5_000) -> None:
    """The run end to end on 1, 2... workers; the first count is the others' baseline."""
    print(f"{size:,}-workload run end to end on Celery workers (Redis broker, solo pool)")
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as error:
        print(f"  skipped: no Redis answers at {REDIS} (SOVRA_BENCH_REDIS_URL): {error}")
        return
    base = None
    for count in counts:
        row = _measure(size, count)
        base = base or row["seconds"]
        peaks = ", ".join(f"{mb:,.0f}" for mb in row["peak_rss_mb_per_worker"])
        print(
            f"  {count} worker{'s' if count > 1 else ''} ({row['status']}): {row['seconds']:.1f} s "
            f"({row['seconds'] / base:.2f}x the first), peak RSS per worker {peaks} MB "
            "(target on 2 workers: < 60 s and 1,500 MB each)"
        )
        steps = ", ".join(f"{k} {v:.1f}" for k, v in (row["steps"] or {}).items())
        print(f"    seconds per step: {steps}")
        if row["error"]:
            print(f"    error: {row['error']}")
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f} (1 min)")


if __name__ == "__main__":
    sys.exit(main())
