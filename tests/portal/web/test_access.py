"""Every tenant page: anonymous users sign in, outsiders get 404, too-low roles get 403."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, reverse

from assessments.models import Assessment, AssessmentRun, RunReport, RunStatus
from portal.models import Role
from portal.services.imports import workload_import_stage
from portal.tenancy import OrgScopedView
from portal.web import urls as web_urls
from tests.assessments.world import example_pdf, example_run_data
from tests.costing.catalog_data import world_catalogs
from tests.factories import (
    InvitationFactory,
    MembershipFactory,
    ModelSpecFactory,
    UserFactory,
    VerifiedDomainFactory,
    WorkloadFactory,
)

CSV = b"external_id,name,kind,avg_input_tokens,requests_per_day\nX-1,New one,chat,100,10\n"


@dataclass(frozen=True)
class Endpoint:
    """A tenant URL, the method tried, and the lowest role that may use it."""

    name: str
    method: str
    minimum: Role
    kwargs: tuple[str, ...] = ()  # which fixture objects fill the URL's <pk> (and <other>)


# The URL arguments an endpoint's fixture objects fill, in order.
URL_KWARGS = ("pk", "other")


ENDPOINTS = [
    Endpoint("dashboard", "get", Role.VIEWER),
    Endpoint("workload-list", "get", Role.VIEWER),
    Endpoint("workload-detail", "get", Role.VIEWER, ("workload",)),
    Endpoint("workload-create", "get", Role.ANALYST),
    Endpoint("workload-create", "post", Role.ANALYST),
    Endpoint("workload-update", "get", Role.ANALYST, ("workload",)),
    Endpoint("workload-update", "post", Role.ANALYST, ("workload",)),
    Endpoint("workload-delete", "get", Role.ANALYST, ("workload",)),
    Endpoint("workload-delete", "post", Role.ANALYST, ("workload",)),
    Endpoint("workload-export-csv", "get", Role.VIEWER),
    Endpoint("workload-export-xlsx", "get", Role.VIEWER),
    Endpoint("import-upload", "get", Role.ANALYST),
    Endpoint("import-upload", "post", Role.ANALYST),
    Endpoint("import-template-csv", "get", Role.VIEWER),
    Endpoint("import-template-xlsx", "get", Role.VIEWER),
    Endpoint("import-preview", "get", Role.ANALYST, ("staged",)),
    Endpoint("import-apply", "post", Role.ANALYST, ("staged",)),
    Endpoint("import-discard", "post", Role.ANALYST, ("staged",)),
    Endpoint("model-list", "get", Role.VIEWER),
    Endpoint("model-detail", "get", Role.VIEWER, ("spec",)),
    Endpoint("model-create", "get", Role.ANALYST),
    Endpoint("model-create", "post", Role.ANALYST),
    Endpoint("accelerator-list", "get", Role.VIEWER),
    Endpoint("accelerator-detail", "get", Role.VIEWER, ("own_gpu",)),
    Endpoint("accelerator-create", "get", Role.ANALYST),
    Endpoint("accelerator-create", "post", Role.ANALYST),
    Endpoint("accelerator-update", "get", Role.ANALYST, ("own_gpu",)),
    Endpoint("accelerator-update", "post", Role.ANALYST, ("own_gpu",)),
    Endpoint("accelerator-delete", "get", Role.ANALYST, ("own_gpu",)),
    Endpoint("accelerator-delete", "post", Role.ANALYST, ("own_gpu",)),
    Endpoint("member-list", "get", Role.VIEWER),
    Endpoint("invitation-create", "get", Role.ADMIN),
    Endpoint("invitation-create", "post", Role.ADMIN),
    Endpoint("invitation-list", "get", Role.ADMIN),
    Endpoint("invitation-revoke", "get", Role.ADMIN, ("invitation",)),
    Endpoint("invitation-revoke", "post", Role.ADMIN, ("invitation",)),
    Endpoint("member-role", "post", Role.ADMIN, ("member",)),
    Endpoint("member-remove", "get", Role.VIEWER, ("member",)),
    Endpoint("member-remove", "post", Role.ADMIN, ("member",)),
    Endpoint("org-settings", "get", Role.VIEWER),
    Endpoint("org-settings", "post", Role.ADMIN),
    Endpoint("org-security", "get", Role.OWNER),
    Endpoint("org-security", "post", Role.OWNER),
    Endpoint("domain-verify", "post", Role.OWNER, ("domain",)),
    Endpoint("domain-remove", "post", Role.OWNER, ("domain",)),
    Endpoint("org-export", "get", Role.OWNER),
    Endpoint("org-delete", "get", Role.OWNER),
    # An empty confirmation: the form comes back with its error, nothing is deleted.
    Endpoint("org-delete", "post", Role.OWNER),
    Endpoint("audit-list", "get", Role.ADMIN),
    Endpoint("audit-export-csv", "get", Role.ADMIN),
    Endpoint("catalog-list", "get", Role.VIEWER),
    Endpoint("catalog-compare", "get", Role.VIEWER),
    Endpoint("catalog-create", "get", Role.ANALYST),
    Endpoint("catalog-create", "post", Role.ANALYST),
    Endpoint("catalog-detail", "get", Role.VIEWER, ("catalog",)),
    Endpoint("catalog-publish", "get", Role.ADMIN, ("catalog",)),
    Endpoint("catalog-publish", "post", Role.ADMIN, ("catalog",)),
    Endpoint("catalog-version", "get", Role.ANALYST, ("catalog",)),
    Endpoint("catalog-version", "post", Role.ANALYST, ("catalog",)),
    Endpoint("catalog-import", "get", Role.ANALYST, ("catalog",)),
    Endpoint("catalog-import", "post", Role.ANALYST, ("catalog",)),
    Endpoint("catalog-feed-import", "get", Role.ADMIN, ("catalog",)),
    Endpoint("catalog-feed-import", "post", Role.ADMIN, ("catalog",)),
    Endpoint("catalog-export-json", "get", Role.VIEWER, ("catalog",)),
    Endpoint("catalog-export-csv", "get", Role.VIEWER, ("catalog",)),
    *[
        Endpoint(f"offer-{action}-{slug}", method, Role.ANALYST, (key,))
        for slug, offer in (
            ("cloud-gpu", "cloud_offer"),
            ("api", "api_offer"),
            ("server", "server_offer"),
        )
        for action, key in (("create", "catalog"), ("update", offer), ("delete", offer))
        for method in ("get", "post")
    ],
    Endpoint("assessment-list", "get", Role.VIEWER),
    Endpoint("assessment-create", "get", Role.ANALYST),
    Endpoint("assessment-create", "post", Role.ANALYST),
    Endpoint("assessment-detail", "get", Role.VIEWER, ("assessment",)),
    Endpoint("assessment-update", "get", Role.ANALYST, ("assessment",)),
    Endpoint("assessment-update", "post", Role.ANALYST, ("assessment",)),
    Endpoint("assessment-delete", "get", Role.ADMIN, ("assessment",)),
    Endpoint("assessment-delete", "post", Role.ADMIN, ("assessment",)),
    Endpoint("assessment-run", "post", Role.ANALYST, ("assessment",)),
    Endpoint("run-detail", "get", Role.VIEWER, ("run",)),
    Endpoint("run-progress", "get", Role.VIEWER, ("run",)),
    Endpoint("run-pdf", "get", Role.VIEWER, ("run",)),
    Endpoint("run-xlsx", "get", Role.VIEWER, ("run",)),
    Endpoint("run-email", "get", Role.ANALYST, ("run",)),
    Endpoint("run-email", "post", Role.ANALYST, ("run",)),
    Endpoint("run-compare", "get", Role.VIEWER, ("run", "earlier_run")),
]
ROLES = [Role.VIEWER, Role.ANALYST, Role.ADMIN, Role.OWNER]


# Access is decided before any result is read: these runs carry an empty engine section, a
# summary and a PDF only (the pages' content is tested in tests/assessments/web with full results).
ASSESSMENT_KEYS = {"assessment", "run", "earlier_run"}


def _needs_assessments(request) -> bool:
    endpoint = getattr(getattr(request.node, "callspec", None), "params", {}).get("endpoint")
    return endpoint is None or bool(ASSESSMENT_KEYS.intersection(endpoint.kwargs))


# A summary as a run stores it (every field typed), with no figure in it.
LIGHT_SUMMARY = {
    "price_of_sovereignty": None, "cheapest_option": None, "cheapest_npv": None,
    "npv_by_option": {}, "probability_cheapest": None, "breakeven": None,
    "recommendations": {}, "recommended_option": None, "risks": [],
    "headline": ["Keep the archive at home."], "currency": "EUR",
}  # fmt: skip
# The engine's section of a run that priced nothing: what every reader of a run needs at least.
LIGHT_ENGINE = {
    "name": "Light run", "engine_version": "1", "currency": "EUR", "horizon_months": 60,
    "samples": 0, "discounting": "monthly", "cheapest_by_npv": None, "left_out_of_totals": [],
    "portfolio": {}, "fleets": {}, "breakevens": [], "workloads": [], "components": {},
    "assumptions": {}, "method": {}, "sovereignty_price": None, "sources": [],
}  # fmt: skip


def _succeeded_run(assessment, number: int) -> AssessmentRun:
    run = AssessmentRun.objects.create_in(
        assessment.organization,
        assessment=assessment,
        number=number,
        status=RunStatus.SUCCEEDED,
        step="done",
        progress_pct=100,
        snapshot=example_run_data()[0],
        results={"engine": LIGHT_ENGINE, "summary": LIGHT_SUMMARY},
        currency="EUR",
    )
    pdf = example_pdf()
    RunReport.objects.create_in(
        assessment.organization, run=run, pdf=pdf, size_bytes=len(pdf), sha256="0" * 64, pages=1
    )
    return run


def light_assessments(org) -> dict:
    assessment = Assessment.objects.create_in(
        org, name="Alice visible assessment", recipients=["cfo@alice.example.org"]
    )
    return {
        "assessment": assessment,
        "earlier_run": _succeeded_run(assessment, 1),
        "run": _succeeded_run(assessment, 2),
    }


@pytest.fixture
def objects(request, org, other_org, owner):
    """One object of each kind in alice's organization, and a plain member to act upon."""
    member = MembershipFactory(organization=org, user=UserFactory(username="target"))
    staged = workload_import_stage(
        organization=org, user=owner, upload=SimpleUploadedFile("inv.csv", CSV)
    )
    return {
        "workload": WorkloadFactory(organization=org),
        "spec": ModelSpecFactory(organization=org, name="Own model"),
        "staged": staged,
        "member": member,
        "invitation": InvitationFactory(organization=org),
        "domain": VerifiedDomainFactory(organization=org, domain="alice.example"),
        **world_catalogs(org, other_org),
        **(light_assessments(org) if _needs_assessments(request) else {}),
    }


