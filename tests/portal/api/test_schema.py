"""The OpenAPI schema: valid without warnings, enough to generate a client, served locally."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[3]
TENANT_PREFIX = "/api/v1/orgs/{org_slug}/"


@pytest.fixture(scope="module")
def schema():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_spectacular_validates_without_warnings(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn",
         "--file", str(tmp_path / "schema.yaml")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert (
        "/api/v1/orgs/{org_slug}/workloads/bulk-upsert/" in (tmp_path / "schema.yaml").read_text()
    )


def test_operation_ids_are_unique_and_named_for_clients(schema):
    ids = [operation["operationId"] for _, _, operation in _operations(schema)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", op) for op in ids), ids
    assert {"workloads_list", "workloads_bulk_upsert", "members_change_role"} <= set(ids)
    assert not any(op.startswith(("api_", "orgs_")) for op in ids)


def test_every_operation_documents_its_errors_in_the_error_shape(schema):
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        expected = {"401"}
        if path.startswith(TENANT_PREFIX):
            expected.add("404")
            if method in ("post", "put", "patch", "delete"):
                expected.add("403")
            if method in ("post", "put", "patch"):
                expected.add("400")
        assert expected <= set(responses), (method, path, sorted(responses))
        for code in expected:
            ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
            assert ref.split("/")[-1] in ("ErrorResponse", "RowsErrorResponse"), (path, code)
            assert responses[code]["description"]


def test_request_bodies_are_json_only(schema):
    for path, _method, operation in _operations(schema):
        if "requestBody" in operation:
            assert list(operation["requestBody"]["content"]) == ["application/json"], path


def test_token_authentication_is_described(schema):
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": scheme["description"],
    }
    assert "Token sovra_" in scheme["description"]
    for path, _, operation in _operations(schema):
        assert {"tokenAuth": []} in operation["security"], path


def test_error_and_bulk_components(schema):
    components = schema["components"]["schemas"]
    error = components["ErrorResponse"]
    assert set(error["required"]) == {"detail", "errors"}
    item = components["ErrorItem"]
    assert set(item["properties"]) == {"field", "message", "code"}
    row_item = components["RowErrorItem"]
    assert row_item["properties"]["row"]["type"] == "integer"
    bulk = schema["paths"][TENANT_PREFIX + "workloads/bulk-upsert/"]["post"]
    body = bulk["requestBody"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    assert body["items"]["$ref"].endswith("/WorkloadRowRequest")
    assert set(components["WorkloadRowRequest"]["required"]) == {"external_id", "name", "kind"}
    assert [p["name"] for p in bulk["parameters"]] == ["dry_run", "org_slug"]


def test_workload_list_documents_its_filters(schema):
    operation = schema["paths"][TENANT_PREFIX + "workloads/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    expected = "kind data_classification residency_requirement model tag personal_data"
    assert set(f"{expected} updated_after search ordering page page_size".split()) <= names
    workload = schema["components"]["schemas"]["Workload"]["properties"]
    assert workload["model"]["type"] == "string"
    assert workload["model_id"]["readOnly"] is True


def test_schema_is_served_to_anyone(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Sovra API"


def test_swagger_ui_loads_only_local_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html[:500]
    # Swagger UI's own script comes from the page's URL (no inline script for the CSP).
    script_url = reverse("api-docs") + "?script="
    assert script_url in assets
    for asset in (asset for asset in assets if asset != script_url):
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert not re.search(r"https?://", html)
    script = client.get(script_url).content.decode()
    assert not re.search(r"https?://", script)
    assert 'url: "/api/schema/"' in script


def test_invitations_replace_adding_members_and_name_no_account(schema):
    """Members join by invitation only; an invitation's answer carries no account's details."""
    ids = {operation["operationId"] for _, _, operation in _operations(schema)}
    assert {
        "invitations_list",
        "invitations_create",
        "invitations_retrieve",
        "invitations_revoke",
    } <= ids
    assert "members_add" not in ids
    assert "post" not in schema["paths"][TENANT_PREFIX + "members/"]
    created = schema["paths"][TENANT_PREFIX + "invitations/"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"]["$ref"].endswith("/Invitation")
    invitation = schema["components"]["schemas"]["Invitation"]["properties"]
    assert not {"username", "full_name"} & set(invitation)
    assert invitation["state"]["allOf"][0]["$ref"].endswith("/InvitationStateEnum")
    revoke = schema["paths"][TENANT_PREFIX + "invitations/{id}/revoke/"]["post"]
    assert "409" in revoke["responses"]


def test_every_operation_documents_the_errors_any_request_can_meet(schema):
    """A rate limit (429, with Retry-After) or an ``Accept`` the API cannot serve (406) can
    answer any operation; a list's query (400, and 404 past the last page), a body (400, 413,
    415) and an admin-only read (403) add theirs. ``GET .../members/?x=1`` answered an
    undocumented 400."""
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        expected = {"401", "406", "429"}
        places = {(p["in"], p["name"]) for p in operation.get("parameters", ())}
        if any(place == "query" for place, _ in places):
            expected.add("400")
        if ("query", "page") in places:
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"400", "413", "415"}
        assert expected <= set(responses), (method, path, sorted(responses))
        assert "Retry-After" in responses["429"]["headers"], (method, path)
    members = schema["paths"][TENANT_PREFIX + "members/"]["get"]["responses"]
    assert {"400", "403", "404"} <= set(members)


def test_pages_are_whole_numbers_from_one(schema):
    parameters = schema["paths"][TENANT_PREFIX + "workloads/"]["get"]["parameters"]
    by_name = {parameter["name"]: parameter["schema"] for parameter in parameters}
    assert by_name["page"] == {"type": "integer", "minimum": 1}
    assert by_name["page_size"] == {"type": "integer", "minimum": 1}


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("Assessment", "created_by"),
        ("Run", "requested_by"),
        ("ReportEmail", "requested_by"),
        ("Catalog", "based_on"),
        ("Workload", "model"),
        ("ApiOffer", "regional_uplift_pct"),
    ],
)
def test_fields_that_may_be_null_say_so(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field]["nullable"] is True


def test_an_empty_model_name_is_allowed_by_the_schema(schema):
    model = schema["components"]["schemas"]["WorkloadRequest"]["properties"]["model"]
    assert "minLength" not in model


def test_the_regional_uplift_of_an_api_offer_is_documented_with_its_range(schema):
    """A client learns what the uplift is, that empty means unpublished, and its bounds."""
    offer = schema["components"]["schemas"]["ApiOffer"]["properties"]
    uplift = offer["regional_uplift_pct"]
    assert "processing held in a region" in uplift["description"]
    assert "empty where none is published" in uplift["description"]
    assert "regional_uplift_source_url" in offer and "regional_uplift_date" in offer
