"""Scenario build against a large catalog: the demo assessment's inputs frozen (offers read,
screened, priced into the scenario document, eligibility written) with the public catalog as
shipped, then with a newer public version of 20,000 offers, as feeds bring.

The generated offers are the kinds the feeds hold: cloud GPU instances of the public providers
in EU and US regions (1 to 8 GPUs of the public accelerators, on-demand, some committed and
spot), and model API offers (new models, and dated re-prices of the models the demo uses).
Printed beside the same build with today's catalog, measured in the same run, the two builds
alternating (target: under 2x). Both are built as a worker process builds a run.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
# A database of its own (dropped and re-created); SOVRA_BENCH_CATALOG_DATABASE_URL names another.
os.environ["DATABASE_URL"] = os.environ.get(
    "SOVRA_BENCH_CATALOG_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sovra_bench_catalog"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
TARGET_RATIO = 2.0
REGIONS = [
    "eu-west-1", "eu-central-1", "europe-west4", "francecentral", "fr-par-2", "GRA11",
    "us-east-1", "us-west-2", "us-central1", "eastus2", "ap-northeast-1", "",
]  # fmt: skip
SOURCE = "https://example.org/generated-benchmark-feed"


def _cloud_rows(count: int, rng: random.Random, providers, specs) -> list:
    from costing.models import CloudGpuOffer

    rows = []
    for index in range(count):
        spec = specs[index % len(specs)]
        gpus = rng.choice((1, 2, 4, 8))
        per_gpu = Decimal(str(round(rng.uniform(0.4, 6.0), 4)))
        on_demand = per_gpu * gpus
        committed = index % 3 == 0
        rows.append(
            CloudGpuOffer(
                provider=providers[index % len(providers)],
                instance=f"gen-{spec.name.split()[-1].lower()}-{gpus}x-{index}",
                region=REGIONS[index % len(REGIONS)],
                gpu_name=spec.name,
                gpu=spec,
                gpu_count=gpus,
                on_demand_per_hour=on_demand,
                reserved_1y_per_hour=(on_demand * Decimal("0.7")) if committed else None,
                reserved_3y_per_hour=(on_demand * Decimal("0.5")) if committed else None,
                spot_per_hour=(on_demand * Decimal("0.4")) if index % 4 == 0 else None,
                currency="USD" if index % 5 else "EUR",
                source_url=SOURCE,
                source_row=f"cloud:{index}",
            )
        )
    return rows


def _api_rows(count: int, rng: random.Random, providers, models: list[str]) -> list:
    from costing.models import ApiOffer

    rows = []
    for index in range(count):
        # One in ten re-prices a model the demo's workloads use; the rest are other models.
        model = models[index % len(models)] if index % 10 == 0 else f"gen-model-{index}"
        price = Decimal(str(round(rng.uniform(0.05, 15.0), 4)))
        rows.append(
            ApiOffer(
                provider=providers[index % len(providers)],
                model_name=model,
                input_price=price,
                output_price=price * 4,
                cached_input_price=(price / 10) if index % 2 else None,
                batch_discount_pct=Decimal("50") if index % 3 == 0 else None,
                regions=REGIONS[index % len(REGIONS)],
                currency="USD",
                source_url=SOURCE,
                source_row=f"api:{index}",
            )
        )
    return rows


def _grow_public_catalog(total: int, effective_date) -> int:
    """A newer public version, in force from ``effective_date``: the shipped rows plus generated
    offers up to ``total``."""
    from django.db import connection

    from costing.models import ApiOffer, Catalog, CloudGpuOffer, GpuSpec, Provider, ServerOffer
    from costing.services import catalog_publish, catalog_version_create

    current = Catalog.objects.public().get()
    grown = catalog_version_create(
        catalog=current,
        version="generated-20k",
        effective_date=effective_date,
    )
    shipped = sum(
        model.objects.in_catalog(grown).count() for model in (CloudGpuOffer, ApiOffer, ServerOffer)
    )
    rng = random.Random(20_000)
    providers = list(Provider.objects.public().order_by("name"))
    specs = [
        spec
        for spec in GpuSpec.objects.public().order_by("name")
        if spec.memory_gb and spec.memory_bandwidth_tb_s
    ]
    models = sorted(set(ApiOffer.objects.in_catalog(grown).values_list("model_name", flat=True)))
    cloud = (total - shipped) * 3 // 5
    CloudGpuOffer.objects.bulk_create_in(grown, _cloud_rows(cloud, rng, providers, specs))
    ApiOffer.objects.bulk_create_in(
        grown, _api_rows(total - shipped - cloud, rng, providers, models)
    )
    catalog_publish(catalog=grown)
    # What autovacuum does within a minute of an import this size: without statistics the
    # planner takes the 20,000 new rows for one and picks nested loops.
    with connection.cursor() as cursor:
        for table in ("costing_cloudgpuoffer", "costing_apioffer", "costing_serveroffer"):
            cursor.execute(f"ANALYZE {table}")
    return sum(
        model.objects.in_catalog(grown).count() for model in (CloudGpuOffer, ApiOffer, ServerOffer)
    )


def _timed_build(assessment, on) -> tuple[float, dict]:
    from assessments.selectors import run_snapshot

    started = time.perf_counter()
    snapshot = run_snapshot(assessment=assessment, on=on)
    return time.perf_counter() - started, snapshot


def _offers(snapshot: dict) -> int:
    offers = snapshot["scenario"]["offers"]
    return len(offers["cloud_gpu"]) + len(offers["api"]) + len(offers["servers"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--offers", type=int, default=20_000)
    args = parser.parse_args(argv)
    runs = 3 if args.quick else 5
    from benchmarks.inventory import _prepare_database

    django.setup()
    _prepare_database()
    from django.core.management import call_command

    from assessments.models import Assessment
    from assessments.services.assessments import assessment_save
    from assessments.services.demo import demo_catalog_ensure
    from costing.models import Catalog
    from portal.celery import set_loaded_aside
    from portal.services.demo import demo_organization_load

    call_command("load_public_catalog", stdout=io.StringIO())
    organization = demo_organization_load(username="bench", password="bench-pass-1234")
    demo_catalog_ensure(organization=organization)
    assessments = {
        where: assessment_save(
            organization=organization,
            assessment=Assessment(name=f"Catalog scale, offers {where}", offer_locations=where),
        )
        for where in ("eea", "any")
    }
    on = Catalog.objects.public().get().effective_date + timedelta(days=2)
    # Built as a worker process builds a run: with what it has loaded set aside from the
    # garbage collector.
    set_loaded_aside()

    before = {
        where: [_timed_build(a, on)[0] for _ in range(runs)] for where, a in assessments.items()
    }
    grown_on = on + timedelta(days=1)
    total = _grow_public_catalog(args.offers, effective_date=grown_on)
    # Today's catalog stays in force on ``on``, the grown one from the next day: builds of the
    # two alternate, so that both meet the (shared, noisy) machine in the same state.
    seconds = {(where, size): [] for where in assessments for size in ("today", "grown")}
    offers = {}
    for _ in range(runs):
        for where, assessment in assessments.items():
            for size, day in (("today", on), ("grown", grown_on)):
                took, snapshot = _timed_build(assessment, day)
                seconds[where, size].append(took)
                offers[where, size] = _offers(snapshot)
    print()
    print(f"Scenario build (run snapshot) of the demo's 12 workloads, median of {runs}")
    for where, label in (("eea", "EEA offers only, as the demo"), ("any", "offers anywhere")):
        small_s, big_s = seconds[where, "today"], seconds[where, "grown"]
        base, big = statistics.median(small_s), statistics.median(big_s)
        verdict = "within" if big / base < TARGET_RATIO else "OVER"
        print(f"  {label}:")
        print(
            f"    public catalog of {total:,} offers: {big:6.3f} s "
            f"({offers[where, 'grown']:,} offers in the document)  runs: {_listed(big_s)}"
        )
        print(
            f"    baseline, today's catalog:   {base:6.3f} s "
            f"({offers[where, 'today']:,} offers in the document)  runs: {_listed(small_s)}"
        )
        print(f"      (before the grown version existed: {statistics.median(before[where]):.3f} s)")
        print(f"    -> {big / base:.2f}x today's time ({verdict} the {TARGET_RATIO:.0f}x target)")
    return 0


def _listed(seconds: list[float]) -> str:
    return ", ".join(f"{s:.3f}" for s in seconds)


if __name__ == "__main__":
    sys.exit(main())
