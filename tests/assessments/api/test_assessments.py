"""Assessments over the API: CRUD, workloads named by external ID, errors naming the field,
the callback secret shown once, and lists whose query count does not grow with their rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, AssessmentRun
from tests.assessments.api.conftest import BASE
from tests.factories import WorkloadFactory
from tests.portal.api.conftest import error_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def workloads(org):
    return [
        WorkloadFactory(organization=org, external_id=f"WL-{n}", name=f"Workload {n}")
        for n in range(3)
    ]


def _create(client, **body):
    return client.post(f"{BASE}/assessments/", {"name": "GPUs: buy or rent?", **body})


def test_create_names_workloads_by_external_id_and_shows_the_secret_once(
    api_as, analyst, workloads
):
    client = api_as(analyst)
    response = _create(
        client,
        workloads=["WL-2", "WL-0", "WL-2"],
        options=["managed_api", "on_prem"],
        recipients=["cfo@alice.example.org"],
        budget_cap="250000.00",
        callback_url="https://cmdb.alice.example.org/hooks/sovra",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["workloads"] == ["WL-0", "WL-2"]
    assert body["options"] == ["on_prem", "managed_api"]  # the reports' order
    assert body["budget_cap"] == "250000.00"
    assert body["created_by"] == "alice" and body["run_count"] == 0
    assert body["runs_url"].endswith(f"{BASE}/assessments/{body['id']}/runs/")
    assert response["Location"].endswith(f"{BASE}/assessments/{body['id']}/")
    secret = body["callback_secret"]
    stored = Assessment.objects.for_organization(analyst.memberships.first().organization).get()
    assert len(secret) == 64 and secret == stored.callback_secret

    # Never shown again: not in the detail, the list, nor the answer to a change.
    detail = client.get(f"{BASE}/assessments/{body['id']}/")
    listed = client.get(f"{BASE}/assessments/")
    changed = client.patch(f"{BASE}/assessments/{body['id']}/", {"description": "Board ask"})
    for answer in (detail, listed, changed):
        assert answer.status_code == 200
        assert "callback_secret" not in answer.content.decode()
        assert secret not in answer.content.decode()
    assert changed.json()["workloads"] == ["WL-0", "WL-2"]


def test_the_secret_cannot_be_set_by_the_client(api_as, analyst):
    response = _create(api_as(analyst), callback_secret="chosen-by-me")
    assert response.status_code == 400
    assert error_fields(response) == ["callback_secret"]


def test_invalid_fields_are_named(api_as, analyst, workloads):
    response = _create(
        api_as(analyst),
        name="",
        options=["mainframe"],
        workloads=["WL-0", "NOPE-1", "NOPE-2"],
        horizon_years=40,
    )
    assert response.status_code == 400
    fields = error_fields(response)
    assert set(fields) == {"name", "options.0", "workloads", "horizon_years"}
    by_field = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "'NOPE-1', 'NOPE-2'" in by_field["workloads"]
    assert "WL-0" not in by_field["workloads"]
    assert response.json()["detail"].startswith("Invalid field(s): ")


@pytest.mark.parametrize("char", ["\n", "\r", "\r\n", "\t", "\x0b", "\x1b", "\x85", "\u2028"])
def test_a_name_of_more_than_one_line_is_refused_naming_the_field(api_as, analyst, org, char):
    """GIVEN a name with a line break or another control character WHEN creating THEN 400 on
    `name`: the name becomes every report e-mail's Subject, where it would stop the sending."""
    response = _create(api_as(analyst), name=f"Q3 review{char}Bcc: all@example.org")
    assert response.status_code == 400
    assert error_fields(response) == ["name"]
    (error,) = response.json()["errors"]
    assert error["message"].startswith("Must be a single line")
    assert not Assessment.objects.for_organization(org).exists()


