"""The API answers in its own JSON shape whatever is asked: odd methods, odd values, no route."""

from __future__ import annotations

import pytest

from tests.factories import WorkloadFactory

BASE = "/api/v1/orgs/alice-media"


def test_options_on_a_view_without_a_serializer_says_what_it_takes(client_as):
    """OPTIONS on scenario evaluation (a document, no serializer) raised an AssertionError."""
    response = client_as("viewer").options(f"{BASE}/scenarios/evaluate/")

    assert response.status_code == 200
    assert response.json()["allowed_methods"] == ["POST", "OPTIONS"]
    assert response.json()["schema"].endswith("/api/schema/")


@pytest.mark.parametrize(
    "path", [f"{BASE}/nothing-here/", "/api/v1/nope/", f"{BASE}/workloads/999999/x/"]
)
def test_a_path_no_route_serves_answers_json_404(client_as, path):
    response = client_as("viewer").get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "errors": []}


def test_a_page_no_route_serves_stays_an_html_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_instant_with_an_offset_postgresql_cannot_store_is_compared_in_utc(client_as, org):
    """``0092-01-02T04:55:16+16:10`` answered 500 (PostgreSQL refuses a +16:10 offset): it is
    0092-01-01T12:45:16Z, before every workload."""
    WorkloadFactory(organization=org, external_id="WL-1")
    response = client_as("viewer").get(
        f"{BASE}/workloads/", {"updated_after": "0092-01-02T04:55:16+16:10"}
    )

    assert response.status_code == 200
    assert [row["external_id"] for row in response.json()["results"]] == ["WL-1"]


def test_an_instant_that_leaves_the_calendar_in_utc_is_refused(client_as):
    response = client_as("viewer").get(
        f"{BASE}/workloads/", {"updated_before": "0001-01-01T00:00:00+05:00"}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "updated_before"


def test_an_unknown_query_parameter_is_named_not_ignored(client_as, org):
    """``?kindd=chat`` used to return every workload, as if filtered."""
    WorkloadFactory(organization=org, external_id="WL-1")
    response = client_as("viewer").get(f"{BASE}/workloads/", {"kindd": "chat", "page": 1})

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "kindd"
    assert "known: " in error["message"] and "kind" in error["message"]


def test_known_list_parameters_still_pass(client_as, org):
    WorkloadFactory(organization=org, external_id="WL-1", kind="chat")
    response = client_as("viewer").get(
        f"{BASE}/workloads/",
        {"kind": "chat", "search": "WL", "ordering": "-created_at", "page": 1, "format": "json"},
    )

    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page_size": "abc"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": ["2", "3"]}, "page_size"),
        ({"page": ""}, "page"),
        ({"page": "last"}, "page"),
        ({"page": "+1"}, "page"),
    ],
)
def test_a_page_or_page_size_that_is_not_a_whole_number_is_refused_naming_it(
    client_as, org, query, field
):
    """``page_size=abc`` (or 0, or given twice) answered 200 with 50 rows, as if asked for."""
    WorkloadFactory(organization=org)
    response = client_as("viewer").get(f"{BASE}/workloads/", query)

    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [field]


@pytest.mark.parametrize("page_size", ["5000", "9" * 5000])
def test_a_page_size_above_the_largest_gives_the_largest_page(client_as, org, page_size):
    WorkloadFactory(organization=org)
    response = client_as("viewer").get(f"{BASE}/workloads/", {"page_size": page_size})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
    far = client_as("viewer").get(f"{BASE}/workloads/", {"page": page_size})
    assert far.status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"kind": ["chat", "batch"]}, "Give this parameter once."),
        ({"residency_requirement": ""}, "Empty: give a value, or leave the parameter out."),
        ({"external_id": ""}, "Empty: give a value, or leave the parameter out."),
    ],
)
def test_a_filter_given_twice_or_empty_is_refused_not_dropped(client_as, org, query, message):
    """``?residency_requirement=`` returned every workload (django-filter drops an empty
    filter), and ``?kind=chat&kind=batch`` only the batch ones."""
    WorkloadFactory(organization=org, kind="chat")
    WorkloadFactory(organization=org, kind="batch")
    response = client_as("viewer").get(f"{BASE}/workloads/", query)

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["field"], error["message"]) == (next(iter(query)), message)


def test_an_empty_search_or_ordering_still_means_none(client_as, org):
    WorkloadFactory(organization=org)
    response = client_as("viewer").get(f"{BASE}/workloads/", {"search": "", "ordering": ""})

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_who_did_it_is_null_once_no_one_is_known(client_as, org, other_org):
    """An assessment, catalog version or run answered ``null`` where the schema said string or
    integer: the user was deleted (``SET_NULL``), or the catalog was not copied from another."""
    from costing.models import Catalog
    from tests.assessments.world import world_assessments
    from tests.costing.catalog_data import private_draft

    world = world_assessments(org, other_org, user=None)
    catalog, _ = private_draft(org)
    client = client_as("viewer")

    assessment = client.get(f"{BASE}/assessments/{world['assessment'].pk}/").json()
    run = client.get(f"{BASE}/runs/{world['run'].pk}/").json()
    catalog = client.get(f"{BASE}/catalogs/{Catalog.objects.for_organization(org).get().pk}/")
    assert (assessment["created_by"], run["requested_by"]) == (None, None)
    assert catalog.json()["based_on"] is None


def test_an_empty_model_means_no_model_as_the_schema_says(client_as, org):
    """The schema said ``model`` has at least one character, while ``""`` is accepted as no
    model (an import's empty cell reads the same)."""
    body = {"external_id": "WL-9", "name": "Batch", "kind": "batch", "model": ""}
    response = client_as("analyst").post(f"{BASE}/workloads/", body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["model"] is None
