"""The workload list: only this organization's rows; search, filters, sorting, pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from tests.factories import ModelSpecFactory, WorkloadFactory


@pytest.fixture
def list_url(org):
    return reverse("workload-list", args=[org.slug])


def _names(response) -> list[str]:
    return [w.name for w in response.context["workloads"]]


def test_lists_this_organizations_workloads_and_not_anothers(
    client_for, org, other_org, viewer, list_url
):
    mine = WorkloadFactory(organization=org, name="Newsroom assistant")
    theirs = WorkloadFactory(organization=other_org, name="Fraud scoring")
    response = client_for(viewer).get(list_url)
    body = response.content.decode()
    assert _names(response) == ["Newsroom assistant"]
    assert reverse("workload-detail", args=[org.slug, mine.pk]) in body
    assert "Fraud scoring" not in body
    assert theirs.external_id not in body


def test_search_matches_name_external_id_and_owner_team(client_for, org, viewer, list_url):
    WorkloadFactory(organization=org, name="Subtitles", external_id="CMDB-7", owner_team="Post")
    WorkloadFactory(organization=org, name="Voice clone", external_id="CMDB-8", owner_team="Audio")
    WorkloadFactory(organization=org, name="Archive search", external_id="A-1", owner_team="Lib")
    client = client_for(viewer)
    assert _names(client.get(list_url, {"q": "subtit"})) == ["Subtitles"]
    assert _names(client.get(list_url, {"q": "cmdb-8"})) == ["Voice clone"]
    assert _names(client.get(list_url, {"q": "lib"})) == ["Archive search"]
    assert _names(client.get(list_url, {"q": "cmdb"})) == ["Subtitles", "Voice clone"]


def test_filters_by_kind_classification_model_residency_and_tag(client_for, org, viewer, list_url):
    llama = ModelSpecFactory(name="Llama test")
    WorkloadFactory(
        organization=org,
        name="A",
        kind="chat",
        model=llama,
        data_classification="restricted",
        residency_requirement="eu_eea",
        tags=["voice", "eu"],
    )
    WorkloadFactory(
        organization=org,
        name="B",
        kind="embeddings",
        data_classification="public",
        residency_requirement="none",
        tags=["archive"],
    )
    client = client_for(viewer)
    assert _names(client.get(list_url, {"kind": "embeddings"})) == ["B"]
    assert _names(client.get(list_url, {"data_classification": "restricted"})) == ["A"]
    assert _names(client.get(list_url, {"model": llama.pk})) == ["A"]
    assert _names(client.get(list_url, {"model": "null"})) == ["B"]
    assert _names(client.get(list_url, {"residency_requirement": "eu_eea"})) == ["A"]
    assert _names(client.get(list_url, {"tag": "archive"})) == ["B"]
    assert _names(client.get(list_url, {"tag": "eu"})) == ["A"]
    assert _names(client.get(list_url, {"tag": "e"})) == []  # whole tags, not substrings
    assert _names(client.get(list_url, {"kind": "chat", "tag": "archive"})) == []


def test_filters_by_personal_data(client_for, org, viewer, list_url):
    WorkloadFactory(organization=org, name="None")
    WorkloadFactory(organization=org, name="Personal", personal_data=True)
    WorkloadFactory(organization=org, name="Health", personal_data=True, special_category_data=True)
    client = client_for(viewer)
    assert _names(client.get(list_url, {"personal": "yes"})) == ["Health", "Personal"]
    assert _names(client.get(list_url, {"personal": "special"})) == ["Health"]
    assert _names(client.get(list_url, {"personal": "no"})) == ["None"]


def test_model_filter_offers_no_model_of_another_organization(
    client_for, org, other_org, viewer, list_url
):
    ModelSpecFactory(organization=other_org, name="Mallory private model")
    ModelSpecFactory(organization=org, name="Alice private model")
    body = client_for(viewer).get(list_url).content.decode()
    assert "Alice private model" in body
    assert "Mallory private model" not in body


def test_another_organizations_model_as_filter_is_refused(
    client_for, org, other_org, viewer, list_url
):
    theirs = ModelSpecFactory(organization=other_org, name="Mallory private model")
    WorkloadFactory(organization=org, name="A")
    response = client_for(viewer).get(list_url, {"model": theirs.pk})
    assert _names(response) == []
    assert "Select a valid choice" in response.content.decode()


def test_sorting_by_column_headers(client_for, org, viewer, list_url):
    WorkloadFactory(organization=org, name="Beta", requests_per_day=10, kind="training")
    WorkloadFactory(organization=org, name="Alpha", requests_per_day=30, kind="batch")
    WorkloadFactory(organization=org, name="Gamma", requests_per_day=20, kind="chat")
    client = client_for(viewer)
    assert _names(client.get(list_url)) == ["Alpha", "Beta", "Gamma"]
    assert _names(client.get(list_url, {"sort": "-name"})) == ["Gamma", "Beta", "Alpha"]
    assert _names(client.get(list_url, {"sort": "requests_per_day"})) == ["Beta", "Gamma", "Alpha"]
    assert _names(client.get(list_url, {"sort": "-requests_per_day"})) == [
        "Alpha",
        "Gamma",
        "Beta",
    ]
    assert _names(client.get(list_url, {"sort": "kind"})) == ["Alpha", "Gamma", "Beta"]


def test_column_heading_toggles_the_order_and_keeps_filters(client_for, org, viewer, list_url):
    WorkloadFactory(organization=org)
    response = client_for(viewer).get(
        list_url, {"kind": "chat", "sort": "requests_per_day", "page": "1"}
    )
    heading = response.context["headings"]["requests_per_day"]
    assert heading.aria_sort == "ascending"
    query = parse_qs(urlparse(heading.url).query)
    assert query == {"kind": ["chat"], "sort": ["-requests_per_day"]}
    assert 'aria-sort="ascending"' in response.content.decode()
    assert response.context["headings"]["name"].aria_sort == "none"


def test_pages_of_fifty_keep_the_query_string(client_for, org, viewer, list_url):
    for number in range(120):
        WorkloadFactory(organization=org, name=f"W{number:03d}", kind="chat")
    WorkloadFactory(organization=org, name="Not chat", kind="training")
    client = client_for(viewer)
    first = client.get(list_url, {"kind": "chat", "sort": "-name"})
    assert _names(first)[:2] == ["W119", "W118"]
    assert len(_names(first)) == 50
    assert first.context["page_obj"].paginator.count == 120
    body = first.content.decode()
    assert 'href="?kind=chat&amp;sort=-name&amp;page=2"' in body
    third = client.get(list_url, {"kind": "chat", "sort": "-name", "page": 3})
    assert _names(third) == [f"W{n:03d}" for n in range(19, -1, -1)]
    assert client.get(list_url, {"page": 9}).status_code == 404


def test_empty_inventory_shows_the_call_to_action(client_for, org, analyst, list_url):
    body = client_for(analyst).get(list_url).content.decode()
    assert "The inventory is empty" in body
    assert reverse("import-upload", args=[org.slug]) in body


def test_no_match_offers_to_clear_the_filters(client_for, org, viewer, list_url):
    WorkloadFactory(organization=org, name="Alpha")
    body = client_for(viewer).get(list_url, {"q": "zzz"}).content.decode()
    assert "No workload matches these filters" in body


def test_viewers_see_no_write_buttons(client_for, org, viewer, list_url):
    WorkloadFactory(organization=org)
    body = client_for(viewer).get(list_url).content.decode()
    assert reverse("workload-create", args=[org.slug]) not in body
    assert reverse("workload-export-csv", args=[org.slug]) in body


@pytest.mark.parametrize("rows", [2, 50])
def test_query_count_does_not_grow_with_rows(
    rows, client_for, org, viewer, list_url, django_assert_max_num_queries
):
    spec = ModelSpecFactory(name="Shared model")
    for number in range(rows):
        WorkloadFactory(organization=org, model=spec if number % 2 else None, tags=["x"])
    client = client_for(viewer)
    # session, user, membership, filter's model choices, count, page, switcher memberships
    with django_assert_max_num_queries(7):
        response = client.get(list_url, {"sort": "model"})
    assert len(response.context["workloads"]) == rows
