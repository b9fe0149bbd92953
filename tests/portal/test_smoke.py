"""The project boots against the real PostgreSQL and scopes tenant queries."""

import pytest

from portal.models import Workload
from portal.models.tenancy import UnscopedQueryError
from tests.factories import WorkloadFactory


def test_unscoped_workload_query_fails_closed(db):
    with pytest.raises(UnscopedQueryError):
        list(Workload.objects.all())


def test_for_organization_returns_only_that_organizations_rows(org, other_org):
    mine = WorkloadFactory(organization=org)
    theirs = WorkloadFactory(organization=other_org)
    visible = set(Workload.objects.for_organization(org))
    assert mine in visible
    assert theirs not in visible
