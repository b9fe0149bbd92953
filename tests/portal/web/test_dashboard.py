"""The dashboard sums up the organization's own inventory, and invites to start one."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import WorkloadFactory


def test_dashboard_summarises_only_this_organizations_workloads(client_for, org, other_org, viewer):
    WorkloadFactory(
        organization=org,
        kind="chat",
        requests_per_day=1000,
        avg_input_tokens=1500,
        avg_output_tokens=500,
        data_classification="confidential",
        personal_data=True,
    )
    WorkloadFactory(
        organization=org,
        kind="chat",
        requests_per_day=200,
        avg_input_tokens=100,
        avg_output_tokens=100,
        data_classification="restricted",
        personal_data=True,
        special_category_data=True,
    )
    WorkloadFactory(
        organization=org,
        kind="speech",
        requests_per_day=0,
        avg_input_tokens=0,
        avg_output_tokens=0,
        data_classification="internal",
    )
    WorkloadFactory(organization=other_org, requests_per_day=999_999, personal_data=True)

    response = client_for(viewer).get(reverse("dashboard", args=[org.slug]))
    summary = response.context["summary"]
    assert summary.total == 3
    assert summary.requests_per_day == 1200
    assert summary.tokens_per_day == 1000 * 2000 + 200 * 200
    assert summary.with_personal_data == 2
    assert summary.with_special_category_data == 1
    assert summary.by_kind == [
        ("chat", "Chat / completion inference", 2),
        ("speech", "Speech / audio", 1),
    ]
    assert [(v, n) for v, _, n in summary.by_classification] == [
        ("internal", 1),
        ("confidential", 1),
        ("restricted", 1),
    ]
    body = response.content.decode()
    assert "1,200" in body
    assert "2,040,000" in body  # tokens per day, in the title of the rounded figure
    assert "No workloads in the inventory yet" not in body


def test_huge_inventories_do_not_overflow_the_token_sum(client_for, org, viewer):
    for _ in range(2):
        WorkloadFactory(
            organization=org,
            requests_per_day=100_000_000_000,
            avg_input_tokens=10_000_000,
            avg_output_tokens=1_000_000,
        )
    response = client_for(viewer).get(reverse("dashboard", args=[org.slug]))
    assert response.context["summary"].tokens_per_day == 2 * 100_000_000_000 * 11_000_000


def test_empty_dashboard_invites_analysts_to_add_or_import(client_for, org, analyst):
    body = client_for(analyst).get(reverse("dashboard", args=[org.slug])).content.decode()
    assert "No workloads in the inventory yet" in body
    assert f'href="{reverse("workload-create", args=[org.slug])}"' in body
    assert f'href="{reverse("import-upload", args=[org.slug])}"' in body


def test_empty_dashboard_tells_viewers_who_can_add(client_for, org, viewer):
    body = client_for(viewer).get(reverse("dashboard", args=[org.slug])).content.decode()
    assert "No workloads in the inventory yet" in body
    assert f'href="{reverse("workload-create", args=[org.slug])}"' not in body
    assert "analyst, admin or owner" in body
