"""Every tenant API route: anonymous 401, outsiders 404, too-low roles 403, the rest served."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from portal.models import Invitation, Membership, Role
from tests.assessments.world import world_assessments
from tests.costing.catalog_data import world_catalogs
from tests.factories import (
    GpuSpecFactory,
    InvitationFactory,
    MembershipFactory,
    ModelSpecFactory,
    UserFactory,
    WorkloadFactory,
)
from tests.portal.api.conftest import ROLE_NAMES, expected_status

BASE = "/api/v1/orgs/alice-media"


@dataclass(frozen=True)
class Endpoint:
    """A route, the method tried with a valid body, the lowest role allowed and its status."""

    path: str
    method: str
    minimum: Role
    status: int
    body: object = None


def _workload_body(external_id: str) -> dict:
    return {"external_id": external_id, "name": "Subtitles", "kind": "batch"}


_SOURCED = {"currency": "USD", "source_url": "https://example.org/quote"}
_CATALOG = {"name": "Negotiated", "version": "9", "currency": "EUR", "effective_date": "2026-02-01"}
_NOTE = {"notes": "Checked with the account manager."}
_OFFERS = [
    (
        "cloud-gpu-offers",
        "cloud_offer",
        {**_SOURCED, "provider": "AWS", "instance": "p5e", "gpu_name": "H200", "gpu_count": 8,
         "on_demand_per_hour": "84.80"},
    ),
    (
        "api-offers",
        "api_offer",
        {**_SOURCED, "provider": "AWS", "model_name": "Nova Pro", "input_price": "0.8"},
    ),
    (
        "server-offers",
        "server_offer",
        {**_SOURCED, "system": "HGX H200", "price": "310000", "price_kind": "street"},
    ),
]  # fmt: skip
# The smallest scenario that evaluates: one GPU-hours workload rented on demand.
_SCENARIO = {
    "name": "What-if",
    "reporting_currency": "EUR",
    "start_date": "2027-01-01",
    "horizon_months": 12,
    "discount_rate_per_year": 0.05,
    "workloads": [{"id": "w", "kind": "other_gpu", "gpu_class": "H100 SXM", "peak_gpus": 1}],
    "offers": {
        "cloud_gpu": [
            {"provider": "Nebius", "instance": "h100", "gpu": "H100 SXM 80GB", "gpu_count": 1,
             "on_demand_per_hour": {"amount": 2.95, "currency": "EUR"}}
        ]
    },
    "options": ["cloud_on_demand"],
}  # fmt: skip
CATALOG_KEYS = (
    "catalog", "cloud_offer", "api_offer", "server_offer", "provider", "gpu_spec", "own_gpu",
)  # fmt: skip
# Alice's assessment and its runs #2 ("run") and #1 ("earlier_run"), all finished with a report.
ASSESSMENT_KEYS = ("assessment", "run", "earlier_run")

# An accelerator is entered with what sizing needs: memory, bandwidth and a dense BF16 peak.
OWN_ACCELERATOR = {
    "name": "Acme X2", "vendor": "Acme", "memory_gb": 144, "memory_bandwidth_tb_s": 6,
    "bf16_dense_tflops": 1200,
}  # fmt: skip
# An open-weights model is entered with what sizing needs.
IN_HOUSE_MODEL = {"name": "In-house 3B", "params_b": 3, "layers": 28, "kv_heads": 8, "head_dim": 64}
ENDPOINTS = [
    Endpoint("/", "get", Role.VIEWER, 200),
    Endpoint("/", "patch", Role.ADMIN, 200, {"horizon_years": 7}),
    Endpoint("/", "put", Role.ADMIN, 200, {"name": "Alice Media", "country": "FR"}),
    Endpoint("/", "delete", Role.OWNER, 204, {"confirm_name": "Alice Media"}),
    Endpoint("/export/", "get", Role.OWNER, 200),
    Endpoint("/audit-events/", "get", Role.ADMIN, 200),
    Endpoint("/audit-events/export/", "get", Role.ADMIN, 200),
    Endpoint("/members/", "get", Role.ADMIN, 200),
    Endpoint("/invitations/", "get", Role.ADMIN, 200),
    # newbie has an account: the invitation answers as for any address.
    Endpoint("/invitations/", "post", Role.ADMIN, 201, {"email": "newbie@example.org"}),
    Endpoint("/invitations/{invitation}/", "get", Role.ADMIN, 200),
    Endpoint("/invitations/{invitation}/revoke/", "post", Role.ADMIN, 200),
    Endpoint("/members/{member}/", "get", Role.ADMIN, 200),
    Endpoint("/members/{member}/", "patch", Role.ADMIN, 200, {"role": "analyst"}),
    Endpoint("/members/{member}/", "delete", Role.ADMIN, 204),
    Endpoint("/model-specs/", "get", Role.VIEWER, 200),
    Endpoint("/model-specs/", "post", Role.ANALYST, 201, IN_HOUSE_MODEL),
    Endpoint("/model-specs/{spec}/", "get", Role.VIEWER, 200),
    Endpoint("/model-specs/{spec}/", "patch", Role.ANALYST, 200, {"notes": "Distilled."}),
    Endpoint("/model-specs/{spec}/", "put", Role.ANALYST, 200, {"name": "Own model"}),
    Endpoint("/model-specs/{spec}/", "delete", Role.ANALYST, 204),
    Endpoint("/workloads/", "get", Role.VIEWER, 200),
    Endpoint("/workloads/", "post", Role.ANALYST, 201, _workload_body("NEW-1")),
    Endpoint("/workloads/{workload}/", "get", Role.VIEWER, 200),
    Endpoint("/workloads/{workload}/", "patch", Role.ANALYST, 200, {"requests_per_day": 5}),
    Endpoint("/workloads/{workload}/", "put", Role.ANALYST, 200, _workload_body("WL-PUT")),
    Endpoint("/workloads/{workload}/", "delete", Role.ANALYST, 204),
    Endpoint("/workloads/bulk-upsert/", "post", Role.ANALYST, 200, [_workload_body("B-1")]),
    Endpoint("/catalogs/", "get", Role.VIEWER, 200),
    Endpoint("/catalogs/", "post", Role.ANALYST, 201, _CATALOG),
    Endpoint("/catalogs/{catalog}/", "get", Role.VIEWER, 200),
    Endpoint("/catalogs/{catalog}/publish/", "post", Role.ADMIN, 200),
    Endpoint("/catalogs/{catalog}/versions/", "post", Role.ANALYST, 201, {"version": "2"}),
    Endpoint("/catalogs/{catalog}/import/", "post", Role.ANALYST, 200, {"rows": {"server": []}}),
    Endpoint("/catalogs/{catalog}/export/", "get", Role.VIEWER, 200),
    *[
        endpoint
        for prefix, key, body in _OFFERS
        for endpoint in (
            Endpoint(f"/catalogs/{{catalog}}/{prefix}/", "get", Role.VIEWER, 200),
            Endpoint(f"/catalogs/{{catalog}}/{prefix}/", "post", Role.ANALYST, 201, body),
            Endpoint(f"/catalogs/{{catalog}}/{prefix}/{{{key}}}/", "get", Role.VIEWER, 200),
            Endpoint(f"/catalogs/{{catalog}}/{prefix}/{{{key}}}/", "put", Role.ANALYST, 200, body),
            Endpoint(
                f"/catalogs/{{catalog}}/{prefix}/{{{key}}}/", "patch", Role.ANALYST, 200, _NOTE
            ),
            Endpoint(f"/catalogs/{{catalog}}/{prefix}/{{{key}}}/", "delete", Role.ANALYST, 204),
        )
    ],
    Endpoint("/providers/", "get", Role.VIEWER, 200),
    Endpoint("/providers/{provider}/", "get", Role.VIEWER, 200),
    Endpoint("/gpu-specs/", "get", Role.VIEWER, 200),
    Endpoint("/gpu-specs/", "post", Role.ANALYST, 201, OWN_ACCELERATOR),
    # Alice's own first: the route matrix tries every method on a route's first path.
    Endpoint("/gpu-specs/{own_gpu}/", "get", Role.VIEWER, 200),
    Endpoint("/gpu-specs/{own_gpu}/", "put", Role.ANALYST, 200, OWN_ACCELERATOR),
    Endpoint("/gpu-specs/{own_gpu}/", "patch", Role.ANALYST, 200, {"tdp_w": 900}),
    Endpoint("/gpu-specs/{own_gpu}/", "delete", Role.ANALYST, 204),
    Endpoint("/gpu-specs/{gpu_spec}/", "get", Role.VIEWER, 200),
    Endpoint("/fx-rates/", "get", Role.VIEWER, 200),
    Endpoint("/scenarios/evaluate/", "post", Role.VIEWER, 200, _SCENARIO),
    Endpoint("/assessments/", "get", Role.VIEWER, 200),
    Endpoint("/assessments/", "post", Role.ANALYST, 201, {"name": "New", "workloads": ["WL-PUT"]}),
    Endpoint("/assessments/{assessment}/", "get", Role.VIEWER, 200),
    Endpoint("/assessments/{assessment}/", "put", Role.ANALYST, 200, {"name": "Renamed"}),
    Endpoint("/assessments/{assessment}/", "patch", Role.ANALYST, 200, {"horizon_years": 3}),
    Endpoint("/assessments/{assessment}/", "delete", Role.ANALYST, 204),
    Endpoint("/assessments/{assessment}/runs/", "get", Role.VIEWER, 200),
    Endpoint("/assessments/{assessment}/runs/", "post", Role.ANALYST, 202),
    Endpoint("/runs/", "get", Role.VIEWER, 200),
    Endpoint("/runs/{run}/", "get", Role.VIEWER, 200),
    Endpoint("/runs/{run}/results/", "get", Role.VIEWER, 200),
    Endpoint("/runs/{run}/snapshot/", "get", Role.VIEWER, 200),
    Endpoint("/runs/{run}/report.pdf", "get", Role.VIEWER, 200),
    Endpoint("/runs/{run}/results.xlsx", "get", Role.VIEWER, 200),
    Endpoint("/runs/{run}/emails/", "get", Role.VIEWER, 200),
    Endpoint("/runs/{run}/emails/", "post", Role.ANALYST, 202, {"recipients": ["cfo@a.example"]}),
    Endpoint("/runs/{run}/compare/{earlier_run}/", "get", Role.VIEWER, 200),
]
# Objects the paths name, by key (the matrices fill them from their fixtures).
OBJECT_KEYS = ("member", "invitation", "spec", "workload", *CATALOG_KEYS, *ASSESSMENT_KEYS)


def _needs_assessments(request) -> bool:
    endpoint = getattr(getattr(request.node, "callspec", None), "params", {}).get("endpoint")
    return endpoint is None or endpoint.path.startswith(("/assessments/", "/runs/"))


@pytest.fixture
def objects(request, org, other_org):
    """One object of each kind in alice's organization."""
    UserFactory(username="newbie")
    catalogs = world_catalogs(org, other_org)
    # Finished runs carry megabytes of real results: made only for the routes that read them.
    assessments = world_assessments(org, other_org) if _needs_assessments(request) else {}
    return {
        **{key: catalogs[key].pk for key in CATALOG_KEYS},
        **{key: assessments[key].pk for key in ASSESSMENT_KEYS if key in assessments},
        "member": MembershipFactory(organization=org, user=UserFactory(username="target")).pk,
        "invitation": InvitationFactory(organization=org).pk,
        "spec": ModelSpecFactory(organization=org, name="Own model").pk,
        "workload": WorkloadFactory(organization=org, external_id="WL-PUT").pk,
    }


