"""Comparing two runs over the API: inputs and results that changed, earlier run first."""

from __future__ import annotations

import pytest

from assessments.models import Assessment, AssessmentRun, RunStatus
from tests.assessments.api.conftest import BASE
from tests.assessments.world import example_run_data

pytestmark = pytest.mark.django_db


def _changed_run(assessment, number: int) -> AssessmentRun:
    """A succeeded run whose inputs and results differ from the example's in known ways."""
    snapshot, results = example_run_data()
    snapshot["scenario"]["offers"]["cloud_gpu"][0]["on_demand_per_hour"]["amount"] = 3.54
    snapshot["scenario"]["discount_rate_per_year"] = 0.1
    snapshot["workloads"] = [w for w in snapshot["workloads"] if w["external_id"] != "voice"]
    snapshot["versions"]["engine"] = "2"
    results["summary"]["npv_by_option"]["hybrid"] += 100_000.0
    results["summary"]["recommendations"]["chat-assistant"] = "on_prem"
    return AssessmentRun.objects.create_in(
        assessment.organization,
        assessment=assessment,
        number=number,
        status=RunStatus.SUCCEEDED,
        snapshot=snapshot,
        results=results,
    )


def test_two_runs_compare_inputs_and_results_earlier_first(api_as, viewer, world):
    newer = _changed_run(world["assessment"], 3)
    earlier = world["earlier_run"]
    # The URL names the newer run first: the answer still reads from the earlier one.
    response = api_as(viewer).get(f"{BASE}/runs/{newer.pk}/compare/{earlier.pk}/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["old"]["id"], body["new"]["id"]) == (earlier.pk, newer.pk)
    inputs = body["inputs"]
    assert inputs["changed"] is True
    assert inputs["workloads"]["removed"] == [
        {"id": "voice", "name": "Synthetic voice and dubbing"}
    ]
    assert inputs["prices"]["changed"] == [
        {
            "kind": "cloud_gpu",
            "offer": "Nebius gpu-h100-sxm 1gpu-16vcpu-200gb (eu-north1)",
            "figure": "on_demand_per_hour",
            "old": 2.95,
            "new": 3.54,
            "old_currency": "USD",
            "new_currency": "USD",
            "delta_pct": 20.0,
        }
    ]
    assert inputs["assumptions"] == [{"name": "discount_rate_per_year", "old": 0.08, "new": 0.1}]
    assert inputs["versions"] == [{"name": "engine", "old": "1", "new": "2"}]
    hybrid = next(r for r in body["results"]["npv_by_option"] if r["option"] == "hybrid")
    assert hybrid["delta"] == pytest.approx(100_000.0)
    assert hybrid["new"] - hybrid["old"] == pytest.approx(100_000.0)
    changed = [r for r in body["results"]["recommendations"] if r["changed"]]
    assert [(r["workload"], r["old"], r["new"]) for r in changed] == [
        ("chat-assistant", "colocation", "on_prem")
    ]
    assert body["results"]["recommendations_changed"] == 1


def test_runs_of_different_assessments_are_not_compared(api_as, viewer, world):
    other = Assessment.objects.create_in(world["assessment"].organization, name="Other question")
    elsewhere = _changed_run(other, 1)
    response = api_as(viewer).get(f"{BASE}/runs/{world['run'].pk}/compare/{elsewhere.pk}/")
    assert response.status_code == 400
    assert "belong to different assessments" in response.json()["detail"]


def test_a_run_without_frozen_inputs_cannot_be_compared(api_as, viewer, world):
    queued = AssessmentRun.objects.create_in(
        world["assessment"].organization, assessment=world["assessment"], number=3
    )
    response = api_as(viewer).get(f"{BASE}/runs/{world['run'].pk}/compare/{queued.pk}/")
    assert response.status_code == 409
    assert response.json()["detail"] == "Run #3 has not frozen its inputs yet."
