"""The organization's dashboard: inventory, GPU demand, latest recommendations, cost outlook."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.reports.formatting import money, option_label
from tests.assessments.world import world_assessments
from tests.factories import WorkloadFactory

pytestmark = pytest.mark.django_db


def test_dashboard_shows_the_latest_runs_recommendations_and_outlook(
    client_for, org, other_org, viewer
):
    WorkloadFactory(organization=org, external_id="voice", name="Dubbed voices")
    world = world_assessments(org, other_org)
    response = client_for(viewer).get(reverse("dashboard", args=[org.slug]))
    body = response.content.decode()
    results = world["run"].results

    latest = response.context["recommendations"]
    assert [item["run"]["pk"] for item in latest] == [world["run"].pk]  # not the earlier run
    assignment = results["placement"]["assignment"]
    assert {w["id"]: w["option"] for w in latest[0]["workloads"]} == assignment
    # The inventory's name where the workload is known, its id otherwise.
    assert 'data-workload="voice"><th scope="row">Dubbed voices</th>' in body
    assert f"<td>{option_label(assignment['voice'])}</td>" in body
    outlook = response.context["outlook"]
    currency = results["summary"]["currency"]
    for option, npv in results["summary"]["npv_by_option"].items():
        assert money(npv, currency) in body, option
    assert outlook["gpu_demand"] and all(row["peak_gpus"] > 0 for row in outlook["gpu_demand"])
    assert 'id="outlook-chart"' in body and "<svg" in body
    assert "Mallory secret assessment" not in body
    assert "Alice visible assessment #2" in body  # recent runs


def test_dashboard_without_runs_invites_to_assess(client_for, org, analyst):
    WorkloadFactory(organization=org)
    body = client_for(analyst).get(reverse("dashboard", args=[org.slug])).content.decode()
    assert "No assessment has finished yet." in body
    assert reverse("assessment-create", args=[org.slug]) in body


def test_the_dashboard_leads_with_what_the_latest_run_says_and_names_it(
    client_for, org, other_org, viewer
):
    WorkloadFactory(organization=org, external_id="voice", name="Dubbed voices")
    world = world_assessments(org, other_org)
    body = client_for(viewer).get(reverse("dashboard", args=[org.slug])).content.decode()
    answer = world["run"].results["summary"]["answer"]
    latest = body.index('id="latest-answer"')
    assert latest < body.index('aria-labelledby="totals-heading"')  # before the inventory
    section = body[latest : body.index("</section>", latest)]
    assert "Alice visible assessment, run #2" in section
    assert answer["do"].replace("'", "&#x27;") in section
    assert answer["sovereignty"] in section