@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
def test_role_isolation(client_as, objects, endpoint, role):
    client = client_as(role)
    url = BASE + endpoint.path.format(**objects)
    response = getattr(client, endpoint.method)(url, endpoint.body, format="json")
    assert response.status_code == expected_status(role, endpoint.minimum, endpoint.status), (
        response.content[:300]
    )
    if response.status_code >= 400:
        body = response.json()
        assert body["errors"] == [] and body["detail"]


OTHER_ORG_OBJECT_ROUTES = [
    ("get", "/workloads/{workload}/", None),
    ("patch", "/workloads/{workload}/", {"name": "Hijacked"}),
    ("delete", "/workloads/{workload}/", None),
    ("get", "/model-specs/{spec}/", None),
    ("patch", "/model-specs/{spec}/", {"name": "Hijacked"}),
    ("delete", "/model-specs/{spec}/", None),
    ("get", "/gpu-specs/{gpu}/", None),
    ("patch", "/gpu-specs/{gpu}/", {"name": "Hijacked"}),
    ("delete", "/gpu-specs/{gpu}/", None),
    ("get", "/members/{member}/", None),
    ("patch", "/members/{member}/", {"role": "viewer"}),
    ("delete", "/members/{member}/", None),
    ("get", "/invitations/{invitation}/", None),
    ("post", "/invitations/{invitation}/revoke/", None),
]