def test_the_services_checks_name_the_bad_address_and_assumption(api_as, analyst):
    recipients = _create(api_as(analyst), recipients=["ok@alice.example.org", "bad@@x"])
    assert recipients.status_code == 400
    assert [(e["field"], e["message"]) for e in recipients.json()["errors"]] == [
        ("recipients", "'bad@@x' is not a valid email address")
    ]
    overrides = _create(api_as(analyst), assumption_overrides={"demand_growth_per_year": "fast"})
    assert error_fields(overrides) == ["assumption_overrides"]
    assert "demand_growth_per_year: a number is needed" in overrides.json()["errors"][0]["message"]
    assert not Assessment.objects.for_organization(analyst.memberships.first().organization)


def test_a_callback_inside_the_network_is_refused_naming_the_field(api_as, analyst):
    response = _create(api_as(analyst), callback_url="http://[::1]:8000/api/v1/")
    assert response.status_code == 400
    ((field, message),) = [(e["field"], e["message"]) for e in response.json()["errors"]]
    assert field == "callback_url"
    assert message.startswith("::1 is a loopback address (::1), not a public one.")
    assert not Assessment.objects.for_organization(analyst.memberships.first().organization)


def test_another_organizations_workload_is_unknown(api_as, analyst, other_org):
    WorkloadFactory(organization=other_org, external_id="MALLORY-1", name="Their secret")
    response = _create(api_as(analyst), workloads=["MALLORY-1"])
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "workloads",
            "message": "No workload with external ID 'MALLORY-1' in this organization.",
            "code": "unknown_workload",
        }
    ]


def test_put_and_patch_change_the_workloads_and_delete_takes_the_runs(
    api_as, analyst, org, workloads, world
):
    client = api_as(analyst)
    url = f"{BASE}/assessments/{world['assessment'].pk}/"
    put = client.put(url, {"name": "Renamed", "workloads": ["WL-1"], "horizon_years": 3})
    assert put.status_code == 200, put.json()
    assert (put.json()["name"], put.json()["workloads"], put.json()["horizon_years"]) == (
        "Renamed",
        ["WL-1"],
        3,
    )
    assert put.json()["run_count"] == 2
    patch = client.patch(url, {"workloads": []})
    assert patch.json()["workloads"] == [] and patch.json()["name"] == "Renamed"
    assert client.delete(url).status_code == 204
    assert not AssessmentRun.objects.for_organization(org).filter(
        assessment_id=world["assessment"].pk
    )
    assert client.get(url).status_code == 404
    # Mallory's assessment and runs are untouched.
    assert AssessmentRun.objects.for_organization(world["other_run"].organization).count() == 1


def test_search_and_order(api_as, viewer, org):
    for name in ("Render farm", "Archive search", "Voice cloning"):
        Assessment.objects.create_in(org, name=name)
    client = api_as(viewer)
    names = [a["name"] for a in client.get(f"{BASE}/assessments/?ordering=name").json()["results"]]
    assert names == ["Archive search", "Render farm", "Voice cloning"]
    found = client.get(f"{BASE}/assessments/?search=voice").json()
    assert found["count"] == 1 and found["results"][0]["name"] == "Voice cloning"


def _assessments_with_workloads(org, count: int) -> None:
    workloads = [WorkloadFactory(organization=org) for _ in range(2)]
    for n in range(count):
        assessment = Assessment.objects.create_in(org, name=f"Assessment {n}")
        assessment.workloads.set(workloads)
        AssessmentRun.objects.create_in(org, assessment=assessment, number=1)


def _count_queries(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.json()["count"]


def test_the_list_costs_the_same_queries_for_2_and_20_assessments(api_as, viewer, org):
    client = api_as(viewer)
    _assessments_with_workloads(org, 2)
    few, count = _count_queries(client, f"{BASE}/assessments/")
    assert count == 2
    _assessments_with_workloads(org, 18)
    many, count = _count_queries(client, f"{BASE}/assessments/")
    assert count == 20
    assert many == few, (few, many)
