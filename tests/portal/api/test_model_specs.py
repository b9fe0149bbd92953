"""``/api/v1/orgs/<slug>/model-specs/``: public specs read-only, the organization's own editable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from costing.engine.architecture import ModelArchitecture, kv_cache_bytes_per_token
from costing.scenario_workloads import scenario_model
from portal.models import ModelSpec
from tests.factories import ModelSpecFactory, WorkloadFactory
from tests.portal.api.conftest import error_fields

URL = "/api/v1/orgs/alice-media/model-specs/"


@pytest.fixture
def specs(org, other_org):
    return {
        "public": ModelSpecFactory(
            organization=None, name="Llama 3.1 70B", params_b=Decimal("70.6"), layers=80
        ),
        "closed": ModelSpecFactory(
            organization=None, name="GPT-4.1", open_weights=False, params_b=None, layers=None
        ),
        "own": ModelSpecFactory(organization=org, name="Alice Dubbing 3B", params_b=Decimal("3")),
        "theirs": ModelSpecFactory(organization=other_org, name="Mallory Fraud 7B"),
    }


def test_members_see_public_and_own_specs_only(client_as, specs, viewer):
    response = client_as("viewer").get(URL)
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.json()["results"]}
    assert set(rows) == {"Alice Dubbing 3B", "GPT-4.1", "Llama 3.1 70B"}
    assert rows["Llama 3.1 70B"]["is_public"] is True
    assert rows["Llama 3.1 70B"]["params_b"] == 70.6
    assert rows["Llama 3.1 70B"]["layers"] == 80
    assert rows["Alice Dubbing 3B"]["is_public"] is False


def test_filter_by_open_weights_and_public_and_search_by_name(client_as, specs, viewer):
    client = client_as("viewer")

    def names(query: str) -> list[str]:
        return [row["name"] for row in client.get(URL + query).json()["results"]]

    assert names("?open_weights=false") == ["GPT-4.1"]
    assert names("?open_weights=true") == ["Alice Dubbing 3B", "Llama 3.1 70B"]
    assert names("?is_public=false") == ["Alice Dubbing 3B"]
    assert names("?search=llama") == ["Llama 3.1 70B"]
    assert names("?search=fraud") == []
    assert names("?ordering=-name") == ["Llama 3.1 70B", "GPT-4.1", "Alice Dubbing 3B"]
    response = client.get(URL + "?open_weights=maybe")
    assert response.status_code == 400
    assert error_fields(response) == ["open_weights"]


def test_list_queries_do_not_grow(client_as, org, viewer, django_assert_max_num_queries):
    client = client_as("viewer")
    ModelSpecFactory.create_batch(2, organization=org)
    with django_assert_max_num_queries(3):
        client.get(URL)
    ModelSpecFactory.create_batch(48, organization=org)
    with django_assert_max_num_queries(3):
        response = client.get(URL + "?page_size=100")
    assert response.json()["count"] == 50


def test_analyst_adds_an_own_spec(client_as, org, analyst):
    body = {
        "name": "Alice Voice 8B",
        "provider": "Alice Media",
        "params_b": 8.03,
        "layers": 32,
        "kv_heads": 8,
        "head_dim": 128,
        "context_tokens": 131072,
        "license": "Proprietary",
    }
    response = client_as("analyst").post(URL, body, format="json")
    assert response.status_code == 201, response.content
    spec = ModelSpec.objects.for_organization(org).get(name="Alice Voice 8B")
    assert spec.organization == org
    assert spec.params_b == Decimal("8.030")
    assert response.json()["is_public"] is False
    assert response.json()["id"] == spec.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        # Clashes with a public spec, whatever the case.
        ({"name": "llama 3.1 70b", "open_weights": False}, "name"),
        ({"name": ""}, "name"),
        ({"name": "X", "params_b": -1}, "params_b"),
        ({"name": "X", "params_b": "1,200"}, "params_b"),
        ({"name": "X", "layers": "32 layers"}, "layers"),
        ({"name": "X", "layers": 1.5}, "layers"),
        ({"name": "X", "open_weights": "perhaps"}, "open_weights"),
        ({"name": "X\x00"}, "name"),
        ({"name": "X" * 121}, "name"),
        ({"name": "X", "organization": 2}, "organization"),
    ],
)
def test_invalid_specs_name_the_field(client_as, specs, analyst, body, field):
    response = client_as("analyst").post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert error_fields(response) == [field]


GEOMETRY = {"params_b": 8, "layers": 32, "kv_heads": 8, "head_dim": 128}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "X"}, ["params_b"]),
        ({"name": "X", "params_b": 8}, ["layers", "kv_heads", "head_dim"]),
        ({"name": "X", **GEOMETRY, "active_params_b": 9}, ["active_params_b"]),
        (
            {"name": "X", **GEOMETRY, "kv_heads": None, "mla_kv_lora_rank": 512},
            ["mla_rope_head_dim"],
        ),
        ({"name": "X", **GEOMETRY, "experts": 8, "experts_per_token": 9}, ["experts_per_token"]),
        ({"name": "X", **GEOMETRY, "experts": 8}, ["experts_per_token"]),
        ({"name": "X", **GEOMETRY, "sliding_window_layers": 16}, ["sliding_window_tokens"]),
        (
            {"name": "X", **GEOMETRY, "sliding_window_tokens": 4096, "sliding_window_layers": 33},
            ["sliding_window_layers"],
        ),
        ({"name": "X", **GEOMETRY, "expert_precision": "mxfp4"}, ["expert_precision"]),
        ({"name": "X", **GEOMETRY, "expert_precision": "fp5"}, ["expert_precision"]),
    ],
)
def test_an_open_model_the_engine_cannot_size_is_refused_naming_the_field(
    client_as, specs, analyst, body, fields
):
    response = client_as("analyst").post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert error_fields(response) == fields


def test_a_closed_api_model_needs_no_architecture(client_as, specs, analyst):
    body = {"name": "Vendor Chat", "open_weights": False}
    assert client_as("analyst").post(URL, body, format="json").status_code == 201


def test_an_mla_mixture_of_experts_spec_reaches_the_scenario_document(client_as, org, analyst):
    """DeepSeek-V3's published config: 61 layers, MLA latent 512 + RoPE key 64, 256 routed
    experts (8 per token) and one shared; the run's document carries every field it sizes by."""
    body = {
        "name": "Own DeepSeek",
        "params_b": 671,
        "active_params_b": 37,
        "layers": 61,
        "mla_kv_lora_rank": 512,
        "mla_rope_head_dim": 64,
        "experts": 256,
        "experts_per_token": 8,
        "shared_experts": 1,
    }
    response = client_as("analyst").post(URL, body, format="json")
    assert response.status_code == 201, response.content
    spec = ModelSpec.objects.for_organization(org).get(name="Own DeepSeek")
    document = scenario_model(spec)
    assert document == {"name": "Own DeepSeek", **body} | {
        "params_b": 671.0,
        "active_params_b": 37.0,
    }
    model = ModelArchitecture(**document)
    assert kv_cache_bytes_per_token(model, "bf16").value == 61 * 576 * 2