@pytest.mark.parametrize(("method", "path", "body"), OTHER_ORG_OBJECT_ROUTES)
def test_another_organizations_object_is_not_found(
    client_as, other_org, outsider, method, path, body
):
    """GIVEN objects of mallory's organization WHEN alice's owner names them THEN 404."""
    theirs = {
        "workload": WorkloadFactory(organization=other_org, name="Their secret").pk,
        "spec": ModelSpecFactory(organization=other_org, name="Their model").pk,
        "gpu": GpuSpecFactory(organization=other_org, name="Their accelerator").pk,
        "member": Membership.objects.get(user=outsider).pk,
        "invitation": InvitationFactory(
            organization=other_org, email="Their-invitee@example.org"
        ).pk,
    }
    response = getattr(client_as("owner"), method)(
        BASE + path.format(**theirs), body, format="json"
    )
    assert response.status_code == 404
    assert "Their" not in response.content.decode()
    assert Membership.objects.get(user=outsider).role == Role.OWNER
    assert Invitation.objects.for_organization(other_org).get().revoked_at is None


def test_unknown_organization_and_non_numeric_ids_are_not_found(client_as):
    client = client_as("owner")
    assert client.get("/api/v1/orgs/no-such-org/workloads/").status_code == 404
    assert client.get(f"{BASE}/workloads/abc/").status_code == 404
    assert client.get(f"{BASE}/workloads/999999999/").status_code == 404


def test_the_organization_list_needs_authentication(client_as):
    response = client_as("anonymous").get("/api/v1/orgs/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
