"""Every kind of audit event is recorded, through the pages and through the API alike.

Each case does one thing the way a user does it (a form posted, an API call) as olivia, an
owner, and finds the event with her name, the client's address, the channel and the object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from portal.models import AuditAction, AuditEvent, Role
from portal.services.imports import workload_import_stage
from portal.services.tokens import api_token_create
from tests.assessments.web.test_wizard import _valid_post
from tests.costing.catalog_data import world_catalogs
from tests.factories import (
    InvitationFactory,
    MembershipFactory,
    ModelSpecFactory,
    UserFactory,
    WorkloadFactory,
)
from tests.forms import rendered_form_data
from tests.portal.web.test_access import CSV, light_assessments
from tests.portal.web.test_workload_edit import VALID as WORKLOAD_FORM

ORG = "alice-media"
API = f"/api/v1/orgs/{ORG}"
A = AuditAction
SERVER = {
    "system": "HGX",
    "currency": "EUR",
    "price": "250000",
    "price_kind": "list",
    "source_url": "https://example.org/quote",
}
ACCELERATOR = {
    "name": "Acme X1 96GB",
    "vendor": "Acme",
    "memory_gb": "96",
    "memory_bandwidth_tb_s": "4.2",
    "bf16_dense_tflops": "800",
}
MODEL = {
    "name": "Alice tuned 8B",
    "open_weights": "on",
    "params_b": "8",
    "layers": "32",
    "kv_heads": "8",
    "head_dim": "128",
}
PRICES_CSV = "system,currency,price,price_kind,source_url\nNew box,USD,1000,list,https://e.org\n"
INVITATION_TOKEN = "j" * 43


@dataclass(frozen=True)
class Case:
    """One action done one way, the event it must leave and the object it names (a key of
    the objects fixture, or None where the object is new)."""

    action: AuditAction
    channel: str
    do: Callable
    object_key: str | None = None


def _url(name: str, objects, key: str | None = None) -> str:
    args = [ORG] if key is None else [ORG, objects[key].pk]
    return reverse(name, args=args)


def _form(client: Client, url: str, form_class: str, **changes) -> dict:
    """What the page's form sends, as rendered, with ``changes``."""
    data = rendered_form_data(client.get(url).content.decode(), form_class=form_class)
    return {**data, **changes}


def _repost(route: str, key: str, form_class: str, **changes):
    def do(client, objects):
        url = _url(route, objects, key)
        return client.post(url, _form(client, url, form_class, **changes))

    return do


def _post(name: str, key: str | None = None, data=None):
    return lambda client, objects: client.post(_url(name, objects, key), data or {})


def _get(name: str, key: str | None = None):
    return lambda client, objects: client.get(_url(name, objects, key))


def _api(method: str, path: str, body=None):
    """An API call; ``{key}`` in the path is the id of that fixture object."""

    def do(client, objects):
        url = API + path.format(**{k: getattr(v, "pk", v) for k, v in objects.items()})
        return getattr(client, method)(url, body, format="json")

    return do


def _accept(client, objects):
    nadia = UserFactory(username="nadia", email="nadia@example.org")
    client.force_login(nadia)
    return client.post(reverse("invitation-accept", kwargs={"token": INVITATION_TOKEN}))


def _revoke_token(client, objects):
    token, _ = api_token_create(user=objects["owner"], name="Old sync", expires_in_days=5)
    objects["token"] = token
    return client.post(reverse("token-revoke", kwargs={"token_key": token.token_key}))


