"""Price feed benchmark: the whole LiteLLM cost map imported into a draft with its diff.

Figures: seconds and peak memory of ``feed_sync`` (read, map, copy the published catalog, which
already holds the feed's previous rows, into a draft, replace the feed's rows, diff, store), beside a plain ``json.load`` of the same file
measured in the same process. The file is read where the reference feeds are kept
(``SOVRA_FEEDS_DIR``, default ``../shared/reference/feeds`` beside the repository).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
from datetime import date
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
FEEDS = Path(os.environ.get("SOVRA_FEEDS_DIR", ROOT.parent / "shared/reference/feeds"))
LITELLM = FEEDS / "litellm-model_prices_and_context_window.json"
AS_OF = date(2026, 11, 20)


def _prepare_database() -> None:
    from django.core.management import call_command

    from benchmarks.inventory import _prepare_database as fresh

    fresh()
    call_command("load_public_catalog", stdout=io.StringIO())
    if LITELLM.exists():
        # The steady state a schedule meets: the published catalog already holds the feed's
        # rows, so the draft copies them and the diff compares every price.
        from costing.services import catalog_publish
        from costing.services.feed_sync import feed_sync

        first = feed_sync(source="litellm", data=LITELLM.read_bytes(), as_of=AS_OF)
        catalog_publish(catalog=first.catalog)


def bench_litellm(quick: bool) -> str:
    if not LITELLM.exists():
        return f"LiteLLM feed import: skipped, {LITELLM} not found (set SOVRA_FEEDS_DIR)"
    runs = 1 if quick else 3
    results = []
    for _ in range(runs):
        output = subprocess.run(
            [sys.executable, "-m", "benchmarks.feed_import", str(LITELLM)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(output.stdout.strip().splitlines()[-1]))

    def median(key: str) -> float:
        return statistics.median(r[key] for r in results)

    seconds, load = median("seconds"), median("load_seconds")
    return "\n".join(
        [
            f"LiteLLM feed into a draft with its diff ({results[0]['megabytes']:.1f} MB, "
            f"{results[0]['rows']:,} offers, {results[0]['compared']:,} prices compared with "
            f"the published version; median of {runs})",
            f"  read + map + draft + diff + write    {seconds:6.2f} s   target < 5 s"
            f"   peak memory {median('peak_python_mb'):.0f} MB allocated by the import"
            f" (process peak RSS {median('peak_rss_mb'):.0f} MB)",
            f"  json.load alone (baseline)           {load:6.2f} s   ratio {seconds / load:.0f}x"
            f"   peak memory {median('load_peak_python_mb'):.0f} MB",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    django.setup()
    _prepare_database()
    print(bench_litellm(quick), flush=True)


if __name__ == "__main__":
    main()
