"""Another organization's assessments and runs answer 404 on every route, and leak nothing."""

from __future__ import annotations

import pytest

from assessments.models import Assessment, AssessmentRun, ReportEmail
from tests.assessments.api.conftest import BASE

pytestmark = pytest.mark.django_db

# (method, path, body): {assessment}, {run} and {other} are mallory's unless said otherwise.
ROUTES = [
    ("get", "/assessments/{assessment}/", None),
    ("put", "/assessments/{assessment}/", {"name": "Hijacked"}),
    ("patch", "/assessments/{assessment}/", {"name": "Hijacked"}),
    ("delete", "/assessments/{assessment}/", None),
    ("get", "/assessments/{assessment}/runs/", None),
    ("post", "/assessments/{assessment}/runs/", None),
    ("get", "/runs/{run}/", None),
    ("get", "/runs/{run}/results/", None),
    ("get", "/runs/{run}/snapshot/", None),
    ("get", "/runs/{run}/report.pdf", None),
    ("get", "/runs/{run}/results.xlsx", None),
    ("get", "/runs/{run}/emails/", None),
    ("post", "/runs/{run}/emails/", {"recipients": ["mallory@example.org"]}),
    ("get", "/runs/{run}/compare/{mine}/", None),
    ("get", "/runs/{mine}/compare/{run}/", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_another_organizations_ids_are_not_found(api_as, owner, world, method, path, body):
    """GIVEN mallory's assessment and run WHEN alice's owner names them THEN 404, nothing told."""
    ids = {
        "assessment": world["other_assessment"].pk,
        "run": world["other_run"].pk,
        "mine": world["run"].pk,
    }
    response = getattr(api_as(owner), method)(BASE + path.format(**ids), body, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "errors": []}
    theirs = world["other_assessment"]
    assert Assessment.objects.for_organization(theirs.organization).get().name == theirs.name
    assert AssessmentRun.objects.for_organization(theirs.organization).count() == 1
    assert ReportEmail.objects.for_organization(theirs.organization).count() == 1


def test_lists_show_alices_rows_and_never_mallorys(api_as, viewer, world):
    client = api_as(viewer)
    assessments = client.get(f"{BASE}/assessments/").content.decode()
    runs = client.get(f"{BASE}/runs/").content.decode()
    assert "Alice visible assessment" in assessments and "Alice visible assessment" in runs
    assert "Mallory secret assessment" not in assessments + runs