WEB = [
    Case(
        A.WORKLOAD_CREATED,
        "web",
        lambda client, objects: client.post(
            _url("workload-create", objects),
            {**WORKLOAD_FORM, "model": objects["workload"].model_id},
        ),
    ),
    Case(
        A.WORKLOAD_UPDATED,
        "web",
        _repost("workload-update", "workload", "form-sections", name="Renamed"),
        "workload",
    ),
    Case(A.WORKLOAD_DELETED, "web", _post("workload-delete", "workload"), "workload"),
    Case(A.WORKLOADS_UPSERTED, "web", _post("import-apply", "staged")),
    Case(A.MODEL_CREATED, "web", _post("model-create", data=MODEL)),
    Case(
        A.CATALOG_CREATED,
        "web",
        _post(
            "catalog-create",
            data={
                "name": "Colo",
                "version": "1",
                "currency": "EUR",
                "effective_date": "2026-02-01",
            },
        ),
    ),
    Case(A.CATALOG_PUBLISHED, "web", _post("catalog-publish", "catalog"), "catalog"),
    Case(A.CATALOG_VERSION_CREATED, "web", _post("catalog-version", "catalog", {"version": "2"})),
    Case(
        A.CATALOG_IMPORTED,
        "web",
        _post(
            "catalog-import", "catalog", {"content": PRICES_CSV, "name": "s.csv", "kind": "server"}
        ),
        "catalog",
    ),
    Case(A.PRICE_CREATED, "web", _post("offer-create-server", "catalog", SERVER)),
    Case(
        A.PRICE_UPDATED,
        "web",
        _post("offer-update-server", "server_offer", {**SERVER, "price": "260000"}),
        "server_offer",
    ),
    Case(A.PRICE_DELETED, "web", _post("offer-delete-server", "server_offer"), "server_offer"),
    Case(A.ACCELERATOR_CREATED, "web", _post("accelerator-create", data=ACCELERATOR)),
    Case(
        A.ACCELERATOR_UPDATED,
        "web",
        _repost("accelerator-update", "own_gpu", "card", notes="Checked."),
        "own_gpu",
    ),
    Case(A.ACCELERATOR_DELETED, "web", _post("accelerator-delete", "own_gpu"), "own_gpu"),
    Case(
        A.ORGANIZATION_UPDATED,
        "web",
        lambda client, objects: client.post(
            _url("org-settings", objects),
            _form(client, _url("org-settings", objects), "form-sections", horizon_years="7"),
        ),
        "org",
    ),
    Case(A.ORGANIZATION_EXPORTED, "web", _get("org-export"), "org"),
    Case(A.MEMBER_JOINED, "web", _accept),
    Case(A.MEMBER_ROLE_CHANGED, "web", _post("member-role", "member", {"role": "analyst"})),
    Case(A.MEMBER_REMOVED, "web", _post("member-remove", "member")),
    Case(
        A.INVITATION_CREATED,
        "web",
        _post("invitation-create", data={"email": "new@example.org", "role": "viewer"}),
    ),
    Case(A.INVITATION_REVOKED, "web", _post("invitation-revoke", "invitation"), "invitation"),
    Case(
        A.TOKEN_CREATED,
        "web",
        lambda client, objects: client.post(
            reverse("token-create"), {"name": "CMDB", "expires_in_days": "30"}
        ),
    ),
    Case(A.TOKEN_REVOKED, "web", _revoke_token),
    Case(A.ASSESSMENT_CREATED, "web", _post("assessment-create", data=_valid_post())),
    Case(
        A.ASSESSMENT_UPDATED,
        "web",
        _post("assessment-update", "assessment", _valid_post(name="Renamed")),
        "assessment",
    ),
    Case(A.ASSESSMENT_DELETED, "web", _post("assessment-delete", "assessment"), "assessment"),
    Case(A.RUN_STARTED, "web", _post("assessment-run", "assessment")),
    Case(A.REPORT_DOWNLOADED, "web", _get("run-pdf", "run"), "run"),
    Case(
        A.REPORT_EMAILED,
        "web",
        _post("run-email", "run", {"recipients": "cfo@alice.example.org", "message": ""}),
        "run",
    ),
]
API_CASES = [
    Case(
        A.WORKLOAD_CREATED,
        "api",
        _api("post", "/workloads/", {"external_id": "NEW-1", "name": "Subtitles", "kind": "batch"}),
    ),
    Case(
        A.WORKLOAD_UPDATED,
        "api",
        _api("patch", "/workloads/{workload}/", {"requests_per_day": 5}),
        "workload",
    ),
    Case(A.WORKLOAD_DELETED, "api", _api("delete", "/workloads/{workload}/"), "workload"),
    Case(
        A.WORKLOADS_UPSERTED,
        "api",
        _api(
            "post",
            "/workloads/bulk-upsert/",
            [{"external_id": "B-1", "name": "Subtitles", "kind": "batch"}],
        ),
    ),
    Case(
        A.MODEL_CREATED,
        "api",
        _api(
            "post",
            "/model-specs/",
            {"name": "In-house 3B", "params_b": 3, "layers": 28, "kv_heads": 8, "head_dim": 64},
        ),
    ),
    Case(
        A.MODEL_UPDATED,
        "api",
        _api("patch", "/model-specs/{spec}/", {"notes": "Distilled."}),
        "spec",
    ),
    Case(A.MODEL_DELETED, "api", _api("delete", "/model-specs/{spec}/"), "spec"),
    Case(
        A.CATALOG_CREATED,
        "api",
        _api(
            "post",
            "/catalogs/",
            {"name": "Colo", "version": "9", "currency": "EUR", "effective_date": "2026-02-01"},
        ),
    ),
    Case(A.CATALOG_PUBLISHED, "api", _api("post", "/catalogs/{catalog}/publish/"), "catalog"),
    Case(
        A.CATALOG_VERSION_CREATED,
        "api",
        _api("post", "/catalogs/{catalog}/versions/", {"version": "2"}),
    ),
    Case(
        A.CATALOG_IMPORTED,
        "api",
        _api("post", "/catalogs/{catalog}/import/", {"rows": {"server": []}}),
        "catalog",
    ),
    Case(A.PRICE_CREATED, "api", _api("post", "/catalogs/{catalog}/server-offers/", SERVER)),
    Case(
        A.PRICE_UPDATED,
        "api",
        _api("patch", "/catalogs/{catalog}/server-offers/{server_offer}/", {"notes": "Checked."}),
        "server_offer",
    ),
    Case(
        A.PRICE_DELETED,
        "api",
        _api("delete", "/catalogs/{catalog}/server-offers/{server_offer}/"),
        "server_offer",
    ),
    Case(
        A.ACCELERATOR_CREATED,
        "api",
        _api(
            "post",
            "/gpu-specs/",
            {
                "name": "Acme X2",
                "vendor": "Acme",
                "memory_gb": 144,
                "memory_bandwidth_tb_s": 6,
                "bf16_dense_tflops": 1200,
            },
        ),
    ),
    Case(
        A.ACCELERATOR_UPDATED,
        "api",
        _api("patch", "/gpu-specs/{own_gpu}/", {"tdp_w": 900}),
        "own_gpu",
    ),
    Case(A.ACCELERATOR_DELETED, "api", _api("delete", "/gpu-specs/{own_gpu}/"), "own_gpu"),
    Case(A.ORGANIZATION_UPDATED, "api", _api("patch", "/", {"horizon_years": 7}), "org"),
    Case(A.ORGANIZATION_EXPORTED, "api", _api("get", "/export/"), "org"),
    Case(A.MEMBER_ROLE_CHANGED, "api", _api("patch", "/members/{member}/", {"role": "analyst"})),
    Case(A.MEMBER_REMOVED, "api", _api("delete", "/members/{member}/")),
    Case(A.INVITATION_CREATED, "api", _api("post", "/invitations/", {"email": "new@example.org"})),
    Case(
        A.INVITATION_REVOKED,
        "api",
        _api("post", "/invitations/{invitation}/revoke/"),
        "invitation",
    ),
    Case(
        A.ASSESSMENT_CREATED,
        "api",
        _api("post", "/assessments/", {"name": "New", "workloads": ["WL-PUT"]}),
    ),
    Case(
        A.ASSESSMENT_UPDATED,
        "api",
        _api("patch", "/assessments/{assessment}/", {"horizon_years": 3}),
        "assessment",
    ),
    Case(A.ASSESSMENT_DELETED, "api", _api("delete", "/assessments/{assessment}/"), "assessment"),
    Case(A.RUN_STARTED, "api", _api("post", "/assessments/{assessment}/runs/")),
    Case(A.REPORT_DOWNLOADED, "api", _api("get", "/runs/{run}/report.pdf"), "run"),
    Case(
        A.REPORT_EMAILED,
        "api",
        _api("post", "/runs/{run}/emails/", {"recipients": ["cfo@a.example"]}),
        "run",
    ),
]


