"""Assessment pipeline benchmark: API call to report email received, with a real worker.

The demo organization is assessed through the API; a real Celery worker on Redis computes the
run against PostgreSQL and mails the PDF to an SMTP server on loopback (aiosmtpd). Printed
beside the same run computed in this process (no broker, no worker, no mail), as a ratio: the
difference is what queueing, the worker and delivery add.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/sovra_bench_pipeline"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
TARGET_SECONDS = 10.0


class _Inbox:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def _worker(queue: str, smtp_port: int) -> subprocess.Popen:
    from django.conf import settings

    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.base",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-P", "solo", "-Q", queue,
         "-l", "error", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env,
    )  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    runs = 2 if args.quick else 3
    from benchmarks.inventory import _free_port, _prepare_database

    django.setup()
    _prepare_database()
    from aiosmtpd.controller import Controller
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from assessments.models import Assessment, AssessmentRun
    from assessments.services.assessments import assessment_save
    from assessments.services.demo import demo_catalog_ensure
    from assessments.services.runs import assessment_run_execute
    from portal.celery import app as celery_app
    from portal.services.demo import demo_organization_load

    call_command("load_public_catalog", stdout=io.StringIO())
    organization = demo_organization_load(username="bench", password="bench-pass-1234")
    demo_catalog_ensure(organization=organization)
    owner = organization.memberships.get(role="owner").user
    assessment = assessment_save(
        organization=organization,
        assessment=Assessment(
            name="Pipeline benchmark",
            offer_locations="eea",
            recipients=["board@northlight.example.org"],
        ),
    )

    # Baseline: the same computation in this process.
    inline = []
    for number in range(1, runs + 1):
        run = AssessmentRun.objects.create_in(organization, assessment=assessment, number=number)
        started = time.perf_counter()
        assessment_run_execute(organization_id=organization.pk, run_id=run.pk)
        inline.append(time.perf_counter() - started)

    inbox = _Inbox()
    smtp_port = _free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    queue = f"sovra-bench-{uuid.uuid4().hex[:8]}"
    celery_app.conf.update(task_always_eager=False, broker_url=REDIS, task_default_queue=queue)
    # Send with these settings, not through pools made for the in-process baseline.
    celery_app._pool, celery_app.amqp._producer_pool = None, None
    worker = _worker(queue, smtp_port)
    client = APIClient()
    client.force_authenticate(owner)
    url = f"/api/v1/orgs/{organization.slug}/assessments/{assessment.pk}/runs/"
    end_to_end = []
    try:
        time.sleep(3)  # the worker connects to the broker
        for _ in range(runs):
            before = inbox.count
            started = time.perf_counter()
            response = client.post(url)
            assert response.status_code == 202, response.content
            while inbox.count == before:
                if time.perf_counter() - started > 300 or worker.poll() is not None:
                    raise TimeoutError("no email within 300 s (or the worker stopped)")
                time.sleep(0.05)
            end_to_end.append(time.perf_counter() - started)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        smtp.stop()
    e2e, base = statistics.median(end_to_end), statistics.median(inline)
    last = AssessmentRun.objects.for_organization(organization).order_by("-pk").first()
    workloads = len(last.snapshot["workloads"])
    placement = last.results.get("placement") or {}
    print()
    print(f"Assessment pipeline, demo organization ({workloads} workloads), median of {runs}")
    print(
        f"  API call to email received (real worker, Redis, SMTP): {e2e:6.2f} s "
        f"(target < {TARGET_SECONDS:.0f} s)  runs: {', '.join(f'{s:.2f}' for s in end_to_end)}"
    )
    print(f"  baseline, same run computed in-process (no queue, no mail): {base:6.2f} s "
          f"-> worker path {e2e / base:.2f}x")  # fmt: skip
    if placement.get("cost") is not None:
        saving = placement["saving"] or 0.0
        print(f"  portfolio placement on the demo data: {placement['status']} in "
              f"{placement['solve_seconds']:.2f} s, NPV {placement['cost']:,.0f} "
              f"{placement['currency']} against {placement['baseline_cost']:,.0f} workload by "
              f"workload: saving {saving:,.0f} ({saving / placement['baseline_cost']:.1%})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
