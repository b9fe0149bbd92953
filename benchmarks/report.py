"""Time the PDF report of a 200-workload portfolio, beside a 1-workload report in the same run.

Builds the results from the engine (per workload, Monte Carlo and tornado) on the media-house
offers varied into a portfolio, fills the sovereignty, placement and summary sections
synthetically in the shapes a run stores, renders the PDF 3 times and prints pages, the median
seconds and the peak memory (RSS high-water mark of this process).
Usage: DJANGO_SETTINGS_MODULE=portal.settings.base python -m benchmarks.report [--quick]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace

import django

from benchmarks.engine import portfolio_document
from costing.engine.evaluate import evaluate
from costing.engine.scenario import load_scenario
from costing.engine.uncertainty import monte_carlo, tornado

WORKLOADS = 200
SAMPLES = 1_000
RUNS = 3
TARGET_SECONDS = 8.0
TARGET_MIB = 500
# Weighted score and SEAL of each option (an owned fleet scores highest, a US API lowest).
PROFILE = {"on_prem": (4.7, 4), "colocation": (4.5, 4), "hybrid": (4.1, 3),
           "cloud_on_demand": (3.6, 3), "cloud_committed": (1.9, 1), "managed_api": (1.1, 0)}  # fmt: skip
CLASSES = ("internal", "confidential", "restricted", "public")
B02 = {
    "rule_id": "B02", "name": "Restricted personal data in cleartext at a provider under foreign "
    "access law", "citation": "GDPR Art. 9(1), 44, 46(1); CJEU C-311/18 (Schrems II)",
    "source_urls": [], "reason": "cleartext at a provider subject to 50 U.S.C. 1881a",
    "verified": True, "scope": "option", "policy": False, "presumed": [], "note": "",
}  # fmt: skip


def _sovereignty(engine: dict) -> dict:
    workloads = []
    for i, w in enumerate(engine["workloads"]):
        priced = {k: v["npv"] for k, v in w["options"].items() if "npv" in v}
        classification = CLASSES[i % len(CLASSES)]
        options = {}
        for option in priced:
            weighted, seal = PROFILE.get(option, (3.0, 2))
            blocked = classification in ("confidential", "restricted") and seal <= 1
            options[option] = {
                "deployment": option, "provider_name": None, "weighted_score": weighted,
                "blocked": blocked, "seal": {"level": seal, "reason": ""},
                "findings": [B02] if blocked else [], "preconditions": [], "scores": [],
                "requirements": [],
            }  # fmt: skip
        permitted = [k for k in priced if not options[k]["blocked"]]
        workloads.append({
            "id": w["id"], "name": w["name"], "classification": classification, "ranking": [],
            "recommended": min(permitted, key=priced.get, default=None), "options": options,
        })  # fmt: skip
    return {"library": {"urn": "urn:sovra:risk:library:ai-placement-sovereignty",
                        "ref_id": "SOVRA-AIPS", "name": "sovereignty criteria", "version": 1},
            "criteria": [], "workloads": workloads}  # fmt: skip


def _placement(engine: dict, sovereignty: dict) -> dict:
    npv = {(w["id"], k): v.get("npv") for w in engine["workloads"] for k, v in w["options"].items()}
    assignment = {w["id"]: w["recommended"] for w in sovereignty["workloads"] if w["recommended"]}
    by_option: dict[str, dict] = {}
    for workload, option in assignment.items():
        row = by_option.setdefault(option, {"workloads": 0, "cost": 0.0})
        row["workloads"] += 1
        row["cost"] += npv[workload, option] * 0.95
    baseline = sum(npv[w, o] for w, o in assignment.items())
    cost = sum(r["cost"] for r in by_option.values())
    return {"status": "optimal", "message": "", "currency": engine["currency"], "cost": cost,
            "baseline_cost": baseline, "saving": baseline - cost, "assignment": assignment,
            "baseline_assignment": assignment, "by_option": by_option, "fleets": [],
            "constraints": {"binding": []}, "solve_seconds": 0.5, "mip_gap": 0.0,
            "method": "mixed-integer program (HiGHS)"}  # fmt: skip


def build_results(workloads: int, samples: int) -> tuple[dict, dict]:
    """The run's results and snapshot for a portfolio of ``workloads``."""
    document = portfolio_document(workloads)
    scenario = load_scenario(document)
    scenario = replace(scenario, uncertainty=replace(scenario.uncertainty, samples=samples))
    engine = evaluate(scenario).as_dict()
    lead = tornado(scenario)
    results = {
        "engine": engine,
        "monte_carlo": monte_carlo(scenario).as_dict(),
        "tornado": lead.as_dict() if lead else None,
    }
    results["sovereignty"] = _sovereignty(engine)
    results["placement"] = _placement(engine, results["sovereignty"])
    results["summary"] = {
        "recommended_option": engine["cheapest_by_npv"], "cheapest_option": engine["cheapest_by_npv"],
        "probability_cheapest": None, "breakeven": None, "risks": ["synthetic benchmark run"],
        "recommendations": {w["id"]: w["recommended"] for w in results["sovereignty"]["workloads"]},
    }  # fmt: skip
    snapshot = {
        "scenario": document,
        "assessment": {"name": "benchmark", "horizon_years": 5},
        "versions": {"engine": "1", "library": "urn:sovra:risk:library:ai-placement-sovereignty v1",
                     "catalogs": [{"name": "Sovra public prices", "version": "2026-05-18"}]},
    }  # fmt: skip
    return results, snapshot


