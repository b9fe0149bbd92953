"""The comparison of two runs, on their frozen (snapshot, results) pairs alone: no database."""

from __future__ import annotations

import copy
import json
from functools import cache

import pytest

from assessments.compare import (
    assumption_changes,
    npv_changes,
    offer_label,
    price_changes,
    recommendation_changes,
    runs_compare,
    version_changes,
    workload_changes,
)
from tests.assessments.world import example_run_data

OFFERS = {
    "cloud_gpu": [
        {"provider": "Nebius", "instance": "h100", "region": "eu-north1", "gpu_count": 1,
         "on_demand_per_hour": {"amount": 2.95, "currency": "USD",
                                "source": {"url": "https://example.org/a"}}},
    ],
    "api": [
        {"provider": "Mistral", "model": "mistral-large", "regions": ["EU"],
         "input_per_1m_tokens": {"amount": 2.0, "currency": "EUR"},
         "output_per_1m_tokens": {"amount": 6.0, "currency": "EUR"}},
    ],
    "facility_colocation": {"region": "Frankfurt", "pue": 1.42,
                            "colocation_per_kw_month": {"amount": 155, "currency": "EUR"}},
    "fx": [{"base": "EUR", "quote": "USD", "rate": 1.0889}],
}  # fmt: skip
SNAPSHOT = {
    "prices_as_of": "2026-11-01",
    "assessment": {"sovereignty_weight_pct": 50, "constraints": {"budget_cap": None}},
    "workloads": [
        {"pk": 1, "external_id": "chat", "name": "Chat", "requests_per_day": 20000},
        {"pk": 2, "external_id": "voice", "name": "Voice", "requests_per_day": 100},
    ],
    "scenario": {
        "reporting_currency": "EUR",
        "horizon_months": 60,
        "discount_rate_per_year": 0.08,
        "options": ["on_prem", "managed_api"],
        "assumptions": {"demand_growth_per_year": 0.25,
                        "network_storage_per_month": {"amount": 4000, "currency": "EUR"}},
        "uncertainty": {"samples": 300, "seed": 7},
        "offers": OFFERS,
    },
    "catalogs": [{"name": "Public reference prices", "version": "2026-11"}],
    "versions": {"sovra": "0.1.0", "engine": "1", "library": {"urn": "urn:x", "version": 1}},
}  # fmt: skip


@cache
def _results_json() -> str:
    """A real run's results, with the figures these tests compare set by hand."""
    results = example_run_data()[1]
    results["summary"] |= {
        "currency": "EUR",
        "cheapest_option": "managed_api",
        "cheapest_npv": 1_000_000.0,
        "npv_by_option": {"managed_api": 1_000_000.0, "on_prem": 1_500_000.0},
        "recommendations": {"chat": "managed_api", "voice": "on_prem"},
        "recommended_option": "managed_api",
    }
    results["placement"]["assignment"] = {"chat": "managed_api", "voice": "on_prem"}
    return json.dumps(results)


def results() -> dict:
    return json.loads(_results_json())


def _pair():
    return copy.deepcopy(SNAPSHOT), results()


def test_identical_runs_have_no_changes_and_zero_deltas():
    diff = runs_compare(_pair(), _pair())
    inputs = diff["inputs"]
    assert inputs["changed"] is False
    assert inputs["workloads"] == {"added": [], "removed": [], "changed": []}
    assert inputs["prices"] == {"added": [], "removed": [], "changed": []}
    assert inputs["assumptions"] == [] and inputs["versions"] == []
    assert [(r["option"], r["delta"]) for r in diff["results"]["npv_by_option"]] == [
        ("managed_api", 0.0),
        ("on_prem", 0.0),
    ]
    assert diff["results"]["recommendations_changed"] == 0


def test_workloads_added_removed_and_changed_by_external_id():
    old, new = SNAPSHOT, copy.deepcopy(SNAPSHOT)
    new["workloads"][0]["requests_per_day"] = 30000
    new["workloads"][0]["pk"] = 99  # the row's database id is not an input
    new["workloads"][1] = {"pk": 3, "external_id": "subtitles", "name": "Subtitles"}
    assert workload_changes(old, new) == {
        "added": [{"id": "subtitles", "name": "Subtitles"}],
        "removed": [{"id": "voice", "name": "Voice"}],
        "changed": [
            {
                "id": "chat",
                "name": "Chat",
                "fields": [{"field": "requests_per_day", "old": 20000, "new": 30000}],
            }
        ],
    }


def test_prices_name_the_offer_and_the_old_and_new_amount():
    new = copy.deepcopy(SNAPSHOT)
    offers = new["scenario"]["offers"]
    offers["api"][0]["output_per_1m_tokens"]["amount"] = 4.5
    offers["cloud_gpu"][0]["on_demand_per_hour"]["source"] = {"url": "https://example.org/b"}
    offers["facility_colocation"]["colocation_per_kw_month"] = {"amount": 170, "currency": "EUR"}
    offers["fx"][0]["rate"] = 1.1
    offers["cloud_gpu"].append({"provider": "Scaleway", "instance": "h100-1", "region": "fr-par"})
    diff = price_changes(SNAPSHOT, new)
    assert diff["added"] == [{"kind": "cloud_gpu", "offer": "Scaleway h100-1 (fr-par)"}]
    assert diff["removed"] == []
    # A new source for the same amount is not a price change.
    rows = [(c["offer"], c["figure"], c["old"], c["new"], c["delta_pct"]) for c in diff["changed"]]
    assert rows == [
        ("Mistral mistral-large (API)", "output_per_1m_tokens", 6.0, 4.5, -25.0),
        ("facility colocation", "colocation_per_kw_month", 155, 170, 9.68),
        ("FX EUR/USD", "rate", 1.0889, 1.1, 1.02),
    ]  # fmt: skip


