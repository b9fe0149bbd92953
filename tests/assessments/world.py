"""Finished assessment runs for page, API and isolation tests, without running the pipeline.

The results are real: the pipeline's own sections computed (once per process) from the
engine's media-house example, with an inventory row per workload; the PDF is rendered once.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import timedelta
from functools import cache
from pathlib import Path

from django.utils import timezone

from assessments import compute
from assessments.inputs import SNAPSHOT_SCHEMA_VERSION, RunSnapshot
from assessments.models import Assessment, AssessmentRun, ReportEmail, RunReport, RunStatus
from assessments.results import RESULTS_SCHEMA_VERSION, RunResults
from assessments.sovereignty.providers_csv import load_providers

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "costing" / "engine" / "examples" / "media-house.json"
CLASSIFICATION = {
    "voice": "restricted",
    "archive-rag": "confidential",
    "transcription": "confidential",
    "assistant-fine-tune": "confidential",
}


def _inventory_row(workload: dict) -> dict:
    classification = CLASSIFICATION.get(workload["id"], "internal")
    return {
        "external_id": workload["id"],
        "name": workload.get("name") or workload["id"],
        "kind": workload["kind"],
        "model": workload.get("model"),
        "data_classification": classification,
        "personal_data": classification != "internal",
        "special_category_data": False,
        "sector_regulation": "none",
        "residency_requirement": "eu_eea" if classification == "restricted" else "none",
        "tags": [],
    }


@cache
def _example() -> tuple[str, str]:
    """(snapshot, results) as JSON text: callers get fresh copies they may change."""
    document = json.loads(EXAMPLE.read_text())
    document["uncertainty"] = {**document.get("uncertainty", {}), "samples": 300, "seed": 7}
    providers = load_providers(ROOT / "costing" / "data" / "providers.csv")
    snapshot = {
        "schema_version": SNAPSHOT_SCHEMA_VERSION,
        "taken_at": "2026-11-25T09:00:00+00:00",
        "prices_as_of": document["start_date"],
        "assessment": {
            "id": 0,
            "name": "Media house example",
            "description": "",
            "options": document["options"],
            "horizon_years": document["horizon_months"] // 12,
            "offer_locations": "any",
            "assumption_overrides": {},
            "monte_carlo_samples": 300,
            "random_seed": 7,
            "sovereignty_weight_pct": None,
            "sovereign_min_seal": 3,
            "constraints": {
                "budget_cap": None,
                "power_limit_kw": None,
                "rack_units_limit": None,
                "min_sovereign_share_pct": None,
            },
            "recipients": [],
            "workload_tags": [],
        },
        "organization": {
            "name": "Example Media",
            "slug": "example",
            "country": "FR",
            "currency": document["reporting_currency"],
            "discount_rate_pct": document["discount_rate_per_year"] * 100,
            "sovereignty_weight_pct": 50,
            "min_seal_by_classification": {},
        },
        "workloads": [_inventory_row(w) for w in document["workloads"]],
        "excluded": [],
        "offers_left_out": [],
        "scenario": document,
        "providers": {
            name: {
                **p.__dict__,
                "certifications": sorted(p.certifications),
                "limited_certifications": sorted(p.limited_certifications),
            }
            for name, p in providers.items()
        },
        "models": {},
        "catalogs": [{"id": 1, "name": "Public reference prices", "version": "2026-11",
                      "effective_date": "2026-11-01", "public": True}],
        "versions": {"sovra": "0.1.0", "engine": "1",
                     "library": {"urn": "urn:sovra:library:sovereignty", "version": 1}},
    }  # fmt: skip
    results = {"schema_version": RESULTS_SCHEMA_VERSION, "engine": compute.engine_section(snapshot)}
    results["monte_carlo"] = compute.monte_carlo_section(snapshot)
    results["tornado"] = compute.tornado_section(snapshot)
    results["sovereignty"] = compute.sovereignty_section(snapshot, results["engine"])
    from assessments.placement_step import placement_section

    results["placement"] = placement_section(snapshot, results)
    results["summary"] = compute.summary_section(results, snapshot)
    results = compute.json_ready(results)
    # As a run stores them: every section typed, the inputs too.
    RunResults.load(results)
    RunSnapshot.load(snapshot)
    return json.dumps(snapshot), json.dumps(results)


def example_run_data() -> tuple[dict, dict]:
    snapshot, results = _example()
    return json.loads(snapshot), json.loads(results)


@cache
def example_report() -> tuple[bytes, int]:
    from assessments.reports import render_report

    snapshot, results = example_run_data()
    meta = {
        "organization": "Example Media",
        "run_id": "1",
        "run_number": 1,
        "assessment": "Media house example",
        "created": "2026-11-25T09:00:00+00:00",
        "finished": "2026-11-25T09:00:05+00:00",
        "requested_by": "",
    }
    return render_report(
        results=RunResults.load(results), snapshot=RunSnapshot.load(snapshot), meta=meta
    )


def example_pdf() -> bytes:
    return example_report()[0]


def finished_run(assessment: Assessment, *, number: int = 1, user=None) -> AssessmentRun:
    """A succeeded run of ``assessment`` with real results, its PDF and one sent email."""
    snapshot, results = example_run_data()
    snapshot["assessment"]["name"] = assessment.name
    now = timezone.now()
    summary = results["summary"]
    run = AssessmentRun.objects.create_in(
        assessment.organization,
        assessment=assessment,
        number=number,
        status=RunStatus.SUCCEEDED,
        step="done",
        progress_pct=100,
        requested_by=user,
        started_at=now - timedelta(seconds=5),
        finished_at=now,
        heartbeat_at=now,
        attempts=1,
        snapshot=snapshot,
        results=results,
        timings={"engine": 0.2},
        currency=summary["currency"],
        cheapest_option=summary["cheapest_option"] or "",
        recommended_option=summary["recommended_option"] or "",
    )
    pdf, pages = example_report()
    RunReport.objects.create_in(
        assessment.organization,
        run=run,
        pdf=pdf,
        size_bytes=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        pages=pages,
    )
    ReportEmail.objects.create_in(
        assessment.organization,
        run=run,
        recipients=[f"board@{assessment.organization.slug}.example.org"],
        status="sent",
        sent_at=now,
        attempts=1,
        attached=True,
    )
    return AssessmentRun.objects.for_organization(assessment.organization).get(pk=run.pk)


def world_assessments(org, other_org, user=None) -> dict:
    """Alice's assessment with two finished runs, and mallory's, for isolation tests."""
    mine = Assessment.objects.create_in(
        org, name="Alice visible assessment", recipients=["cfo@alice.example.org"]
    )
    theirs = Assessment.objects.create_in(other_org, name="Mallory secret assessment")
    first = finished_run(mine, user=user)
    second = finished_run(mine, number=2, user=user)
    return {
        "assessment": mine,
        "run": second,
        "earlier_run": first,
        "other_assessment": theirs,
        "other_run": finished_run(theirs),
    }


def copy_results() -> dict:
    return copy.deepcopy(example_run_data()[1])
