"""Load benchmark: the API under steady traffic, then with hostile what-if requests running.

gunicorn serves the portal with 2 workers and ``docker/gunicorn.conf.py`` (the image's
settings) on PostgreSQL, with the API rates counted in Redis as in production (set high enough
not to refuse the benchmark's traffic). wrk, on loopback, bounded in time and in requests, sends
token-authenticated GETs in turn to the workload list, one workload's detail and a run's
results. Figures: requests per second, p99 latency and errors (any socket error or a status
other than 2xx), the median of several rounds; beside them the same traffic against a view that
touches neither the database nor authentication (the baseline, as a ratio). Then the same
traffic while 3 clients keep posting the costliest what-if the limits let through (2,000
workloads, portfolio results only), which computes until its time budget stops it.

Targets: 300 req/s with p99 under 100 ms and zero errors; with the hostile what-ifs p99 under
250 ms and zero errors.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
# A database of its own (dropped and created again), unless SOVRA_BENCH_LOAD_DATABASE_URL names one.
os.environ["DATABASE_URL"] = os.environ.get(
    "SOVRA_BENCH_LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sovra_bench_load"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")
WEB_WORKERS = 2
CONNECTIONS = 8
HOSTILE_CLIENTS = 3
# Rates high enough that the benchmark's traffic is counted, never refused.
UNREFUSED_RATE = "100000000/minute"

# wrk's script: the paths in turn with the token, at most MAX_REQUESTS requests per thread,
# and the figures as one JSON line (wrk's own summary rounds latency to what it prints). The
# bound is counted as requests are sent: a response() callback would make wrk copy every body
# into Lua, a third of its CPU on the results' 650 KB, taken from the two cores the server has.
WRK_SCRIPT = """
local paths = {%(paths)s}
local headers = {["Authorization"] = "Token %(token)s", ["Accept"] = "application/json"}
local counter = 0
request = function()
  counter = counter + 1
  if counter > %(max_requests)d then wrk.thread:stop() end
  return wrk.format("GET", paths[(counter %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def _wrk(port: int, paths: list[str], token: str, seconds: int, max_requests: int) -> dict:
    script = WRK_SCRIPT % {
        "paths": ", ".join(json.dumps(p) for p in paths),
        "token": token,
        "max_requests": max_requests,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as file:
        file.write(script)
        file.flush()
        output = subprocess.run(
            ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
             "-s", file.name, f"http://127.0.0.1:{port}"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    figures = json.loads(output.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


@contextmanager
def _gunicorn():
    from benchmarks.inventory import _free_port

    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "PYTHONPATH": str(ROOT),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(WEB_WORKERS),
        "GUNICORN_ACCESS_LOG": "",
        "SOVRA_BENCH_PRODUCTION_RATES": "1",
        "CACHE_URL": REDIS,
        "SOVRA_API_RATE_PER_USER": UNREFUSED_RATE,
        "SOVRA_API_RATE_PER_TOKEN": UNREFUSED_RATE,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application",
         "--config", str(ROOT / "docker" / "gunicorn.conf.py"), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        _wait_ready(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_ready(port: int, process: subprocess.Popen, seconds: float = 120) -> None:
    """Until a worker answers: the master listens long before its workers have imported the
    portal (seconds on a busy machine), and wrk would time that instead of the portal."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/bench/ping/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {seconds:g} s")


class HostileClients:
    """Clients that post the costliest what-if the limits allow, each again as soon as answered."""

    def __init__(self, port: int, path: str, token: str, document: bytes, count: int):
        self.port, self.path, self.token, self.document = port, path, token, document
        self.stop = threading.Event()
        self.statuses: list[int] = []
        self.seconds: list[float] = []
        self.threads = [threading.Thread(target=self._post) for _ in range(count)]

    def _post(self):
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        while not self.stop.is_set():
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            started = time.perf_counter()
            connection.request("POST", self.path, body=self.document, headers=headers)
            response = connection.getresponse()
            response.read()
            self.seconds.append(time.perf_counter() - started)
            self.statuses.append(response.status)
            connection.close()

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        time.sleep(1)  # let every hostile request reach a web worker first
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()


def _hostile_document() -> bytes:
    """The shipped example's workloads repeated to the per-scenario maximum."""
    from django.conf import settings

    from costing.engine.scenario import SCHEMA_PATH

    example = json.loads((SCHEMA_PATH.parent / "examples" / "media-house.json").read_text("utf-8"))
    base = example["workloads"]
    count = settings.SOVRA_SCENARIO_MAX_WORKLOADS
    example["workloads"] = [
        {**base[i % len(base)], "id": f"{base[i % len(base)]['id']}-{i}"} for i in range(count)
    ]
    return json.dumps(example).encode()


def _prepare():
    """The demo organization with its inventory and one finished run; its owner's token."""
    from django.core.management import call_command

    from assessments.services.demo import demo_assessment_run
    from portal.models import Workload
    from portal.services.demo import demo_organization_load
    from portal.services.tokens import api_token_create

    call_command("load_public_catalog", stdout=io.StringIO())
    organization = demo_organization_load(username="bench", password="bench-pass-1234")
    out = Path(tempfile.mkdtemp(prefix="sovra-load-"))
    try:
        run, _ = demo_assessment_run(organization=organization, out_dir=out)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    owner = organization.memberships.get(role="owner").user
    _, token = api_token_create(user=owner, name="load benchmark", expires_in_days=1)
    workload = Workload.objects.for_organization(organization).order_by("pk").first()
    base = f"/api/v1/orgs/{organization.slug}"
    paths = [
        f"{base}/workloads/",
        f"{base}/workloads/{workload.pk}/",
        f"{base}/runs/{run.pk}/results/",
    ]
    return paths, token, f"{base}/scenarios/evaluate/?results=portfolio"


def _rounds(count: int, measure) -> dict:
    results = [measure() for _ in range(count)]
    return {
        "rps": statistics.median(r["rps"] for r in results),
        "p50_ms": statistics.median(r["p50_us"] for r in results) / 1000,
        "p99_ms": statistics.median(r["p99_us"] for r in results) / 1000,
        "errors": sum(r["errors"] for r in results),
        "requests": sum(r["requests"] for r in results),
    }


def _line(label: str, figures: dict, baseline: dict, p99_target_ms: float) -> str:
    return (
        f"  {label:<34} {figures['rps']:7.0f} req/s ({figures['rps'] / baseline['rps']:.2f}x "
        f"baseline)  p50 {figures['p50_ms']:6.1f} ms  p99 {figures['p99_ms']:7.1f} ms "
        f"(target < {p99_target_ms:g}; {figures['p99_ms'] / baseline['p99_ms']:.1f}x baseline)  "
        f"errors {figures['errors']} of {figures['requests']}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("Load benchmark skipped: wrk is not installed (make system-deps installs it).")
        return 1
    rounds, seconds = (1, 5) if args.quick else (3, 10)
    max_requests = 50_000

    django.setup()
    from benchmarks.inventory import _prepare_database

    _prepare_database()
    paths, token, whatif_path = _prepare()
    document = _hostile_document()

    with _gunicorn() as port:
        # Warm both workers: the first requests import what the views use.
        _wrk(port, ["/bench/ping/"], token, 2, 1_000)
        _wrk(port, paths, token, 2, 1_000)
        baseline = _rounds(
            rounds, lambda: _wrk(port, ["/bench/ping/"], token, seconds, max_requests)
        )
        steady = _rounds(rounds, lambda: _wrk(port, paths, token, seconds, max_requests))
        with HostileClients(port, whatif_path, token, document, HOSTILE_CLIENTS) as hostile:
            loaded = _rounds(rounds, lambda: _wrk(port, paths, token, seconds, max_requests))
    statuses = {s: hostile.statuses.count(s) for s in sorted(set(hostile.statuses))}
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"API load: gunicorn with {WEB_WORKERS} workers (docker/gunicorn.conf.py), wrk with "
        f"{CONNECTIONS} connections on loopback, median of {rounds} rounds of {seconds} s; "
        f"workload list, workload detail and run results in turn; {os.cpu_count()} cores, "
        f"load average {load} at the end"
    )
    print(
        f"  {'baseline: a view without database':<34} {baseline['rps']:7.0f} req/s  "
        f"p50 {baseline['p50_ms']:6.1f} ms  p99 {baseline['p99_ms']:7.1f} ms  "
        f"errors {baseline['errors']}"
    )
    print(_line("steady", steady, baseline, 100))
    print(_line(f"with {HOSTILE_CLIENTS} hostile what-ifs running", loaded, baseline, 250))
    print(
        f"  hostile what-ifs ({len(document) / 1e6:.1f} MB, 2,000 workloads): "
        f"{len(hostile.statuses)} answered, statuses {statuses}, median "
        f"{statistics.median(hostile.seconds or [0]):.1f} s each"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
