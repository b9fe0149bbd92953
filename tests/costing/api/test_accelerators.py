"""``gpu-specs/``: public accelerators read-only, the organization's own added, edited, deleted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from costing.models import GpuSpec
from costing.services import catalog_row_add
from tests.costing.catalog_data import private_draft, server_row
from tests.factories import GpuSpecFactory
from tests.portal.api.conftest import error_fields

URL = "/api/v1/orgs/alice-media/gpu-specs/"
ACME = {
    "name": "Acme X1 96GB",
    "vendor": "Acme",
    "memory_gb": 96,
    "memory_bandwidth_tb_s": 4.2,
    "bf16_dense_tflops": 800,
    "fp8_dense_tflops": 1600,
    "tdp_w": 700,
    "source_url": "https://acme.example/x1",
}


@pytest.fixture
def gpus(org, other_org):
    return {
        "public": GpuSpecFactory(name="NVIDIA H100 SXM", vendor="NVIDIA"),
        "amd": GpuSpecFactory(name="AMD Instinct MI300X", vendor="AMD", memory_gb=192),
        "own": GpuSpecFactory(organization=org, name="Alice X1", vendor="Acme"),
        "theirs": GpuSpecFactory(organization=other_org, name="Mallory Z9", vendor="Zeta"),
    }


def test_members_see_public_and_own_accelerators_only(client_as, gpus):
    response = client_as("viewer").get(URL)
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.json()["results"]}
    assert set(rows) == {"NVIDIA H100 SXM", "AMD Instinct MI300X", "Alice X1"}
    assert rows["NVIDIA H100 SXM"]["is_public"] is True
    assert rows["Alice X1"]["is_public"] is False
    assert rows["AMD Instinct MI300X"]["memory_gb"] == 192
    assert "organization" not in rows["Alice X1"]


def test_filter_by_vendor_and_origin_and_search(client_as, gpus):
    client = client_as("viewer")

    def names(query: str) -> list[str]:
        return [row["name"] for row in client.get(URL + query).json()["results"]]

    assert names("?vendor=amd") == ["AMD Instinct MI300X"]
    assert names("?is_public=false") == ["Alice X1"]
    assert names("?is_public=true") == ["AMD Instinct MI300X", "NVIDIA H100 SXM"]
    assert names("?search=h100") == ["NVIDIA H100 SXM"]
    assert names("?vendor=zeta") == []
    response = client.get(URL + "?is_public=maybe")
    assert response.status_code == 400
    assert error_fields(response) == ["is_public"]


def test_another_organizations_accelerator_is_not_found(client_as, gpus):
    response = client_as("owner").get(f"{URL}{gpus['theirs'].pk}/")
    assert response.status_code == 404
    assert "Mallory" not in response.content.decode()


def test_list_queries_do_not_grow(client_as, org, viewer, django_assert_max_num_queries):
    client = client_as("viewer")
    GpuSpecFactory.create_batch(2, organization=org)
    with django_assert_max_num_queries(3):
        client.get(URL)
    GpuSpecFactory.create_batch(48, organization=org)
    with django_assert_max_num_queries(3):
        response = client.get(URL + "?page_size=100")
    assert response.json()["count"] == 50


def test_analyst_adds_an_own_accelerator_of_any_vendor(client_as, org, gpus):
    response = client_as("analyst").post(URL, ACME, format="json")
    assert response.status_code == 201, response.content
    spec = GpuSpec.objects.for_organization(org).get(name="Acme X1 96GB")
    assert spec.organization == org
    assert spec.memory_bandwidth_tb_s == Decimal("4.200")
    assert response.json()["id"] == spec.pk
    assert response.json()["is_public"] is False


@pytest.mark.parametrize("missing", ["memory_gb", "memory_bandwidth_tb_s", "bf16_dense_tflops"])
def test_an_accelerator_that_cannot_be_sized_is_refused_naming_the_field(client_as, gpus, missing):
    body = {key: value for key, value in ACME.items() if key != missing}
    response = client_as("analyst").post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert error_fields(response) == [missing]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        # A public accelerator's name, whatever the case; an own one already taken.
        ({**ACME, "name": "nvidia h100 sxm"}, "name"),
        ({**ACME, "name": "ALICE x1"}, "name"),
        ({**ACME, "name": ""}, "name"),
        ({**ACME, "vendor": ""}, "vendor"),
        ({**ACME, "memory_gb": 0}, "memory_gb"),
        ({**ACME, "memory_gb": None}, "memory_gb"),
        ({**ACME, "tdp_w": -5}, "tdp_w"),
        ({**ACME, "fp4_dense_tflops": "lots"}, "fp4_dense_tflops"),
        ({**ACME, "organization": 2}, "organization"),
        ({**ACME, "is_public": True, "name": "X\x00"}, "name"),
    ],
)
def test_invalid_accelerators_name_the_field(client_as, gpus, body, field):
    response = client_as("analyst").post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert error_fields(response) == [field]


def test_own_accelerator_is_edited_and_deleted(client_as, gpus):
    client = client_as("analyst")
    own = gpus["own"]
    response = client.patch(f"{URL}{own.pk}/", {"fp4_dense_tflops": 3200}, format="json")
    assert response.status_code == 200, response.content
    own.refresh_from_db()
    assert own.fp4_dense_tflops == 3200
    response = client.patch(f"{URL}{own.pk}/", {"bf16_dense_tflops": None}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == ["bf16_dense_tflops"]
    assert client.delete(f"{URL}{own.pk}/").status_code == 204
    assert not GpuSpec.objects.for_organization(own.organization).filter(pk=own.pk).exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_public_accelerators_are_read_only_403(client_as, gpus, method):
    public = gpus["public"]
    body = {**ACME, "name": "Renamed"} if method != "delete" else None
    response = getattr(client_as("owner"), method)(f"{URL}{public.pk}/", body, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    public.refresh_from_db()
    assert public.name == "NVIDIA H100 SXM"


def test_an_accelerator_named_by_an_offer_cannot_be_deleted_409(client_as, org, gpus):
    catalog, _ = private_draft(org)
    fields = {**server_row("Acme box"), "gpu_name": "Alice X1", "gpu": gpus["own"], "gpu_count": 8}
    catalog_row_add(catalog=catalog, kind="server", fields=fields, organization=org)
    response = client_as("analyst").delete(f"{URL}{gpus['own'].pk}/")
    assert response.status_code == 409
    assert response.json()["detail"].startswith("1 offer(s) use this accelerator")
    assert GpuSpec.objects.for_organization(org).filter(pk=gpus["own"].pk).exists()


def test_viewer_cannot_add(client_as, org, gpus):
    response = client_as("viewer").post(URL, ACME, format="json")
    assert response.status_code == 403
    assert "Analyst" in response.json()["detail"]
    assert not GpuSpec.objects.for_organization(org).filter(name=ACME["name"]).exists()
