"""Inventory benchmarks: bulk upsert over HTTP, list API latency, CSV import.

Figures: rows/s of our bulk upsert through a real HTTP server into PostgreSQL, beside a plain
``ModelSerializer(many=True)`` path and PostgreSQL's own COPY + INSERT ... ON CONFLICT (the
ceiling); list API latency on 100,000 workloads (first and last page) beside the bare ORM
query; CSV import of 50,000 rows through the service beside parsing the CSV alone.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")


def _prepare_database() -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    name = db["NAME"]
    import psycopg

    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_public_models", verbosity=0, stdout=io.StringIO())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _server():
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.settings", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _org_with_token(slug: str):
    from django.contrib.auth import get_user_model

    from portal.models import Membership, Organization, Role
    from portal.services.tokens import api_token_create

    user, _ = get_user_model().objects.get_or_create(username="bench", email="bench@example.org")
    organization = Organization.objects.create(name=slug, slug=slug, country="FR")
    Membership.objects.create(organization=organization, user=user, role=Role.ANALYST)
    _, secret = api_token_create(user=user, name=slug, expires_in_days=1)
    return organization, secret


def _post_all(port: int, path: str, token: str, rows: list[dict], chunk: int) -> float:
    import orjson

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    bodies = [orjson.dumps(rows[i : i + chunk]) for i in range(0, len(rows), chunk)]
    # A cold worker loads its URL configuration on the first call: warm it outside the timing.
    connection.request("GET", "/api/v1/orgs/", headers=headers)
    connection.getresponse().read()
    started = time.perf_counter()
    for body in bodies:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        if response.status not in (200, 201):
            raise RuntimeError(f"{path}: {response.status} {payload[:500]!r}")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def _copy_upsert(organization, rows: list[dict]) -> float:
    """PostgreSQL's own COPY into a temporary table + INSERT ... ON CONFLICT: the ceiling."""
    from django.db import connection, transaction

    columns = [
        "external_id",
        "name",
        "owner_team",
        "kind",
        "precision",
        "avg_input_tokens",
        "avg_output_tokens",
        "requests_per_day",
        "peak_factor",
        "growth_pct_per_year",
        "data_classification",
        "personal_data",
        "residency_requirement",
    ]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE bench_rows ON COMMIT DROP AS "
            f"SELECT {', '.join(columns)} FROM portal_workload WITH NO DATA"
        )
        raw = cursor.cursor
        with raw.copy(f"COPY bench_rows ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != "external_id")
        cursor.execute(
            f"INSERT INTO portal_workload ({', '.join(columns)}, organization_id, created_at, "
            f"updated_at, tags, notes, gpu_class, fine_tuning_method, sector_regulation, "
            f"special_category_data) SELECT {', '.join(columns)}, %s, now(), now(), '[]', '', '', "
            f"'', 'none', false FROM bench_rows ON CONFLICT (organization_id, external_id) "
            f"DO UPDATE SET {assignments}, updated_at = now()",
            [organization.pk],
        )
    return time.perf_counter() - started


def _median(values):
    return statistics.median(values)


def _p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def bench_bulk(quick: bool) -> str:
    from benchmarks.data import workload_rows

    total = 20_000 if quick else 100_000
    naive_total = 5_000 if quick else 10_000
    runs = 1 if quick else 3
    ours, naive, ceiling = [], [], []
    with _server() as port:
        for run in range(runs):
            organization, token = _org_with_token(f"bulk-{run}")
            rows = workload_rows(total, f"B{run}")
            ours.append(
                total
                / _post_all(
                    port,
                    f"/api/v1/orgs/{organization.slug}/workloads/bulk-upsert/",
                    token,
                    rows,
                    5000,
                )
            )
            organization, token = _org_with_token(f"naive-{run}")
            rows = workload_rows(naive_total, f"N{run}")
            naive.append(
                naive_total
                / _post_all(port, f"/bench/naive-bulk/{organization.slug}/", token, rows, 5000)
            )
            organization, _ = _org_with_token(f"copy-{run}")
            ceiling.append(total / _copy_upsert(organization, workload_rows(total, f"C{run}")))
    ours_m, naive_m, ceiling_m = _median(ours), _median(naive), _median(ceiling)
    return "\n".join(
        [
            f"Bulk upsert via HTTP into PostgreSQL ({total:,} rows in calls of 5,000; median of {runs})",
            f"  ours (bulk-upsert endpoint)          {ours_m:>10,.0f} rows/s   target >= 20,000",
            f"  ModelSerializer(many=True) + save()  {naive_m:>10,.0f} rows/s   ours / this = "
            f"{ours_m / naive_m:.1f}x (target >= 5x)",
            f"  PostgreSQL COPY + ON CONFLICT        {ceiling_m:>10,.0f} rows/s   ours / ceiling = "
            f"{ours_m / ceiling_m:.2f}",
        ]
    )


def bench_list(quick: bool) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from portal.models import Organization, Workload

    organization = Organization.objects.get(slug="bulk-0")
    count = Workload.objects.for_organization(organization).count()
    # Steady state: autovacuum has seen the freshly loaded rows (index-only scans need it).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE portal_workload")
    from django.contrib.auth import get_user_model

    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username="bench"))
    last_page = (count + 99) // 100
    reps = 10 if quick else 40
    lines = [
        f"Workload list API, {count:,} workloads, 100 a page (median / p95 of {reps}, in-process)"
    ]
    for label, page in (("first page", 1), (f"last page ({last_page})", last_page)):
        url = f"/api/v1/orgs/{organization.slug}/workloads/?page_size=100&page={page}"
        client.get(url)  # warm caches
        timings, baseline = [], []
        for _ in range(reps):
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.content[:300]
            started = time.perf_counter()
            list(
                Workload.objects.for_organization(organization)
                .order_by("name", "id")
                .values()[(page - 1) * 100 : page * 100]
            )
            baseline.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        lines.append(
            f"  {label:<20} median {_median(timings) * 1000:6.1f} ms  p95 {_p95(timings) * 1000:6.1f} ms"
            f"  ({len(queries)} SQL queries; target p95 < 50 ms, <= 5 queries)"
            f"  bare ORM query {_median(baseline) * 1000:5.1f} ms, ratio {_median(timings) / _median(baseline):.1f}x"
        )
    return "\n".join(lines)


def bench_csv_import(quick: bool) -> str:
    rows = 10_000 if quick else 50_000
    runs = 1 if quick else 3
    results = []
    for run in range(runs):
        output = subprocess.run(
            [sys.executable, "-m", "benchmarks.csv_import", str(rows), f"csv-{run}"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(output.stdout.strip().splitlines()[-1]))
    seconds = _median([r["seconds"] for r in results])
    parse = _median([r["parse_seconds"] for r in results])
    memory = _median([r["peak_python_mb"] for r in results])
    rss = _median([r["peak_rss_mb"] for r in results])
    return "\n".join(
        [
            f"CSV import through the service ({rows:,} rows, {results[0]['megabytes']:.1f} MB; median of {runs})",
            f"  parse + validate + write             {seconds:6.2f} s   target < 10 s"
            f"   peak memory {memory:.0f} MB allocated by the import (process peak RSS {rss:.0f} MB)",
            f"  csv.reader parse alone (baseline)    {parse:6.2f} s   ratio {seconds / parse:.1f}x",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    django.setup()
    _prepare_database()
    print(bench_bulk(quick), flush=True)
    print(bench_list(quick), flush=True)
    print(bench_csv_import(quick), flush=True)


if __name__ == "__main__":
    main()