@pytest.fixture
def objects(org, other_org, owner):
    """One object of each kind in alice's organization, and olivia, its owner."""
    InvitationFactory(organization=org, email="nadia@example.org", token=INVITATION_TOKEN)
    return {
        "org": org,
        "owner": owner,
        "workload": WorkloadFactory(
            organization=org, external_id="WL-PUT", model=ModelSpecFactory(name="Public 8B")
        ),
        "spec": ModelSpecFactory(organization=org, name="Own model"),
        "staged": workload_import_stage(
            organization=org, user=owner, upload=SimpleUploadedFile("inv.csv", CSV)
        ),
        "member": MembershipFactory(organization=org, user=UserFactory(username="target")),
        "invitation": InvitationFactory(organization=org),
        **world_catalogs(org, other_org),
        **light_assessments(org),
    }


def test_every_kind_of_event_is_covered_through_the_pages_and_the_api():
    """Member joined and API tokens have pages only; the rest has both, except the two done
    once for a whole organization or where the pages have no form (a model's edit)."""
    web = {case.action for case in WEB}
    api = {case.action for case in API_CASES}
    assert set(AuditAction) - web - api == {A.ORGANIZATION_DELETED}  # tests/portal/services
    assert web - api == {A.MEMBER_JOINED, A.TOKEN_CREATED, A.TOKEN_REVOKED}
    assert api - web == {A.MODEL_UPDATED, A.MODEL_DELETED}


