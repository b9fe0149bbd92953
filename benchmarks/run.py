"""Print Sovra's benchmark figures, each beside a baseline measured in the same run.

The machines are shared and noisy: every figure is the median of several runs, and each is
printed with a ratio to a baseline taken in the same run. Needs the PostgreSQL of ``make test``.
Usage: python benchmarks/run.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = [
    "benchmarks.inventory",
    "benchmarks.accuracy",
    "benchmarks.feeds",
    "benchmarks.engine",
    "benchmarks.placement",
    "benchmarks.report",
    "benchmarks.pipeline",
    "benchmarks.run_scale",
    "benchmarks.catalog_scale",
    "benchmarks.load",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rows and runs")
    args = parser.parse_args()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.settings", "PYTHONPATH": str(ROOT)}
    status = 0
    for module in SECTIONS:
        command = [sys.executable, "-m", module] + (["--quick"] if args.quick else [])
        status |= subprocess.call(command, cwd=ROOT, env=env)
    return status


if __name__ == "__main__":
    sys.exit(main())
