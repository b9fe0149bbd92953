"""The workload list: filters, search, ordering, and pages that stay fast and exact."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.api import pagination
from portal.models import Workload
from tests.factories import ModelSpecFactory, WorkloadFactory
from tests.portal.api.conftest import error_fields

URL = "/api/v1/orgs/alice-media/workloads/"


@pytest.fixture
def inventory(org, other_org):
    llama = ModelSpecFactory(organization=None, name="Llama 3.1 70B")
    whisper = ModelSpecFactory(organization=org, name="Whisper large-v3")
    rows = {
        "chat": WorkloadFactory(
            organization=org, external_id="A-1", name="Newsroom assistant", kind="chat",
            model=llama, owner_team="Newsroom", data_classification="internal",
            requests_per_day=50_000, tags=["editorial", "gpu"],
        ),
        "speech": WorkloadFactory(
            organization=org, external_id="A-2", name="Voice archive", kind="speech",
            model=whisper, owner_team="Archive", data_classification="restricted",
            personal_data=True, special_category_data=True, residency_requirement="eu_eea",
            requests_per_day=300, tags=["archive"],
        ),
        "render": WorkloadFactory(
            organization=org, external_id="A-3", name="Trailer renders", kind="image_video",
            model=None, owner_team="Studio", data_classification="confidential",
            requests_per_day=0, avg_input_tokens=0, tags=[],
        ),
        "theirs": WorkloadFactory(
            organization=other_org, external_id="M-1", name="Newsroom fraud check", kind="chat",
            model=llama, tags=["editorial"],
        ),
    }  # fmt: skip
    return rows


def _external_ids(client, query: str = "") -> list[str]:
    response = client.get(URL + query)
    assert response.status_code == 200, response.content
    return [row["external_id"] for row in response.json()["results"]]


def test_lists_only_the_organizations_workloads_by_name(client_as, inventory, viewer):
    response = client_as("viewer").get(URL)
    body = response.json()
    assert body["count"] == 3
    assert body["next"] is None and body["previous"] is None
    assert [row["name"] for row in body["results"]] == [
        "Newsroom assistant",
        "Trailer renders",
        "Voice archive",
    ]
    assert "fraud" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?kind=speech", ["A-2"]),
        ("?data_classification=confidential", ["A-3"]),
        ("?residency_requirement=eu_eea", ["A-2"]),
        ("?personal_data=true", ["A-2"]),
        ("?personal_data=false", ["A-1", "A-3"]),
        ("?special_category_data=1", ["A-2"]),
        ("?model=llama%203.1%2070b", ["A-1"]),
        ("?has_model=false", ["A-3"]),
        ("?tag=editorial", ["A-1"]),
        ("?tag=archive", ["A-2"]),
        ("?external_id=A-3", ["A-3"]),
        ("?owner_team=Archive", ["A-2"]),
        ("?search=newsroom", ["A-1"]),
        ("?search=A-2", ["A-2"]),
        ("?search=studio", ["A-3"]),
        ("?ordering=-requests_per_day", ["A-1", "A-2", "A-3"]),
        ("?ordering=requests_per_day", ["A-3", "A-2", "A-1"]),
        ("?ordering=-external_id", ["A-3", "A-2", "A-1"]),
        ("?kind=chat&tag=gpu&personal_data=false", ["A-1"]),
    ],
)
def test_filters_search_and_ordering(client_as, inventory, viewer, query, expected):
    assert _external_ids(client_as("viewer"), query) == expected


def test_filter_by_model_id_and_update_time(client_as, inventory, viewer):
    client = client_as("viewer")
    speech = inventory["speech"]
    assert _external_ids(client, f"?model_id={speech.model_id}") == ["A-2"]
    past = timezone.now() - timedelta(days=2)
    Workload.objects.for_organization(speech.organization).filter(pk=speech.pk).update(
        updated_at=past
    )
    since = (past + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert _external_ids(client, f"?updated_after={since}") == ["A-1", "A-3"]
    assert _external_ids(client, f"?updated_before={since}") == ["A-2"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?kind=quantum", "kind"),
        ("?personal_data=maybe", "personal_data"),
        ("?updated_after=yesterday", "updated_after"),
        ("?model_id=abc", "model_id"),
        ("?external_id=A%00", "external_id"),
    ],
)
def test_bad_filter_values_are_400_naming_the_parameter(client_as, inventory, viewer, query, field):
    response = client_as("viewer").get(URL + query)
    assert response.status_code == 400
    assert error_fields(response) == [field]


def test_a_page_past_the_end_is_404(client_as, inventory, viewer):
    response = client_as("viewer").get(URL + "?page=9")
    assert response.status_code == 404
    assert response.json()["errors"] == []


def _make_workloads(org, count: int) -> None:
    WorkloadFactory.create_batch(count, organization=org, model=ModelSpecFactory(organization=None))


@pytest.mark.parametrize("page_size", [2, 50])
def test_list_queries_do_not_grow_with_rows(
    client_as, org, viewer, django_assert_max_num_queries, page_size
):
    """GIVEN 2 and then 50 workloads WHEN a page of them is listed THEN the same query count."""
    client = client_as("viewer")
    _make_workloads(org, 2)
    with django_assert_max_num_queries(3):
        client.get(f"{URL}?page_size={page_size}")
    _make_workloads(org, 48)
    with django_assert_max_num_queries(3):
        response = client.get(f"{URL}?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


def test_deferred_join_pages_match_plain_pages(client_as, org, viewer, monkeypatch):
    """Pages fetched id-first must hold the same rows in the same order as plain OFFSET pages."""
    _make_workloads(org, 23)
    for workload in Workload.objects.for_organization(org)[:6]:  # ties on name and on demand
        workload.name = "Same name"
        workload.requests_per_day = 5
        workload.save()
    client = client_as("viewer")
    for ordering in ("", "&ordering=-requests_per_day", "&ordering=updated_at", "&search=Same"):
        monkeypatch.setattr(pagination, "DEFERRED_JOIN_MIN_OFFSET", 10**9)
        plain = [client.get(f"{URL}?page_size=4&page={n}{ordering}").json() for n in range(1, 7)]
        monkeypatch.setattr(pagination, "DEFERRED_JOIN_MIN_OFFSET", 0)
        deferred = [client.get(f"{URL}?page_size=4&page={n}{ordering}").json() for n in range(1, 7)]
        assert deferred == plain, ordering


def test_deferred_join_query_count_is_constant(
    client_as, org, viewer, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_MIN_OFFSET", 0)
    _make_workloads(org, 30)
    client = client_as("viewer")
    for page_size in (2, 25):
        with django_assert_max_num_queries(4):  # membership, count, page ids, rows
            response = client.get(f"{URL}?page_size={page_size}&page=2")
        assert len(response.json()["results"]) == min(page_size, 30 - page_size)


def test_pages_link_to_each_other(client_as, org, viewer):
    _make_workloads(org, 5)
    body = client_as("viewer").get(URL + "?page_size=2&page=2").json()
    assert body["count"] == 5
    assert body["next"].endswith("page=3&page_size=2")
    assert body["previous"].endswith("/workloads/?page_size=2")


def test_page_size_is_capped_at_1000(client_as, org, viewer):
    _make_workloads(org, 3)
    body = client_as("viewer").get(URL + "?page_size=5000").json()
    assert len(body["results"]) == 3


def test_decimals_are_numbers(client_as, org, viewer):
    WorkloadFactory(organization=org, peak_factor=Decimal("2.75"), gpu_hours_per_month=None)
    row = client_as("viewer").get(URL).json()["results"][0]
    assert row["peak_factor"] == 2.75
    assert row["gpu_hours_per_month"] is None
