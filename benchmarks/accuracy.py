"""Print the engine's estimate beside each published validation figure, and the errors.

Usage (from the repository root, no database needed): python -m benchmarks.accuracy
``--write-table`` also rewrites costing/data/throughput_accuracy.csv, the throughput cases'
published/engine ratios that runs sample as the engine's own throughput error (a test checks
that the shipped table matches the engine).
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
from pathlib import Path

import django

# The cases read the shipped models through the product's own model specs.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
django.setup()

from tests.costing.engine import validation_finance_cases as finance  # noqa: E402
from tests.costing.engine.validation_cases import (  # noqa: E402
    THROUGHPUT_KINDS,
    load_cases,
    relative_error,
    run_case,
    within,
)

TABLE = Path(__file__).resolve().parents[1] / "costing" / "data" / "throughput_accuracy.csv"
TABLE_COLUMNS = ("case", "kind", "published", "engine", "unit", "served_over_sized", "source_url")


def throughput_table() -> list[dict]:
    """One row per throughput case: what was measured against what the engine sizes for."""
    rows = []
    for case in load_cases(THROUGHPUT_KINDS):
        estimate, expected, unit = run_case(case)
        rows.append(
            {
                "case": case["id"],
                "kind": case["kind"],
                "published": f"{expected:.6g}",
                "engine": f"{estimate:.6g}",
                "unit": unit,
                "served_over_sized": f"{expected / estimate:.4f}",
                "source_url": case["source_url"],
            }
        )
    return rows


def write_table(path: Path = TABLE) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=TABLE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(throughput_table())


def main() -> int:
    if "--write-table" in sys.argv[1:]:
        write_table()
        print(f"wrote {TABLE}")
    rows, throughput_errors, failures = [], [], 0
    cases = load_cases() + load_cases(tuple(sorted(finance.FINANCE_KINDS)))
    for case in cases:
        runner = finance.run_case if case["kind"] in finance.FINANCE_KINDS else run_case
        estimate, expected, unit = runner(case)
        error = relative_error(estimate, expected)
        ok = within(case, estimate, expected)
        failures += not ok
        if case["kind"] in THROUGHPUT_KINDS:
            throughput_errors.append(error)
        signed = (estimate - expected) / expected
        rows.append(
            (
                case["id"],
                case["kind"],
                f"{estimate:,.2f}",
                f"{expected:,.2f}",
                unit.split(" (")[0][:24],
                f"{signed:+.1%}",
                f"{case['tolerance']['relative']:.0%}",
                "yes" if ok else "NO",
            )
        )
    header = ("case", "kind", "engine", "published", "unit", "error", "tol.", "within?")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print("Engine accuracy against published figures (tests/costing/validation)")
    for row in [header, *rows]:
        cells = [
            str(cell).rjust(width) if 2 <= i <= 6 else str(cell).ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
    median = statistics.median(throughput_errors)
    print(
        f"median |error| of the {len(throughput_errors)} throughput cases "
        f"(decode, prefill, serving): {median:.1%} (target under 15%)"
    )
    print(f"cases outside their tolerance: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
