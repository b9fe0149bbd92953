"""A realistic run for report and chart tests: the engine's real output for media-house.json.

The cost sections (engine, Monte Carlo, tornado) are computed by the engine; the sovereignty,
placement and summary sections are written by hand in the shapes the run stores, with rule ids
and citations from the criteria library (sovra-sovereignty-1.yaml).
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import pytest

from assessments.answer import executive_answer
from assessments.inputs import RunSnapshot
from assessments.results import RunResults
from costing.engine.evaluate import evaluate
from costing.engine.scenario import load_scenario
from costing.engine.uncertainty import monte_carlo, tornado
from tests.assessments.world import example_run_data

EXAMPLE = Path(__file__).resolve().parents[3] / "costing/engine/examples/media-house.json"
SAMPLES = 400  # enough for stable P10/P90 in a test; the report prints whatever it is given

CRITERIA = [
    {"id": "C1", "name": "Jurisdictional exposure", "weight": 3},
    {"id": "C2", "name": "Data residency and access footprint", "weight": 3},
    {"id": "C3", "name": "Operational control, key custody and cleartext exposure", "weight": 2},
    {"id": "C4", "name": "Data use and retention by the provider", "weight": 2},
    {"id": "C7", "name": "Portability and lock-in", "weight": 1},
]
# Option -> (criterion scores, SEAL level, provider): an owned fleet in Germany scores highest,
# a US provider's API lowest.
PROFILES = {
    "on_prem": ((5, 5, 5, 5, 4), 4, None),
    "colocation": ((5, 5, 4, 5, 4), 4, "Equinix FR5"),
    "hybrid": ((4, 4, 4, 5, 4), 3, "Nebius"),
    "cloud_on_demand": ((4, 4, 3, 4, 3), 3, "Nebius"),
    "cloud_committed": ((1, 2, 2, 3, 2), 1, "AWS"),
    "managed_api": ((1, 1, 0, 2, 1), 0, "Groq"),
}
CLASSIFICATION = {
    "chat-assistant": "confidential",
    "archive-rag": "restricted",
    "voice": "restricted",
    "press-briefs": "confidential",
}
B02 = {
    "rule_id": "B02",
    "name": "Special-category or restricted personal data in cleartext at a provider under "
    "foreign access law",
    "citation": "GDPR Art. 9(1), 44, 46(1); CJEU C-311/18 (Schrems II); EDPB Rec. 01/2020 "
    "Annex 2 Use Case 6 (Use Case 7 for remote access)",
    "source_urls": ["https://eur-lex.europa.eu/eli/reg/2016/679/oj"],
    "reason": "restricted data would be processed in cleartext by a provider subject to "
    "50 U.S.C. 1881a",
    "verified": True,
    "scope": "option",
    "policy": False,
    "presumed": [],
    "note": "",
}
B13 = {
    "rule_id": "B13",
    "name": "Voice or likeness used without the performer's authorisation",
    "citation": "Directive (EU) 2019/790 Art. 4(3); Tenn. Code Ann. 47-25-1101 et seq.",
    "source_urls": ["https://eur-lex.europa.eu/eli/dir/2019/790/oj"],
    "reason": "no recorded authorisation from the voice actors for synthetic voice",
    "verified": False,
    "scope": "workload",
    "policy": False,
    "presumed": ["voice_authorisation"],
    "note": "unverified: state laws beyond Tennessee not checked",
}


def run_engine(document: dict, samples: int = SAMPLES) -> dict:
    """The results' cost sections, as the run stores them, for a scenario document."""
    scenario = load_scenario(document)
    scenario = replace(scenario, uncertainty=replace(scenario.uncertainty, samples=samples))
    lead = tornado(scenario)
    return {
        "engine": evaluate(scenario).as_dict(),
        "monte_carlo": monte_carlo(scenario).as_dict(),
        "tornado": lead.as_dict() if lead else None,
    }


