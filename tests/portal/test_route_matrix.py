"""The isolation matrix: every route of the site and the API x every method x every role.

Each named route must have an entry here (tenant pages and API routes take theirs from the
detailed access tests of tests/portal/web and tests/portal/api); a new route without one
fails ``test_every_route_has_an_entry``. For each route, every method and every role
(anonymous, viewer, analyst, admin, owner, and mallory, an owner of another organization)
get the status the isolation contract promises, and list pages show alice's rows and never
mallory's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from rest_framework.test import APIClient

from portal.models import AuditAction, Role
from portal.services.audit import audit_record
from portal.services.imports import workload_import_stage
from portal.services.tokens import api_token_create
from tests.assessments.world import world_assessments
from tests.costing.catalog_data import world_catalogs
from tests.factories import (
    InvitationFactory,
    MembershipFactory,
    ModelSpecFactory,
    UserFactory,
    VerifiedDomainFactory,
    WorkloadFactory,
)
from tests.portal.api import test_access as api_access
from tests.portal.web import test_access as web_access

METHODS = ("get", "post", "put", "patch", "delete")
MEMBER_ROLES = (Role.VIEWER, Role.ANALYST, Role.ADMIN, Role.OWNER)
ROLES = ("anonymous", *[role.value for role in MEMBER_ROLES], "outsider")
SUCCESS = frozenset({200, 201, 204, 302})
REFUSED_METHOD = frozenset({403, 405})
INVITATION_TOKEN = "i" * 43

# What must show on alice's list pages, and what of mallory's must never show.
VISIBLE = (
    "Alice visible workload",
    "Alice own model",
    "target@example.org",
    "Alice own accelerator",
    "invited@example.org",
    "alice.example",
)
HIDDEN = (
    "Mallory hidden workload",
    "Mallory own model",
    "mallory@example.org",
    "mallory-invitee@example.org",
    "Mallory secret prices",
    "Mallory secret assessment",
    "Mallory secret accelerator",
    "mallory.example",
)
LIST_ROUTES = {
    "workload-list": VISIBLE[:1],
    "workload-export-csv": VISIBLE[:1],
    "model-list": VISIBLE[1:2],
    "member-list": VISIBLE[2:3],
    "api:workload-list": VISIBLE[:1],
    "api:model-spec-list": VISIBLE[1:2],
    "api:member-list": VISIBLE[2:3],
    "accelerator-list": VISIBLE[3:4],
    "api:gpu-spec-list": VISIBLE[3:4],
    "invitation-list": VISIBLE[4:5],
    "api:invitation-list": VISIBLE[4:5],
    "org-security": VISIBLE[5:],
    "catalog-list": ("Negotiated",),
    "api:catalog-list": ("Negotiated",),
    "assessment-list": ("Alice visible assessment",),
    "api:assessment-list": ("Alice visible assessment",),
    # The audit log names the workload its event is about.
    "audit-list": VISIBLE[:1],
    "audit-export-csv": VISIBLE[:1],
    "api:audit-event-list": VISIBLE[:1],
    "api:audit-event-export": VISIBLE[:1],
}


@dataclass(frozen=True)
class Allowed:
    """A method a route serves: the lowest role (None: any signed-in user) and its statuses."""

    minimum: Role | None
    success: frozenset[int] = SUCCESS
    body: object = None


@dataclass
class RouteEntry:
    name: str
    kind: str  # "tenant-web", "tenant-api", "web", "api", "public"
    url: str
    methods: dict[str, Allowed] = field(default_factory=dict)
    anonymous: dict[str, frozenset[int]] = field(default_factory=dict)
    # Methods a route does not serve answer 405, unless the route says otherwise here.
    unlisted: frozenset[int] = frozenset({405})


# Routes outside any organization: accounts, tokens, the organization switcher, API docs.
def _non_tenant_entries(world) -> list[RouteEntry]:
    any_user = Allowed(None)
    page = frozenset({200})
    return [
        RouteEntry("home", "web", reverse("home"), {"get": Allowed(None, frozenset({302}))}),
        RouteEntry(
            "login",
            "public",
            reverse("login"),
            # Signed-in users are sent on; an empty form is shown again with its errors.
            {"get": Allowed(None, frozenset({302})), "post": Allowed(None, frozenset({302}))},
            {"get": page, "post": page},
            # Django sends a signed-in user on before it looks at the method.
            unlisted=frozenset({302, 405}),
        ),
        # The code step without a pending sign-in sends everyone back to the password.
        RouteEntry(
            "login-code",
            "public",
            reverse("login-code"),
            {"get": Allowed(None, frozenset({302})), "post": Allowed(None, frozenset({302}))},
            {"get": frozenset({302}), "post": frozenset({302})},
        ),
        # Single sign-on is off unless configured: its routes answer 404 (tests/portal/web/
        # test_sso.py drives them against a provider).
        RouteEntry(
            "sso-start",
            "public",
            reverse("sso-start"),
            {"get": Allowed(None, frozenset({404}))},
            {"get": frozenset({404})},
        ),
        RouteEntry(
            "sso-callback",
            "public",
            reverse("sso-callback"),
            {"get": Allowed(None, frozenset({404}))},
            {"get": frozenset({404})},
        ),
        # One's own second factor: nobody here has one, so turning it off leads back to its page.
        RouteEntry("two-factor", "web", reverse("two-factor"), {"get": any_user, "post": any_user}),
        RouteEntry(
            "two-factor-enrol",
            "web",
            reverse("two-factor-enrol"),
            {"get": any_user, "post": any_user},
        ),
        RouteEntry(
            "two-factor-recovery-codes",
            "web",
            reverse("two-factor-recovery-codes"),
            {"post": Allowed(None, frozenset({302}))},
        ),
        RouteEntry(
            "two-factor-disable",
            "web",
            reverse("two-factor-disable"),
            {"get": Allowed(None, frozenset({302})), "post": Allowed(None, frozenset({302}))},
        ),
        RouteEntry(
            "logout", "public", reverse("logout"), {"post": any_user}, {"post": frozenset({302})}
        ),
        RouteEntry(
            "password_change",
            "web",
            reverse("password_change"),
            {"get": any_user, "post": any_user},
        ),
        RouteEntry(
            "password_change_done", "web", reverse("password_change_done"), {"get": any_user}
        ),
        RouteEntry(
            "password_reset",
            "public",
            reverse("password_reset"),
            {"get": any_user, "post": any_user},
            {"get": page, "post": page},
        ),
        RouteEntry(
            "password_reset_done",
            "public",
            reverse("password_reset_done"),
            {"get": any_user},
            {"get": page},
        ),
        RouteEntry(
            "password_reset_confirm",
            "public",
            reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"}),
            {"get": any_user, "post": any_user},
            {"get": page, "post": page},
            # Django answers an invalid link with its explanation page before looking at the
            # method; nothing can be done with it either way.
            unlisted=frozenset({200, 405}),
        ),
        RouteEntry(
            "password_reset_complete",
            "public",
            reverse("password_reset_complete"),
            {"get": any_user},
            {"get": page},
        ),
        # An invitation's link, for invited@example.org: a visitor gets the sign-up form (an
        # empty one comes back with its errors); signed-in users with another address see
        # whom it is for and are refused if they try to accept.
        RouteEntry(
            "invitation-accept",
            "public",
            reverse("invitation-accept", kwargs={"token": world["invitation_token"]}),
            {"get": Allowed(None, page), "post": Allowed(None, frozenset({403}))},
            {"get": page, "post": page},
        ),
        RouteEntry("tokens", "web", reverse("tokens"), {"get": any_user}),
        RouteEntry(
            "token-create",
            "web",
            reverse("token-create"),
            {
                "get": any_user,
                "post": Allowed(None, page, {"name": "CMDB", "expires_in_days": "30"}),
            },
        ),
        # Everyone tries to revoke alice's owner's token: only she may, others get 404.
        RouteEntry(
            "token-revoke",
            "web",
            reverse("token-revoke", kwargs={"token_key": world["token_key"]}),
            {
                "get": Allowed(Role.OWNER, frozenset({200})),
                "post": Allowed(Role.OWNER, frozenset({302})),
            },
        ),
        RouteEntry("org-list", "web", reverse("org-list"), {"get": any_user}),
        RouteEntry(
            "org-switch",
            "web",
            reverse("org-switch"),
            {"post": Allowed(Role.VIEWER, frozenset({302}), {"organization": "alice-media"})},
        ),
        RouteEntry(
            "api:organization-list", "api", reverse("api:organization-list"), {"get": any_user}
        ),
        RouteEntry(
            "api-schema",
            "public",
            reverse("api-schema"),
            {"get": Allowed(None, page)},
            {"get": page},
        ),
        RouteEntry(
            "api-docs", "public", reverse("api-docs"), {"get": Allowed(None, page)}, {"get": page}
        ),
        # Published documentation like the OpenAPI schema: served to anyone, signed in or not.
        RouteEntry(
            "api:scenario-schema",
            "public",
            reverse("api:scenario-schema"),
            {"get": Allowed(None, page)},
            {"get": page},
        ),
        # Load balancers' probes: anyone may ask, and learn only ok or failing.
        RouteEntry(
            "healthz", "public", reverse("healthz"), {"get": Allowed(None, page)}, {"get": page}
        ),
        RouteEntry(
            "readyz", "public", reverse("readyz"), {"get": Allowed(None, page)}, {"get": page}
        ),
    ]


def _tenant_entries(world) -> list[RouteEntry]:
    entries: dict[str, RouteEntry] = {}
    for endpoint in web_access.ENDPOINTS:
        kwargs = {"org_slug": "alice-media"}
        # An entry's object keys fill the route's ids in order: pk, then other (two runs).
        for name, key in zip(("pk", "other"), endpoint.kwargs, strict=False):
            kwargs[name] = world[key].pk
        entry = entries.setdefault(
            endpoint.name,
            RouteEntry(endpoint.name, "tenant-web", reverse(endpoint.name, kwargs=kwargs)),
        )
        entry.methods[endpoint.method] = Allowed(endpoint.minimum)
    ids = {key: world[key].pk for key in api_access.OBJECT_KEYS}
    for endpoint in api_access.ENDPOINTS:
        url = api_access.BASE + endpoint.path.format(**ids)
        name = f"api:{resolve(url).url_name}"
        entry = entries.setdefault(name, RouteEntry(name, "tenant-api", url))
        entry.methods[endpoint.method] = Allowed(
            endpoint.minimum, frozenset({endpoint.status}), endpoint.body
        )
    return list(entries.values())


def _expected(entry: RouteEntry, method: str, role: str) -> frozenset[int]:
    allowed = entry.methods.get(method)
    if role == "anonymous":
        if entry.kind in ("tenant-api", "api"):
            return frozenset({401})
        if entry.kind == "public":
            return entry.anonymous.get(method, entry.unlisted)
        return frozenset({302})  # sent to sign in, whatever the method
    if role == "outsider" and entry.kind.startswith("tenant"):
        return frozenset({404})  # another organization learns nothing, not even that it exists
    if allowed is None:
        return REFUSED_METHOD if entry.kind.startswith("tenant") else entry.unlisted
    if allowed.minimum is None:
        return allowed.success
    if role == "outsider":
        # Non-tenant routes acting on alice's organization's things: not found for mallory.
        return frozenset({404})
    if Role(role).at_least(allowed.minimum):
        return allowed.success
    return frozenset({404}) if entry.name == "token-revoke" else frozenset({403})


@pytest.fixture
def world(org, other_org, owner, admin_user, analyst, viewer, outsider):
    outsider.email = "mallory@example.org"
    outsider.save()
    target = UserFactory(username="target", email="target@example.org")
    member = MembershipFactory(organization=org, user=target, role=Role.VIEWER)
    UserFactory(username="newbie", email="newbie@example.org")
    token, _ = api_token_create(user=owner, name="CMDB", expires_in_days=30)
    staged = workload_import_stage(
        organization=org, user=owner, upload=SimpleUploadedFile("inv.csv", web_access.CSV)
    )
    ModelSpecFactory(organization=other_org, name="Mallory own model")
    InvitationFactory(organization=other_org, email="mallory-invitee@example.org")
    hidden = WorkloadFactory(organization=other_org, name="Mallory hidden workload")
    audit_record(organization=other_org, action=AuditAction.WORKLOAD_CREATED, obj=hidden)
    workload = WorkloadFactory(
        organization=org, name="Alice visible workload", external_id="WL-PUT"
    )
    audit_record(organization=org, action=AuditAction.WORKLOAD_CREATED, obj=workload)
    VerifiedDomainFactory(organization=other_org, domain="mallory.example")
    return {
        "users": {
            "anonymous": None,
            "viewer": viewer,
            "analyst": analyst,
            "admin": admin_user,
            "owner": owner,
            "outsider": outsider,
        },
        "workload": workload,
        "spec": ModelSpecFactory(organization=org, name="Alice own model"),
        "staged": staged,
        "member": member,
        "invitation": InvitationFactory(
            organization=org, email="invited@example.org", token=INVITATION_TOKEN
        ),
        "invitation_token": INVITATION_TOKEN,
        "domain": VerifiedDomainFactory(organization=org, domain="alice.example"),
        "token_key": token.token_key,
        **world_catalogs(org, other_org),
        **world_assessments(org, other_org),
    }


def _all_route_names(patterns=None, namespace=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # staff only: tested in tests/portal/test_admin.py
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _all_route_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name


def test_every_route_has_an_entry(world):
    entries = {e.name for e in _non_tenant_entries(world) + _tenant_entries(world)}
    routes = set(_all_route_names())
    assert routes - entries == set(), "add these routes to the isolation matrix"
    assert entries - routes == set(), "these matrix entries name no route"


def _request(entry: RouteEntry, method: str, user):
    client = APIClient() if "api" in entry.kind else Client()
    if user is not None:
        client.force_login(user)
    allowed = entry.methods.get(method)
    body = allowed.body if allowed else None
    if "api" in entry.kind:
        return getattr(client, method)(entry.url, body, format="json")
    return getattr(client, method)(entry.url, body or {})


NON_TENANT_ROUTES = (
    "home",
    "login",
    "login-code",
    "sso-start",
    "sso-callback",
    "two-factor",
    "two-factor-enrol",
    "two-factor-recovery-codes",
    "two-factor-disable",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "invitation-accept",
    "tokens",
    "token-create",
    "token-revoke",
    "org-list",
    "org-switch",
    "api:organization-list",
    "api-schema",
    "api-docs",
    "api:scenario-schema",
    "healthz",
    "readyz",
)
TENANT_ROUTES = tuple(
    dict.fromkeys(
        [endpoint.name for endpoint in web_access.ENDPOINTS]
        + [
            "api:"
            + resolve(
                api_access.BASE + e.path.format(**dict.fromkeys(api_access.OBJECT_KEYS, 1))
            ).url_name
            for e in api_access.ENDPOINTS
        ]
    )
)


def _body(response) -> str:
    """The text of a response, streamed (exports) or not."""
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@pytest.mark.parametrize("route", NON_TENANT_ROUTES + TENANT_ROUTES)
def test_every_method_and_role_gets_the_promised_status(route, world):
    entries = _non_tenant_entries(world) if route in NON_TENANT_ROUTES else _tenant_entries(world)
    entries = [entry for entry in entries if entry.name == route]
    assert len(entries) == 1
    failures = []
    checked = 0
    for entry in entries:
        for method in METHODS:
            for role in ROLES:
                expected = _expected(entry, method, role)
                with transaction.atomic():
                    response = _request(entry, method, world["users"][role])
                    content = _body(response) if response.status_code == 200 else ""
                    transaction.set_rollback(True)  # every case starts from the same world
                checked += 1
                if response.status_code not in expected:
                    failures.append(
                        f"{method.upper()} {entry.url} as {role}: {response.status_code}, "
                        f"expected {sorted(expected)}"
                    )
                    continue
                if method == "get" and response.status_code == 200 and entry.name in LIST_ROUTES:
                    failures.extend(
                        f"{entry.url} as {role}: {text!r} missing"
                        for text in LIST_ROUTES[entry.name]
                        if text not in content
                    )
                    failures.extend(
                        f"{entry.url} as {role}: LEAKS {text!r}"
                        for text in HIDDEN
                        if text in content
                    )
    assert checked >= len(entries) * len(METHODS) * len(ROLES)
    assert not failures, "\n".join(failures)
