"""``/api/v1/orgs/``: the caller's organizations with their role; one organization's settings."""

from __future__ import annotations

from decimal import Decimal

from portal.models import Organization, Role
from tests.factories import MembershipFactory, OrganizationFactory
from tests.portal.api.conftest import error_fields


def test_lists_only_my_organizations_with_my_role(client_as, org, other_org, analyst):
    third = OrganizationFactory(name="Bob Films", slug="bob-films", country="BE", currency="EUR")
    MembershipFactory(organization=third, user=analyst, role=Role.OWNER)

    response = client_as("analyst").get("/api/v1/orgs/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["results"] == [
        {"slug": "alice-media", "name": "Alice Media", "country": "FR", "currency": "EUR",
         "role": "analyst"},
        {"slug": "bob-films", "name": "Bob Films", "country": "BE", "currency": "EUR",
         "role": "owner"},
    ]  # fmt: skip
    assert "mallory-bank" not in response.content.decode()


def test_organization_list_queries_do_not_grow_with_memberships(
    client_as, analyst, django_assert_max_num_queries
):
    client = client_as("analyst")
    with django_assert_max_num_queries(2):
        client.get("/api/v1/orgs/")
    for index in range(30):
        organization = OrganizationFactory(slug=f"extra-{index}")
        MembershipFactory(organization=organization, user=analyst, role=Role.VIEWER)
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/orgs/?page_size=50")
    assert response.json()["count"] == 31


def test_any_member_reads_the_organization(client_as, org):
    response = client_as("viewer").get("/api/v1/orgs/alice-media/")
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "alice-media"
    assert body["country"] == "FR"
    assert body["discount_rate_pct"] == "8.00"
    assert body["horizon_years"] == 5
    assert body["pue"] == "1.40"


def test_admin_changes_assumptions(client_as, org):
    response = client_as("admin").patch(
        "/api/v1/orgs/alice-media/",
        {"discount_rate_pct": "6.5", "horizon_years": 7, "country": "DE", "currency": "CHF"},
        format="json",
    )
    assert response.status_code == 200, response.content
    org.refresh_from_db()
    assert org.discount_rate_pct == Decimal("6.50")
    assert org.horizon_years == 7
    assert org.country == "DE"
    assert org.currency == "CHF"
    assert response.json()["discount_rate_pct"] == "6.50"


def test_the_slug_is_read_only(client_as, org):
    response = client_as("owner").patch(
        "/api/v1/orgs/alice-media/", {"slug": "renamed", "name": "Alice Studios"}, format="json"
    )
    assert response.status_code == 200
    assert Organization.objects.get(pk=org.pk).slug == "alice-media"
    assert response.json()["name"] == "Alice Studios"


def test_invalid_settings_name_the_field(client_as, org):
    client = client_as("admin")
    cases = [
        ({"horizon_years": 40}, "horizon_years"),
        ({"horizon_years": "five"}, "horizon_years"),
        ({"pue": "0.5"}, "pue"),
        ({"currency": "XXX"}, "currency"),
        ({"country": "Atlantis"}, "country"),
        ({"name": "x" * 121}, "name"),
        ({"name": "A\x00B"}, "name"),
        ({"colour": "blue"}, "colour"),
    ]
    for body, field in cases:
        response = client.patch("/api/v1/orgs/alice-media/", body, format="json")
        assert response.status_code == 400, body
        assert error_fields(response) == [field], body
        assert field in response.json()["detail"]
    org.refresh_from_db()
    assert org.horizon_years == 5


def test_put_needs_the_required_fields(client_as, org):
    response = client_as("admin").put("/api/v1/orgs/alice-media/", {"name": "X"}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == ["country"]
    assert response.json()["errors"][0]["code"] == "required"


def test_a_body_that_is_not_an_object_is_refused(client_as, org):
    response = client_as("admin").patch("/api/v1/orgs/alice-media/", [1, 2], format="json")
    assert response.status_code == 400
    assert error_fields(response) == [None]


def test_malformed_json_is_a_400_in_the_error_shape(client_as, org):
    response = client_as("admin").generic(
        "PATCH", "/api/v1/orgs/alice-media/", b'{"name": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert response.json()["errors"] == []


def test_form_bodies_are_not_accepted(client_as, org):
    response = client_as("admin").patch(
        "/api/v1/orgs/alice-media/", "name=X", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
