"""The tenancy core: managers fail closed, the scoped bases cannot be bypassed, escapes are few."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.views.generic import ListView

from portal.models import ModelSpec, Workload, WorkloadImport
from portal.models.tenancy import UnscopedQueryError
from portal.tenancy import OrgScopedView, OrgScopedViewSet
from tests.factories import ModelSpecFactory, WorkloadFactory

ROOT = Path(__file__).resolve().parents[2]

# The only modules allowed to reach tenant rows without naming an organization, and why.
UNSCOPED_ALLOWED = {
    "portal/admin.py": "the Django admin is for staff across organizations",
    "portal/services/model_specs.py": "seeds the public specs, which belong to no organization",
    "portal/services/workloads.py": "bulk write; every row carries the caller's organization",
    "portal/tenancy.py": "schema generation lists no data (returns .none())",
    "portal/models/tenancy.py": "defines the managers",
    "portal/models/modelspec.py": "defines the managers",
    "portal/models/invitation.py": "defines the managers; an invitee finds theirs by its secret",
    "portal/models/audit.py": "defines the managers",
    "costing/admin.py": "the Django admin is for staff across organizations",
    "costing/services/public_catalog.py": "seeds the public catalog, owned by no organization",
    "costing/services/feed_sync.py": "creates a feed's unknown provider in the catalog's scope, "
    "which is the public one (no organization) or the importing organization's",
    "costing/models/catalog.py": "defines the managers",
    "costing/models/offers.py": "defines the managers",
    "costing/models/figures.py": "defines the managers",
    "costing/models/provider.py": "defines the managers",
    "assessments/services/runs.py": "the stale-run watchdog looks at every organization's runs",
    "assessments/services/outbox.py": "the outbox sweeper queues every organization's waiting rows",
}
UNSCOPED_PATTERN = re.compile(r"dangerously_unscoped|_default_manager|\.unscoped\(\)")


@pytest.mark.parametrize("model", [Workload, WorkloadImport, ModelSpec])
def test_unscoped_queries_raise(db, model):
    with pytest.raises(UnscopedQueryError):
        list(model.objects.all())
    with pytest.raises(UnscopedQueryError):
        model.objects.filter(pk=1).exists()


def test_scoping_to_no_organization_raises(db):
    with pytest.raises(UnscopedQueryError):
        Workload.objects.for_organization(None)


def test_workloads_of_one_organization_only(org, other_org):
    mine = WorkloadFactory(organization=org)
    theirs = WorkloadFactory(organization=other_org)
    visible = set(Workload.objects.for_organization(org))
    assert mine in visible
    assert theirs not in visible


def test_model_specs_show_public_and_own_but_not_others(org, other_org):
    public = ModelSpecFactory(organization=None, name="Public")
    own = ModelSpecFactory(organization=org, name="Own")
    theirs = ModelSpecFactory(organization=other_org, name="Theirs")
    visible = set(ModelSpec.objects.for_organization(org))
    assert {public, own} <= visible
    assert theirs not in visible


def test_create_in_sets_the_organization(org, owner):
    staged = WorkloadImport.objects.create_in(org, filename="x.csv", content=b"x")
    assert staged.organization_id == org.pk
    with pytest.raises(UnscopedQueryError):
        WorkloadImport.objects.create_in(None, filename="x.csv", content=b"x")


@pytest.mark.parametrize("hook", ["get_queryset", "get_object", "dispatch"])
def test_a_tenant_page_cannot_override_the_scoping(hook):
    with pytest.raises(TypeError, match="scoped_queryset"):
        type("Sneaky", (OrgScopedView, ListView), {hook: lambda self, *a, **k: None})


@pytest.mark.parametrize("hook", ["get_queryset", "get_object", "initial"])
def test_a_tenant_viewset_cannot_override_the_scoping(hook):
    with pytest.raises(TypeError, match="scoped_queryset"):
        type("Sneaky", (OrgScopedViewSet,), {hook: lambda self, *a, **k: None})


def test_only_the_listed_modules_reach_tenant_rows_unscoped():
    offenders = {}
    for path in (
        sorted((ROOT / "portal").rglob("*.py"))
        + sorted((ROOT / "costing").rglob("*.py"))
        + sorted((ROOT / "assessments").rglob("*.py"))
    ):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative or "/management/commands/" in relative:
            continue
        if UNSCOPED_PATTERN.search(path.read_text()) and relative not in UNSCOPED_ALLOWED:
            offenders[relative] = UNSCOPED_PATTERN.findall(path.read_text())
    assert offenders == {}, "reach tenant rows through for_organization(org) instead"
