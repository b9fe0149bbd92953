"""The API contract under fuzzing: every operation of the OpenAPI schema the app serves, driven
through the WSGI app as a token user of an organization with data, answers no 500, no status
the schema does not list, no body or content type it does not describe, and refuses requests
that break the schema."""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import CoverageScenario

from assessments.models import AssessmentRun
from portal.models import Membership, Role
from portal.services.tokens import api_token_create
from portal.wsgi import application
from tests.assessments.world import world_assessments
from tests.costing.catalog_data import eur_usd_rate, world_catalogs
from tests.factories import (
    InvitationFactory,
    MembershipFactory,
    ModelSpecFactory,
    OrganizationFactory,
    UserFactory,
    WorkloadFactory,
)

ORG_SLUG = "alice-media"

CONFIG = schemathesis.Config.from_dict(
    {
        # Bounded and reproducible: the same few cases per operation on every run (about 30 s
        # for all of them on two cores; the seeded world takes about 15 s more, once).
        "seed": 20261125,
        "generation": {
            "max-examples": 8,
            "deterministic": True,
            "mode": "all",
            "database": "none",
        },
        # The coverage phase sends hundreds of boundary cases per operation: minutes, not
        # seconds. Stateful links are not declared.
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            "negative_data_rejection": {"enabled": True},
        },
    }
)

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)

# Ids of the seeded objects, by the path segment that names them; filled by ``seeded``.
_IDS: dict[str, list[int]] = {}
_SEGMENT = {"compare": "runs"}


@schema.hook
def map_path_parameters(context, path_parameters):
    """The user's organization, and mostly ids of its objects (else every case is a 404)."""
    if not path_parameters:
        return path_parameters
    mapped = dict(path_parameters)
    for name, value in path_parameters.items():
        if name == "org_slug":
            mapped[name] = ORG_SLUG
            continue
        found = re.search(rf"([a-z-]+)/\{{{name}\}}", context.operation.path)
        if not found or isinstance(value, bool) or not isinstance(value, int):
            continue
        pool = _IDS.get(_SEGMENT.get(found.group(1), found.group(1)), [])
        # One generated id in four is kept: it names nothing here, or another organization's.
        if pool and value % 4 != 3:
            mapped[name] = pool[value % len(pool)]
    return mapped


@schema.hook
def filter_failure(context, failure, case, response):
    """Keep every failure but a JSON scalar of another type accepted in a body.

    DRF reads ``"5"`` as 5, ``1`` or ``"true"`` as true and ``5`` as ``"5"``, and bulk rows
    go through the import cleaner, which reads spreadsheet cells the same way (null as an
    empty cell): that leniency is the API's, documented by DRF and relied on by clients and
    tests, not a schema the app ignores. A value of the right type that the schema refuses
    (out of range, not in an enum, too long, unknown key) is still a failure, and so is any
    query or path parameter."""
    if not isinstance(failure, AcceptedNegativeData) or case.meta is None:
        return True
    data = case.meta.phase.data
    if getattr(data, "scenario", None) == CoverageScenario.INCORRECT_TYPE:
        return data.parameter_location != ParameterLocation.BODY
    mutations = getattr(data, "mutations", None) or ()
    return not mutations or not all(
        mutation.parameter_location == ParameterLocation.BODY
        and mutation.keywords == ("type",)
        and isinstance(mutation.new_value, str | int | float | None)
        for mutation in mutations
    )


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Alice's organization with workloads, catalogs, assessments and finished runs, seeded
    once for the module in a transaction rolled back at its end; each operation's test runs in
    a savepoint of it, as in Django's ``TestCase.setUpTestData``."""
    # The WSGI handler closes the database connection after each request, which would end
    # the transaction: Django's own test client disconnects the same receiver.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            ids, headers = _seed()
            _IDS.update(ids)
            yield headers
            transaction.set_rollback(True)
    finally:
        _IDS.clear()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _seed() -> tuple[dict[str, list[int]], dict[str, str]]:
    org = OrganizationFactory(name="Alice Media", slug=ORG_SLUG, country="FR")
    other_org = OrganizationFactory(name="Mallory Bank", slug="mallory-bank", country="DE")
    owner, analyst = UserFactory(username="olivia"), UserFactory(username="alice")
    MembershipFactory(organization=org, user=owner, role=Role.OWNER)
    MembershipFactory(organization=org, user=analyst, role=Role.ANALYST)
    MembershipFactory(organization=org, role=Role.VIEWER)
    MembershipFactory(organization=other_org, role=Role.OWNER)
    catalogs = world_catalogs(org, other_org)
    assessments = world_assessments(org, other_org, user=analyst)
    eur_usd_rate()
    spec = ModelSpecFactory(organization=org, name="Alice fine-tune")
    workloads = [
        WorkloadFactory(organization=org, model=spec, tags=["voice", "eu"]),
        WorkloadFactory(organization=org, kind="batch", gpu_hours_per_month=120),
        WorkloadFactory(organization=other_org),
    ]
    invitations = [
        InvitationFactory(organization=org, role=Role.ANALYST),
        InvitationFactory(organization=other_org),
    ]
    members = Membership.objects.filter(organization=org).order_by("pk")
    ids = {
        "catalogs": [catalogs["catalog"].pk, catalogs["public_catalog"].pk],
        "cloud-gpu-offers": [catalogs["cloud_offer"].pk],
        "api-offers": [catalogs["api_offer"].pk],
        "server-offers": [catalogs["server_offer"].pk],
        "providers": [catalogs["provider"].pk],
        "gpu-specs": [catalogs["own_gpu"].pk, catalogs["gpu_spec"].pk],
        "model-specs": [spec.pk],
        "workloads": [workload.pk for workload in workloads],
        "assessments": [assessments["assessment"].pk, assessments["other_assessment"].pk],
        "runs": [run.pk for run in AssessmentRun.objects.for_organization(org).order_by("pk")],
        "members": list(members.values_list("pk", flat=True)),
        "invitations": [invitation.pk for invitation in invitations],
    }
    _, secret = api_token_create(user=owner, name="Contract fuzzing", expires_in_days=1)
    return ids, {"Authorization": f"Token {secret}"}


@pytest.fixture
def token_headers(seeded, db):
    """The owner's token; what an operation's cases change is undone after them."""
    return seeded


@schema.parametrize()
# An operation's cases share its savepoint, as one client's calls would share the data.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_operation_keeps_the_contract(case, token_headers):
    case.call_and_validate(headers=token_headers)