def _option_assessment(option: str, classification: str, workload_id: str) -> dict:
    scores, seal, provider = PROFILES[option]
    rows = [
        {"criterion_id": c["id"], "name": c["name"], "score": s, "status": "scored",
         "reason": f"{option} profile", "weight": c["weight"], "verified": True}
        for c, s in zip(CRITERIA, scores, strict=True)
    ]  # fmt: skip
    weighted = sum(c["weight"] * s for c, s in zip(CRITERIA, scores, strict=True)) / sum(
        c["weight"] for c in CRITERIA
    )
    blocked = classification in ("restricted", "confidential") and seal <= 1
    return {
        "deployment": option,
        "provider_name": provider,
        "weighted_score": weighted,
        "blocked": blocked,
        "seal": {"level": seal, "reason": f"SEAL-{seal} for {provider or 'own premises'}"},
        "findings": [B02] if blocked else [],
        "preconditions": [B13] if workload_id == "voice" else [],
        "scores": rows,
        "requirements": [],
    }


def sovereignty_section(engine: dict) -> dict:
    """Scores for every priced option of every workload; the cheapest permitted is recommended."""
    workloads = []
    for w in engine["workloads"]:
        priced = {k: v for k, v in w["options"].items() if "npv" in v}
        classification = CLASSIFICATION.get(w["id"], "internal")
        options = {k: _option_assessment(k, classification, w["id"]) for k in priced}
        permitted = [k for k in priced if not options[k]["blocked"]]
        recommended = min(permitted, key=lambda k: priced[k]["npv"], default=None)
        cheapest = min(v["npv"] for v in priced.values())
        ranking = sorted(
            (
                {"option_id": k, "cost": priced[k]["npv"],
                 "sovereignty_score": options[k]["weighted_score"],
                 "cost_index": cheapest / priced[k]["npv"],
                 "sovereignty_index": options[k]["weighted_score"] / 5,
                 "blocked": options[k]["blocked"],
                 "blocking_rule_ids": ["B02"] if options[k]["blocked"] else [],
                 "recommended": k == recommended}
                for k in priced
            ),
            key=lambda r: (r["blocked"], -(r["cost_index"] + r["sovereignty_index"])),
        )  # fmt: skip
        for rank, row in enumerate(ranking, 1):
            row["rank"] = rank
            row["combined"] = (row["cost_index"] + row["sovereignty_index"]) / 2
        workloads.append({
            "id": w["id"], "name": w["name"], "classification": classification,
            "sector": "media", "residency_requirement": "none",
            "personal_data": classification == "restricted", "recommended": recommended,
            "recommended_cost": priced[recommended]["npv"] if recommended else None,
            "ranking": ranking, "options": options,
        })  # fmt: skip
    return {
        "library": {"urn": "urn:sovra:risk:library:ai-placement-sovereignty",
                    "ref_id": "SOVRA-AIPS", "name": "AI workload placement - sovereignty criteria",
                    "version": 1},
        "criteria": CRITERIA,
        "weights": {"cost": 0.6, "sovereignty": 0.4},
        "min_seal_by_classification": {"restricted": 3, "confidential": 2},
        "sovereign_min_seal": 3,
        "workloads": workloads,
    }  # fmt: skip


def placement_section(engine: dict, sovereignty: dict) -> dict:
    """The joint placement: each workload on its recommendation, 6% cheaper for the shared fleet."""
    npv = {
        (w["id"], k): v["npv"] for w in engine["workloads"] for k, v in w["options"].items()
        if "npv" in v
    }  # fmt: skip
    assignment = {w["id"]: w["recommended"] for w in sovereignty["workloads"]}
    by_option: dict[str, dict] = {}
    for workload, option in assignment.items():
        row = by_option.setdefault(option, {"workloads": 0, "cost": 0.0})
        row["workloads"] += 1
        row["cost"] += npv[workload, option] * 0.94
    baseline = sum(npv[w, o] for w, o in assignment.items())
    cost = sum(r["cost"] for r in by_option.values())
    return {
        "status": "optimal", "message": "Optimal solution found", "currency": engine["currency"],
        "cost": cost, "baseline_cost": baseline, "saving": baseline - cost,
        "assignment": assignment, "baseline_assignment": dict(assignment), "by_option": by_option,
        "fleets": [{"option": "on_prem", "gpu": "NVIDIA H100 SXM", "servers": 3, "gpus": 24,
                    "power_kw": 30.6, "rack_units": 24}],
        "constraints": {"budget_cap": None, "power_limit_kw": 40.0, "rack_units_limit": None,
                        "min_sovereign_share": None, "binding": ["power_limit_kw"]},
        "solve_seconds": 0.12, "mip_gap": 0.0, "method": "mixed-integer program (HiGHS)",
    }  # fmt: skip