def _url(endpoint: Endpoint, slug: str, objects) -> str:
    kwargs = {"org_slug": slug}
    for name, key in zip(URL_KWARGS, endpoint.kwargs, strict=False):
        kwargs[name] = objects[key].pk
    return reverse(endpoint.name, kwargs=kwargs)


def _ids(endpoint: Endpoint) -> str:
    return f"{endpoint.method.upper()} {endpoint.name}"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_ids)
def test_anonymous_user_is_sent_to_sign_in(endpoint, client, org, objects):
    response = getattr(client, endpoint.method)(_url(endpoint, org.slug, objects))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_ids)
def test_member_of_another_organization_gets_404(endpoint, client_for, org, outsider, objects):
    response = getattr(client_for(outsider), endpoint.method)(_url(endpoint, org.slug, objects))
    assert response.status_code == 404


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.kwargs], ids=_ids)
def test_own_slug_with_another_organizations_object_is_404(
    endpoint, client_for, org, other_org, outsider, objects
):
    """Mallory, in her own organization, names alice's objects: 404, never 403 or 200."""
    response = getattr(client_for(outsider), endpoint.method)(
        _url(endpoint, other_org.slug, objects)
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_ids)
def test_role_decides_between_403_and_success(
    endpoint, role, client_for, org, make_member, objects
):
    user = make_member(org, role)
    response = getattr(client_for(user), endpoint.method)(_url(endpoint, org.slug, objects))
    if role.at_least(endpoint.minimum):
        assert response.status_code in (200, 302), response.status_code
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_ids)
def test_unknown_organization_is_404(endpoint, client_for, owner, objects):
    response = getattr(client_for(owner), endpoint.method)(_url(endpoint, "no-such-org", objects))
    assert response.status_code == 404


