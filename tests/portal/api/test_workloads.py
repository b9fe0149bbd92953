"""``/api/v1/orgs/<slug>/workloads/``: CRUD through the services, models named, fields checked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.models import Workload
from tests.factories import ModelSpecFactory, WorkloadFactory
from tests.portal.api.conftest import error_fields

URL = "/api/v1/orgs/alice-media/workloads/"


@pytest.fixture
def llama(db):
    return ModelSpecFactory(organization=None, name="Llama 3.1 70B", params_b=Decimal("70.6"))


def _workloads(org):
    return Workload.objects.for_organization(org)


def test_analyst_creates_a_workload_naming_its_model(client_as, org, analyst, llama):
    body = {
        "external_id": "CMDB-0042",
        "name": "Archive subtitling",
        "owner_team": "Localisation",
        "kind": "batch",
        "model": "llama 3.1 70b",
        "avg_input_tokens": 2200,
        "avg_output_tokens": 450,
        "requests_per_day": 18000,
        "peak_factor": 2.5,
        "growth_pct_per_year": "12.5",
        "data_classification": "confidential",
        "personal_data": True,
        "residency_requirement": "eu_eea",
        "tags": ["archive", "subtitles"],
    }
    response = client_as("analyst").post(URL, body, format="json")

    assert response.status_code == 201, response.content
    workload = _workloads(org).get(external_id="CMDB-0042")
    assert workload.model == llama
    assert workload.peak_factor == Decimal("2.50")
    assert workload.growth_pct_per_year == Decimal("12.50")
    assert workload.tags == ["archive", "subtitles"]
    data = response.json()
    assert data["id"] == workload.pk
    assert data["model"] == "Llama 3.1 70B"
    assert data["model_id"] == llama.pk
    assert data["peak_factor"] == 2.5
    assert data["precision"] == "bf16"  # the model's default


def test_workload_detail_shows_real_values(client_as, org, viewer, llama):
    workload = WorkloadFactory(
        organization=org, external_id="W-1", name="Dubbing", model=llama, requests_per_day=7
    )
    response = client_as("viewer").get(f"{URL}{workload.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert (data["external_id"], data["name"], data["model"]) == ("W-1", "Dubbing", "Llama 3.1 70B")
    assert data["requests_per_day"] == 7
    assert data["avg_input_tokens"] == 1500


def test_patch_changes_only_the_given_fields(client_as, org, analyst, llama):
    workload = WorkloadFactory(organization=org, model=llama, owner_team="Platform")
    response = client_as("analyst").patch(
        f"{URL}{workload.pk}/", {"requests_per_day": 99, "model": None}, format="json"
    )
    assert response.status_code == 200, response.content
    workload.refresh_from_db()
    assert workload.requests_per_day == 99
    assert workload.model is None
    assert workload.owner_team == "Platform"


def test_put_replaces_the_workload(client_as, org, analyst):
    workload = WorkloadFactory(organization=org, external_id="W-9", owner_team="Platform")
    body = {"external_id": "W-9", "name": "Renamed", "kind": "other_gpu", "gpu_hours_per_month": 40}
    response = client_as("analyst").put(f"{URL}{workload.pk}/", body, format="json")
    assert response.status_code == 200, response.content
    workload.refresh_from_db()
    assert (workload.name, workload.kind) == ("Renamed", "other_gpu")
    assert workload.gpu_hours_per_month == Decimal("40.00")


def test_delete_removes_the_workload(client_as, org, analyst):
    workload = WorkloadFactory(organization=org)
    assert client_as("analyst").delete(f"{URL}{workload.pk}/").status_code == 204
    assert not _workloads(org).filter(pk=workload.pk).exists()


def test_a_model_of_another_organization_is_unknown(client_as, org, other_org, analyst):
    ModelSpecFactory(organization=other_org, name="Mallory Fraud 7B")
    body = {"external_id": "X", "name": "X", "kind": "chat", "model": "Mallory Fraud 7B"}
    response = client_as("analyst").post(URL, body, format="json")
    assert response.status_code == 400
    assert error_fields(response) == ["model"]
    assert "Mallory Fraud 7B" in response.json()["errors"][0]["message"]


def test_an_own_model_wins_over_a_public_one_of_the_same_name(client_as, org, analyst, llama):
    own = ModelSpecFactory(organization=org, name="LLAMA 3.1 70B")
    body = {"external_id": "X", "name": "X", "kind": "batch", "model": "Llama 3.1 70B"}
    response = client_as("analyst").post(URL, body, format="json")
    assert response.status_code == 201
    assert response.json()["model_id"] == own.pk


VALID = {"external_id": "V-1", "name": "Valid", "kind": "chat", "avg_input_tokens": 100}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"requests_per_day": -5}, "requests_per_day"),
        ({"requests_per_day": "1,200"}, "requests_per_day"),
        ({"avg_input_tokens": "1200 tokens"}, "avg_input_tokens"),
        ({"avg_input_tokens": 12.5}, "avg_input_tokens"),
        ({"peak_factor": 0.5}, "peak_factor"),
        ({"peak_factor": "3.333"}, "peak_factor"),
        ({"kind": "quantum"}, "kind"),
        ({"kind": None}, "kind"),
        ({"personal_data": "sometimes"}, "personal_data"),
        ({"name": '=HYPERLINK("http://x")'}, "name"),
        ({"external_id": "=1+1"}, "external_id"),
        ({"name": "Nul\x00byte"}, "name"),
        ({"owner_team": "Bell\x07"}, "owner_team"),
        ({"name": "x" * 201}, "name"),
        ({"external_id": "x" * 101}, "external_id"),
        ({"notes": "n" * 5001}, "notes"),
        ({"tags": "a;b"}, "tags"),
        ({"tags": ["ok", "=SUM(A1)"]}, "tags"),
        ({"tags": ["t"] * 21}, "tags"),
        ({"model": "No Such Model"}, "model"),
        ({"model": 12}, "model"),
        ({"model": "Llama\x00"}, "model"),
        ({"colour": "red"}, "colour"),
        ({"organization": 3}, "organization"),
        ({"requests_per_day": 10, "avg_input_tokens": 0}, "avg_input_tokens"),
        ({"special_category_data": True, "personal_data": False}, "personal_data"),
    ],
)
def test_invalid_workloads_name_the_field(client_as, org, analyst, changes, field):
    response = client_as("analyst").post(URL, {**VALID, **changes}, format="json")
    assert response.status_code == 400, response.content
    fields = error_fields(response)
    assert fields and set(fields) <= {field, f"tags.{field}"} | {f"{field}[{i}]" for i in range(21)}
    assert not _workloads(org).exists()


def test_a_duplicate_external_id_is_refused(client_as, org, analyst):
    WorkloadFactory(organization=org, external_id="DUP")
    response = client_as("analyst").post(URL, {**VALID, "external_id": "DUP"}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == ["external_id"]


def test_the_same_external_id_in_another_organization_is_fine(client_as, org, other_org, analyst):
    WorkloadFactory(organization=other_org, external_id="SHARED")
    response = client_as("analyst").post(URL, {**VALID, "external_id": "SHARED"}, format="json")
    assert response.status_code == 201


def test_missing_required_fields_are_listed(client_as, org, analyst):
    response = client_as("analyst").post(URL, {}, format="json")
    assert response.status_code == 400
    assert sorted(error_fields(response)) == ["external_id", "kind", "name"]
    assert {e["code"] for e in response.json()["errors"]} == {"required"}


def test_read_only_fields_sent_back_are_ignored(client_as, org, analyst):
    workload = WorkloadFactory(organization=org, name="Before")
    client = client_as("analyst")
    data = client.get(f"{URL}{workload.pk}/").json()
    data.update(name="After", id=12345, created_at="2001-01-01T00:00:00Z", model_id=777)
    response = client.put(f"{URL}{workload.pk}/", data, format="json")
    assert response.status_code == 200, response.content
    workload.refresh_from_db()
    assert (workload.pk, workload.name) == (response.json()["id"], "After")
    assert workload.created_at.year > 2001


def test_a_million_gpus_busy_all_month_is_a_workload(client_as, org, h100):
    """744 million GPU-hours a month (a million GPUs, every hour of a 31-day month) passes."""
    body = {
        "external_id": "FLEET",
        "name": "Frontier cluster",
        "kind": "other_gpu",
        "gpu_class": "H100 SXM",
        "gpu_hours_per_month": 744_000_000,
        "peak_gpus": 1_000_000,
    }
    response = client_as("analyst").post(URL, body, format="json")
    assert response.status_code == 201, response.content[:300]
    assert response.json()["gpu_hours_per_month"] == 744_000_000
    assert _workloads(org).get().peak_gpus == 1_000_000


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("peak_factor", 101, "less than or equal to 100."),
        ("gpu_hours_per_month", "1000000000.01", "less than or equal to 1000000000."),
        ("avg_input_tokens", 10_000_001, "less than or equal to 10000000."),
        ("requests_per_day", -1, "greater than or equal to 0."),
    ],
)
def test_a_number_beyond_its_documented_range_is_refused_naming_it(
    client_as, org, field, value, message
):
    body = {"external_id": "X-1", "name": "Too much", "kind": "chat", "avg_input_tokens": 100,
            field: value}  # fmt: skip
    response = client_as("analyst").post(URL, body, format="json")
    assert response.status_code == 400
    assert error_fields(response) == [field]
    assert response.json()["errors"][0]["message"].endswith(message)
    assert not _workloads(org).exists()


@pytest.mark.parametrize(
    ("gpu_class", "why"),
    [
        ("H100", "ambiguous: NVIDIA H100 PCIe, NVIDIA H100 SXM"),
        ("Example NPU 96", "names no single accelerator family"),
    ],
)
def test_a_gpu_class_no_accelerator_matches_is_refused_naming_the_field(
    client_as, org, h100, gpu_class, why
):
    """Work in GPU-hours on a part the organization does not have could never be priced: it is
    refused where it is entered, not left out of a run later."""
    from tests.factories import GpuSpecFactory

    GpuSpecFactory(name="NVIDIA H100 PCIe", form_factor="PCIe", memory_gb=80)
    body = {
        "external_id": "GPU-1",
        "name": "Upscaling",
        "kind": "other_gpu",
        "gpu_class": gpu_class,
        "gpu_hours_per_month": 100,
    }
    response = client_as("analyst").post(URL, body, format="json")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "gpu_class"
    assert f"'{gpu_class}' is no accelerator this organization has ({why})" in error["message"]
    assert not _workloads(org).exists()


def test_an_organizations_own_accelerator_is_a_gpu_class_for_it_alone(client_as, org, other_org):
    from tests.factories import GpuSpecFactory

    GpuSpecFactory(organization=other_org, name="Example NPU 96", memory_gb=96)
    body = {"external_id": "NPU-1", "name": "Dubbing", "kind": "speech", "gpu_hours_per_month": 50}
    body["gpu_class"] = "Example NPU 96"
    assert client_as("analyst").post(URL, body, format="json").status_code == 400
    GpuSpecFactory(organization=org, name="Example NPU 96", memory_gb=96)
    response = client_as("analyst").post(URL, body, format="json")
    assert response.status_code == 201, response.content[:300]


def test_a_workloads_fields_are_built_from_the_model_once(org, other_org, monkeypatch):
    """Building them for every serializer was a quarter of a detail request's CPU; each
    serializer still gets fields of its own, with its own organization's duplicate check."""
    from rest_framework.serializers import ModelSerializer
    from rest_framework.validators import UniqueValidator

    from portal.api.workloads import WorkloadSerializer

    assert WorkloadSerializer().fields  # built (by this or an earlier test)
    built = []
    build_field = ModelSerializer.build_field
    monkeypatch.setattr(
        ModelSerializer,
        "build_field",
        lambda self, name, *args: built.append(name) or build_field(self, name, *args),
    )
    alice = WorkloadSerializer(context={"organization": org}).fields
    mallory = WorkloadSerializer(context={"organization": other_org}).fields
    assert built == []
    assert alice["external_id"] is not mallory["external_id"]
    assert alice["external_id"].parent is not mallory["external_id"].parent
    unique = [
        [v for v in fields["external_id"].validators if isinstance(v, UniqueValidator)]
        for fields in (alice, mallory, WorkloadSerializer().fields)
    ]
    assert [len(validators) for validators in unique] == [1, 1, 0]
    assert unique[0][0].queryset.query.where != unique[1][0].queryset.query.where