def _pages(pdf: bytes) -> int | str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        try:
            info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True,
                                  check=True).stdout  # fmt: skip
        except (OSError, subprocess.CalledProcessError):
            return "?"
    return next((int(line.split()[1]) for line in info.splitlines() if line.startswith("Pages:")),
                "?")  # fmt: skip


def _time(render, results, snapshot, meta, runs: int) -> tuple[float, bytes]:
    seconds, pdf = [], b""
    for _ in range(runs):
        start = time.perf_counter()
        pdf = render(results=results, snapshot=snapshot, meta=meta)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), pdf


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer Monte Carlo samples")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
    # The embedded default's development key, refused without DEBUG; nothing here is served.
    os.environ.setdefault("DJANGO_DEBUG", "true")
    django.setup()
    from assessments.reports import render_report_pdf

    samples = 200 if args.quick else SAMPLES
    meta = {"organization": "Benchmark Media", "run_id": "bench", "run_number": 1,
            "assessment": "benchmark", "created": "2026-11-25T09:00:00+00:00",
            "finished": "2026-11-25T09:05:00+00:00", "requested_by": "bench"}  # fmt: skip
    small = build_results(1, samples)
    large = build_results(WORKLOADS, samples)
    base_seconds, base_pdf = _time(render_report_pdf, *small, meta, RUNS)
    seconds, pdf = _time(render_report_pdf, *large, meta, RUNS)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(f"PDF report: {WORKLOADS} workloads x {len(large[0]['engine']['portfolio'])} options, "
          f"{samples:,} Monte Carlo samples")  # fmt: skip
    print(f"  pages: {_pages(pdf)} ({len(pdf) / 1024:,.0f} KiB)")
    print(f"  wall seconds (median of {RUNS}): {seconds:.2f} (target < {TARGET_SECONDS:g})")
    print(f"  peak memory (RSS high-water mark, whole process): {peak_mib:,.0f} MiB "
          f"(target < {TARGET_MIB})")  # fmt: skip
    print(f"  baseline, 1-workload report: {base_seconds:.2f} s, {_pages(base_pdf)} pages; "
          f"ratio {seconds / base_seconds:.1f}x")  # fmt: skip
    met = seconds < TARGET_SECONDS and peak_mib < TARGET_MIB
    return 0 if met or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