def _ids(case: Case) -> str:
    return f"{case.channel} {case.action}"


@pytest.mark.parametrize("case", WEB + API_CASES, ids=_ids)
def test_the_event_names_who_from_where_and_what(case, objects, owner):
    client = APIClient() if case.channel == "api" else Client()
    client.force_login(owner)
    object_id = str(objects[case.object_key].pk) if case.object_key else None
    response = case.do(client, objects)
    assert response.status_code in (200, 201, 202, 204, 302), response.content[:500]
    if case.action == A.TOKEN_REVOKED:
        object_id = objects["token"].token_key
    events = AuditEvent.objects.for_organization(objects["org"]).filter(action=case.action)
    event = events.latest("pk")
    actor = "nadia" if case.action == A.MEMBER_JOINED else "olivia"
    assert (event.actor, event.ip_address, event.channel) == (actor, "127.0.0.1", case.channel)
    if object_id is not None:
        assert event.object_id == object_id
    assert event.object_type and event.object_repr


def test_a_token_acts_as_its_user_in_the_log(objects, owner):
    """GIVEN a request authenticated by an API token (not a session) WHEN it changes a
    workload THEN the event names the token's user."""
    _, secret = api_token_create(user=owner, name="CMDB", expires_in_days=1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    workload = objects["workload"]
    response = client.patch(f"{API}/workloads/{workload.pk}/", {"notes": "x"}, format="json")
    assert response.status_code == 200
    event = AuditEvent.objects.for_organization(objects["org"]).latest("pk")
    assert (event.action, event.actor, event.channel) == (A.WORKLOAD_UPDATED, "olivia", "api")
    assert event.details == {"fields": ["notes"]}


def test_a_token_event_is_in_the_log_of_every_organization_of_its_user(org, other_org, owner):
    MembershipFactory(organization=other_org, user=owner, role=Role.VIEWER)
    token, _ = api_token_create(user=owner, name="CMDB", expires_in_days=1)
    for organization in (org, other_org):
        event = AuditEvent.objects.for_organization(organization).get(action=A.TOKEN_CREATED)
        assert (event.object_id, event.actor) == (token.token_key, "olivia")