def _tenant_views(patterns=None, prefix=""):
    patterns = web_urls.urlpatterns if patterns is None else patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _tenant_views(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and "<slug:org_slug>" in prefix + str(entry.pattern):
            yield entry.name, entry.callback.view_class


def test_every_tenant_page_derives_from_the_scoped_base_first():
    views = dict(_tenant_views())
    assert views
    for name, view_class in views.items():
        # Only scoped views (the page itself, or a scoped page it extends) come before the base.
        before = view_class.__mro__[: view_class.__mro__.index(OrgScopedView)]
        assert all(issubclass(cls, OrgScopedView) for cls in before), name


def test_every_tenant_page_is_in_the_access_matrix():
    assert {name for name, _ in _tenant_views()} == {e.name for e in ENDPOINTS}


@pytest.mark.parametrize(
    ("name", "method"),
    [("workload-list", "post"), ("import-apply", "get"), ("member-role", "get")],
)
def test_methods_a_page_does_not_use_answer_405(name, method, client_for, org, owner, objects):
    kwargs = {"org_slug": org.slug}
    if name == "import-apply":
        kwargs["pk"] = objects["staged"].pk
    if name == "member-role":
        kwargs["pk"] = objects["member"].pk
    response = getattr(client_for(owner), method)(reverse(name, kwargs=kwargs))
    assert response.status_code == 405
