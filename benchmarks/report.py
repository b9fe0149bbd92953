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

from assessments.inputs import RunSnapshot
from assessments.results import RunResults
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
        recommended = min(permitted, key=priced.get, default=None)
        workloads.append({
            "id": w["id"], "name": w["name"], "classification": classification, "ranking": [],
            "sector": "media", "residency_requirement": "none", "personal_data": False,
            "recommended": recommended, "recommended_cost": priced.get(recommended),
            "options": options,
        })  # fmt: skip
    return {"library": {"urn": "urn:sovra:risk:library:ai-placement-sovereignty",
                        "ref_id": "SOVRA-AIPS", "name": "sovereignty criteria", "version": 1},
            "criteria": [], "weights": {"cost": 0.5, "sovereignty": 0.5},
            "min_seal_by_classification": {}, "sovereign_min_seal": 3,
            "workloads": workloads}  # fmt: skip


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


def build_results(workloads: int, samples: int) -> tuple[RunResults, RunSnapshot]:
    """The run's results and snapshot for a portfolio of ``workloads``."""
    from assessments.compute import json_ready  # after django.setup()

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
    cheapest = engine["cheapest_by_npv"]
    results["summary"] = {
        "recommended_option": cheapest, "cheapest_option": cheapest,
        "cheapest_npv": engine["portfolio"][cheapest]["npv"] if cheapest else None,
        "npv_by_option": {k: v.get("npv") for k, v in engine["portfolio"].items()},
        "price_of_sovereignty": None, "currency": engine["currency"], "headline": [],
        "probability_cheapest": None, "breakeven": None, "risks": ["synthetic benchmark run"],
        "recommendations": {w["id"]: w["recommended"] for w in results["sovereignty"]["workloads"]},
    }  # fmt: skip
    return RunResults.load(json_ready(results)), _snapshot(document)


def _snapshot(document: dict) -> RunSnapshot:
    """The frozen inputs of the benchmark's run: its scenario, and settings a run records."""
    return RunSnapshot.load({
        "taken_at": "2026-11-25T09:00:00+00:00", "prices_as_of": document["start_date"],
        "assessment": {"id": 0, "name": "benchmark", "options": document["options"],
                       "horizon_years": 5, "offer_locations": "any", "assumption_overrides": {},
                       "monte_carlo_samples": 0, "random_seed": 1,
                       "sovereignty_weight_pct": None, "sovereign_min_seal": 3,
                       "constraints": {"budget_cap": None, "power_limit_kw": None,
                                       "rack_units_limit": None, "min_sovereign_share_pct": None},
                       "recipients": [], "workload_tags": []},
        "organization": {"name": "Benchmark Media", "slug": "bench", "country": "DE",
                         "currency": document["reporting_currency"], "discount_rate_pct": 7.0,
                         "sovereignty_weight_pct": 50, "min_seal_by_classification": {}},
        "workloads": [], "excluded": [], "offers_left_out": [], "scenario": document,
        "providers": {}, "models": {},
        "catalogs": [{"id": 1, "name": "Sovra public prices", "version": "2026-05-18",
                      "effective_date": "2026-05-18", "public": True}],
        "versions": {"sovra": "bench", "engine": "1",
                     "library": {"urn": "urn:sovra:risk:library:ai-placement-sovereignty",
                                 "version": 1}},
    })  # fmt: skip


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
    print(f"PDF report: {WORKLOADS} workloads x {len(large[0].engine.portfolio)} options, "
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