def test_own_spec_is_edited_and_deleted(client_as, specs, analyst):
    client = client_as("analyst")
    own = specs["own"]
    response = client.patch(f"{URL}{own.pk}/", {"context_tokens": 32768}, format="json")
    assert response.status_code == 200
    own.refresh_from_db()
    assert own.context_tokens == 32768
    assert client.delete(f"{URL}{own.pk}/").status_code == 204
    assert not ModelSpec.objects.for_organization(own.organization).filter(pk=own.pk).exists()


def test_renaming_onto_a_visible_name_is_refused(client_as, specs, analyst):
    response = client_as("analyst").patch(
        f"{URL}{specs['own'].pk}/", {"name": "GPT-4.1"}, format="json"
    )
    assert response.status_code == 400
    assert error_fields(response) == ["name"]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_public_specs_are_read_only_403(client_as, specs, owner, method):
    public = specs["public"]
    body = {"name": "Renamed"} if method != "delete" else None
    response = getattr(client_as("owner"), method)(f"{URL}{public.pk}/", body, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    public.refresh_from_db()
    assert public.name == "Llama 3.1 70B"


def test_a_spec_in_use_cannot_be_deleted_409(client_as, org, specs, analyst):
    WorkloadFactory(organization=org, model=specs["own"])
    response = client_as("analyst").delete(f"{URL}{specs['own'].pk}/")
    assert response.status_code == 409
    assert (
        response.json()["detail"]
        == "1 workload(s) use this model; point them at another model first."
    )
    assert ModelSpec.objects.for_organization(org).filter(pk=specs["own"].pk).exists()


def test_viewer_cannot_add(client_as, specs, viewer):
    response = client_as("viewer").post(URL, {"name": "Sneaky"}, format="json")
    assert response.status_code == 403
    assert "Analyst" in response.json()["detail"]