def test_a_price_in_another_currency_has_no_percentage():
    new = copy.deepcopy(SNAPSHOT)
    new["scenario"]["offers"]["cloud_gpu"][0]["on_demand_per_hour"] = {
        "amount": 2.7,
        "currency": "EUR",
    }
    [change] = price_changes(SNAPSHOT, new)["changed"]
    assert (change["old_currency"], change["new_currency"], change["delta_pct"]) == (
        "USD",
        "EUR",
        None,
    )


def test_offers_named_alike_stay_apart():
    offer = {"provider": "Nebius", "instance": "h100", "region": "eu-north1"}
    assert offer_label("cloud_gpu", offer) == "Nebius h100 (eu-north1)"
    old = copy.deepcopy(SNAPSHOT)
    old["scenario"]["offers"]["cloud_gpu"] = [
        {**offer, "on_demand_per_hour": {"amount": 2.0, "currency": "USD"}},
        {**offer, "on_demand_per_hour": {"amount": 3.0, "currency": "USD"}},
    ]
    new = copy.deepcopy(old)
    new["scenario"]["offers"]["cloud_gpu"][1]["on_demand_per_hour"]["amount"] = 3.3
    [change] = price_changes(old, new)["changed"]
    assert (change["offer"], change["old"], change["new"]) == (
        "Nebius h100 (eu-north1) #2",
        3.0,
        3.3,
    )


def test_assumptions_settings_and_versions_that_changed():
    new = copy.deepcopy(SNAPSHOT)
    new["scenario"]["assumptions"]["demand_growth_per_year"] = 0.4
    new["scenario"]["assumptions"]["network_storage_per_month"]["amount"] = 4500
    new["scenario"]["uncertainty"]["seed"] = 8
    new["assessment"]["constraints"]["budget_cap"] = 2_000_000.0
    new["catalogs"][0]["version"] = "2027-01"
    new["versions"]["library"]["version"] = 2
    assert assumption_changes(SNAPSHOT, new) == [
        {"name": "assumptions.demand_growth_per_year", "old": 0.25, "new": 0.4},
        {
            "name": "assumptions.network_storage_per_month",
            "old": {"amount": 4000, "currency": "EUR"},
            "new": {"amount": 4500, "currency": "EUR"},
        },
        {"name": "constraints.budget_cap", "old": None, "new": 2_000_000.0},
        {"name": "uncertainty.seed", "old": 7, "new": 8},
    ]
    assert version_changes(SNAPSHOT, new) == [
        {"name": "catalog Public reference prices", "old": "2026-11", "new": "2027-01"},
        {"name": "library.version", "old": 1, "new": 2},
    ]


def test_npv_per_option_old_new_and_delta():
    new = results()
    new["summary"]["npv_by_option"] = {"on_prem": 1_200_000.0, "colocation": 1_300_000.0}
    rows = {r["option"]: r for r in npv_changes(results(), new)}
    assert rows["on_prem"] == {
        "option": "on_prem",
        "old": 1_500_000.0,
        "new": 1_200_000.0,
        "delta": -300_000.0,
        "delta_pct": -20.0,
    }
    assert (rows["colocation"]["old"], rows["colocation"]["delta"]) == (None, None)
    assert (rows["managed_api"]["new"], rows["managed_api"]["delta"]) == (None, None)


def test_no_delta_across_currencies():
    new = results()
    new["summary"]["currency"] = "USD"
    assert all(r["delta"] is None for r in npv_changes(results(), new))


def test_npv_falls_back_on_the_engine_portfolio_without_a_summary():
    """A run that failed after its engine step: its portfolio, an unpriced option left out."""
    unpriced = {"option": "managed_api", "missing": "API price", "reason": "no offer"}
    old = {"engine": {"currency": "EUR", "portfolio": {"on_prem": {"option": "on_prem",
           "npv": 10.0}, "managed_api": unpriced}}}  # fmt: skip
    new = {"engine": {"currency": "EUR", "portfolio": {"on_prem": {"option": "on_prem",
           "npv": 12.5}}}}  # fmt: skip
    assert npv_changes(old, new) == [
        {"option": "on_prem", "old": 10.0, "new": 12.5, "delta": 2.5, "delta_pct": 25.0}
    ]


def test_recommendations_per_workload():
    new = results()
    new["summary"]["recommendations"]["voice"] = "colocation"
    new["placement"]["assignment"]["chat"] = "on_prem"
    rows = {r["workload"]: r for r in recommendation_changes(results(), new)}
    assert (rows["voice"]["old"], rows["voice"]["new"], rows["voice"]["changed"]) == (
        "on_prem",
        "colocation",
        True,
    )
    assert rows["chat"]["changed"] is False and rows["chat"]["placement_changed"] is True
    assert rows["chat"]["new_placement"] == "on_prem"


@pytest.mark.parametrize("missing", [None, {}])
def test_a_run_without_results_compares_its_inputs(missing):
    diff = runs_compare((SNAPSHOT, results()), (SNAPSHOT, missing))
    assert diff["inputs"]["changed"] is False
    rows = diff["results"]["npv_by_option"]
    assert [(r["option"], r["new"], r["delta"]) for r in rows] == [
        ("managed_api", None, None),
        ("on_prem", None, None),
    ]
    assert diff["results"]["currency"] == {"old": "EUR", "new": None}