def summary_section(results: dict) -> dict:
    engine, mc = results["engine"], results["monte_carlo"]
    priced = {k: v for k, v in engine["portfolio"].items() if "npv" in v}
    ordered = sorted(priced, key=lambda k: priced[k]["npv"])
    pair = set(ordered[:2])
    summary = {
        "price_of_sovereignty": None,
        "currency": engine["currency"],
        "npv_by_option": {k: v["npv"] for k, v in priced.items()},
        "cheapest_npv": priced[ordered[0]]["npv"],
        "recommended_option": ordered[0],
        "cheapest_option": ordered[0],
        "probability_cheapest": mc["options"][ordered[0]]["probability_cheapest"],
        "breakeven": next(b for b in engine["breakevens"] if set(b["options"]) == pair),
        "risks": [
            "2 workload(s) hold restricted data: US-held options are blocked for them",
            "The input that moves the comparison most is cloud_price",
        ],
        "recommendations": {w["id"]: w["recommended"] for w in results["sovereignty"]["workloads"]},
        "headline": [],
    }
    summary["answer"] = executive_answer(
        {**results, "summary": summary}, {"scenario": media_house_document()}
    )
    return summary


def build_results(document: dict, samples: int = SAMPLES) -> dict:
    results = run_engine(document, samples)
    results["sovereignty"] = sovereignty_section(results["engine"])
    results["placement"] = placement_section(results["engine"], results["sovereignty"])
    results["summary"] = summary_section(results)
    return results


def media_house_document() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def media_house_results() -> dict:
    """The run's results for media-house.json: engine output plus hand-written sections."""
    return build_results(media_house_document())


@pytest.fixture
def results(media_house_results) -> dict:
    """A copy each test may change."""
    return copy.deepcopy(media_house_results)


def typed_run(results: dict, snapshot: dict) -> dict:
    """The results and snapshot as a run's readers get them (``assessments.selectors``)."""
    return {"results": RunResults.load(results), "snapshot": RunSnapshot.load(snapshot)}


@pytest.fixture(scope="session")
def snapshot() -> dict:
    """The frozen inputs of the media house's run, the scenario document included."""
    inputs, _ = example_run_data()
    return {
        **inputs,
        "scenario": media_house_document(),
        "assessment": {**inputs["assessment"], "name": "AI placement 2027-2031",
                       "options": list(PROFILES)},
        "versions": {**inputs["versions"], "library": {
            "urn": "urn:sovra:risk:library:ai-placement-sovereignty", "version": 1}},
        "catalogs": [
            {"id": 1, "name": "Sovra public prices", "version": "2026-05-18",
             "effective_date": "2026-05-18", "public": True},
        ],
    }  # fmt: skip


@pytest.fixture(scope="session")
def meta() -> dict:
    return {
        "organization": "Nordlicht Media GmbH",
        "run_id": "7f3c2a9e-1b4d-4c8e-9a61-2f0d5e8b7c31",
        "run_number": 3,
        "assessment": "AI placement 2027-2031",
        "created": "2026-11-25T09:14:03+01:00",
        "finished": "2026-11-25T09:15:41+01:00",
        "requested_by": "anna.keller@nordlicht.example",
    }
