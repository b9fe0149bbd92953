"""Bulk upsert: by external ID, all or nothing, each problem named by row and field."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

from portal.models import Workload
from tests.factories import ModelSpecFactory, WorkloadFactory
from tests.portal.api.conftest import error_fields

URL = "/api/v1/orgs/alice-media/workloads/bulk-upsert/"


def _post(client, body, query: str = ""):
    return client.generic("POST", URL + query, orjson.dumps(body), content_type="application/json")


def _workloads(org):
    return Workload.objects.for_organization(org)


def _row(external_id: str, **fields) -> dict:
    return {"external_id": external_id, "name": f"Workload {external_id}", "kind": "chat",
            "avg_input_tokens": 900, **fields}  # fmt: skip


@pytest.fixture
def llama(db):
    return ModelSpecFactory(organization=None, name="Llama 3.1 70B")


def test_creates_workloads_with_their_values(client_as, org, analyst, llama, l40s):
    body = [
        _row("CMDB-1", model="Llama 3.1 70B", requests_per_day=12000, peak_factor="2.5",
             tags=["newsroom"], personal_data=True, residency_requirement="eu_eea"),
        _row("CMDB-2", kind="speech", model=None, gpu_hours_per_month=120.5, peak_gpus=2,
             gpu_class="L40S", data_classification="restricted"),
    ]  # fmt: skip
    response = _post(client_as("analyst"), body)

    assert response.status_code == 200, response.content
    assert response.json() == {"created": 2, "updated": 0, "dry_run": False}
    first = _workloads(org).get(external_id="CMDB-1")
    assert first.model == llama
    assert (first.requests_per_day, first.peak_factor) == (12000, Decimal("2.50"))
    assert first.tags == ["newsroom"]
    assert first.personal_data is True and first.residency_requirement == "eu_eea"
    second = _workloads(org).get(external_id="CMDB-2")
    assert second.gpu_hours_per_month == Decimal("120.50")
    assert (second.peak_gpus, second.gpu_class) == (2, "L40S")
    assert second.data_classification == "restricted"


def test_new_rows_get_the_models_defaults_for_omitted_columns(client_as, org, analyst):
    _post(client_as("analyst"), [{"external_id": "MIN", "name": "Minimal", "kind": "training"}])
    stored = _workloads(org).get(external_id="MIN")
    fresh = Workload(organization=org, external_id="MIN", name="Minimal", kind="training")
    for field in Workload._meta.concrete_fields:
        if field.name not in ("id", "created_at", "updated_at"):
            assert getattr(stored, field.attname) == getattr(fresh, field.attname), field.name
    assert stored.created_at == stored.updated_at


def test_upsert_updates_existing_rows_and_keeps_omitted_columns(client_as, org, analyst, llama):
    existing = WorkloadFactory(
        organization=org, external_id="CMDB-1", name="Old name", owner_team="Platform",
        model=llama, requests_per_day=100, tags=["keep"], notes="Kept notes",
    )  # fmt: skip
    created_at = existing.created_at
    body = [_row("CMDB-1", name="New name", requests_per_day=250), _row("CMDB-2")]
    response = _post(client_as("analyst"), body)

    assert response.json() == {"created": 1, "updated": 1, "dry_run": False}
    existing.refresh_from_db()
    assert (existing.name, existing.requests_per_day) == ("New name", 250)
    assert existing.owner_team == "Platform"
    assert existing.model == llama
    assert existing.tags == ["keep"]
    assert existing.notes == "Kept notes"
    assert existing.created_at == created_at
    assert existing.updated_at > created_at
    assert _workloads(org).count() == 2


def test_rows_with_different_columns_each_update_only_their_own(client_as, org, analyst):
    WorkloadFactory(organization=org, external_id="A", owner_team="Team A", requests_per_day=1)
    WorkloadFactory(organization=org, external_id="B", owner_team="Team B", requests_per_day=2)
    body = [_row("A", owner_team="New A"), _row("B", requests_per_day=20)]
    assert _post(client_as("analyst"), body).json()["updated"] == 2
    a, b = _workloads(org).order_by("external_id")
    assert (a.owner_team, a.requests_per_day) == ("New A", 1)
    assert (b.owner_team, b.requests_per_day) == ("Team B", 20)


def test_another_organizations_rows_with_the_same_ids_are_untouched(
    client_as, org, other_org, analyst
):
    theirs = WorkloadFactory(organization=other_org, external_id="CMDB-1", name="Theirs")
    response = _post(client_as("analyst"), [_row("CMDB-1", name="Mine")])
    assert response.json()["created"] == 1
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    assert _workloads(org).get(external_id="CMDB-1").name == "Mine"


@pytest.mark.parametrize("flag", ["1", "true", "yes"])
def test_dry_run_counts_and_writes_nothing(client_as, org, analyst, flag):
    WorkloadFactory(organization=org, external_id="CMDB-1", name="Before")
    response = _post(client_as("analyst"), [_row("CMDB-1"), _row("CMDB-2")], f"?dry_run={flag}")
    assert response.json() == {"created": 1, "updated": 1, "dry_run": True}
    assert list(_workloads(org).values_list("external_id", "name")) == [("CMDB-1", "Before")]


def test_an_unreadable_dry_run_flag_is_refused(client_as, org, analyst):
    response = _post(client_as("analyst"), [_row("X")], "?dry_run=perhaps")
    assert response.status_code == 400
    assert error_fields(response) == ["dry_run"]
    assert not _workloads(org).exists()


BAD_ROWS = [
    ({"requests_per_day": "abc"}, "requests_per_day", "not a number"),
    ({"requests_per_day": -5}, "requests_per_day", "below the minimum"),
    ({"requests_per_day": "1,200"}, "requests_per_day", "thousands separators"),
    ({"avg_input_tokens": "1200 tokens"}, "avg_input_tokens", "leave the unit out"),
    ({"avg_input_tokens": 1.5}, "avg_input_tokens", "whole number"),
    ({"kind": "quantum"}, "kind", "not a choice"),
    ({"personal_data": "maybe"}, "personal_data", "yes/no"),
    ({"name": "=cmd|' /C calc'!A0"}, "name", "formula"),
    ({"owner_team": "a\x00b"}, "owner_team", "control characters"),
    ({"external_id": "x\x00"}, "external_id", "printable"),
    ({"name": "x" * 201}, "name", "limit is 200"),
    ({"external_id": "x" * 101}, "external_id", "limit is 100"),
    ({"tags": ["=1+1"]}, "tags", "formula"),
    ({"tags": {"a": 1}}, "tags", "list"),
    ({"model": "No Such Model"}, "model", "not a known model"),
    ({"peak_factor": 0.5}, "peak_factor", "below the minimum"),
    ({"colour": "red"}, "colour", "not a workload field"),
    ({"name": 12.5}, "name", None),  # numbers become text: allowed
]


@pytest.mark.parametrize(("changes", "field", "words"), BAD_ROWS)
def test_bad_rows_name_row_and_field_and_write_nothing(
    client_as, org, analyst, changes, field, words
):
    body = [_row("OK-1"), _row("OK-2"), {**_row("BAD"), **changes}]
    response = _post(client_as("analyst"), body)
    if words is None:
        assert response.status_code == 200
        return
    assert response.status_code == 400, response.content
    data = response.json()
    assert data["error_count"] == 1
    assert data["errors"][0]["row"] == 2
    assert data["errors"][0]["field"] == field
    assert words in data["errors"][0]["message"]
    assert data["errors"][0]["code"] == "invalid"
    assert "nothing was written" in data["detail"]
    assert not _workloads(org).exists()


def test_every_problem_is_listed(client_as, org, analyst):
    body = [_row("A", requests_per_day=-1, kind="x"), _row("B"), {"name": "No id"}, _row("A")]
    data = _post(client_as("analyst"), body).json()
    problems = {(e["row"], e["field"]) for e in data["errors"]}
    assert problems == {
        (0, "requests_per_day"),
        (0, "kind"),
        (2, "external_id"),
        (2, "kind"),
        (3, "external_id"),  # A again
    }
    assert data["error_count"] == 5


def test_a_duplicate_external_id_names_the_first_row(client_as, org, analyst):
    data = _post(client_as("analyst"), [_row("D"), _row("E"), _row("D")]).json()
    assert data["errors"] == [
        {
            "row": 2,
            "field": "external_id",
            "message": "'D' appears again (first in row 0).",
            "code": "invalid",
        }
    ]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"external_id": "X"}, "must be a JSON list"),
        ("rows", "must be a JSON list"),
        (42, "must be a JSON list"),
        ([], "list is empty"),
    ],
)
def test_bodies_that_are_not_lists_of_rows_are_refused(client_as, org, analyst, body, words):
    response = _post(client_as("analyst"), body)
    assert response.status_code == 400
    assert error_fields(response) == [None]
    assert words in response.json()["detail"]


def test_items_that_are_not_objects_are_refused_by_row(client_as, org, analyst):
    response = _post(client_as("analyst"), [_row("A"), "B", [1], None])
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [
        (1, None),
        (2, None),
        (3, None),
    ]
    assert "not a workload object" in response.json()["errors"][0]["message"]
    assert not _workloads(org).exists()


def test_more_rows_than_the_limit_are_refused(client_as, org, analyst, settings):
    assert settings.SOVRA_BULK_MAX_ROWS == 10_000
    response = _post(client_as("analyst"), [_row(f"R{i}") for i in range(10_001)])
    assert response.status_code == 400
    assert "10001 rows; at most 10000" in response.json()["detail"]
    assert not _workloads(org).exists()


def test_malformed_json_and_lone_surrogates_are_400(client_as, org, analyst):
    client = client_as("analyst")
    for raw in (b'[{"external_id": ', b'[{"external_id": "X", "name": "\\ud800", "kind": "chat"}]'):
        response = client.generic("POST", URL, raw, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["detail"].startswith("JSON parse error")


def test_a_body_over_the_size_limit_is_413(client_as, org, analyst, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = _post(client_as("analyst"), [_row(f"R{i}") for i in range(50)])
    assert response.status_code == 413
    assert response.json()["errors"] == []


def test_query_count_does_not_grow_with_rows(
    client_as, org, analyst, llama, django_assert_max_num_queries
):
    client = client_as("analyst")
    with django_assert_max_num_queries(12) as small:
        _post(client, [_row(f"S{i}", model="Llama 3.1 70B") for i in range(2)])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = _post(client, [_row(f"L{i}", model="Llama 3.1 70B") for i in range(500)])
    assert response.json()["created"] == 500
