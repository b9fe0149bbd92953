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
