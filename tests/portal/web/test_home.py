"""'/', the organizations page and the switcher, which remembers the chosen organization."""

from __future__ import annotations

from django.urls import reverse

from portal.models import Role
from portal.web.current import SESSION_KEY
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


def test_anonymous_home_goes_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/"


def test_home_opens_the_first_organizations_dashboard(client_for, org, viewer):
    response = client_for(viewer).get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard", args=[org.slug])


def test_home_opens_the_organization_last_chosen(client_for, org, other_org, viewer):
    MembershipFactory(organization=other_org, user=viewer, role=Role.VIEWER)
    client = client_for(viewer)
    response = client.post(reverse("org-switch"), {"organization": other_org.slug})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard", args=[other_org.slug])
    assert client.session[SESSION_KEY] == other_org.slug
    assert client.get("/")["Location"] == reverse("dashboard", args=[other_org.slug])


def test_home_ignores_a_remembered_organization_the_user_has_left(client_for, org, viewer):
    client = client_for(viewer)
    session = client.session
    session[SESSION_KEY] = "gone-org"
    session.save()
    assert client.get("/")["Location"] == reverse("dashboard", args=[org.slug])


def test_user_without_membership_sees_a_page_saying_so(client_for):
    user = UserFactory(username="newcomer")
    response = client_for(user).get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "not a member of any organization" in body
    assert "newcomer@example.org" in body


def test_switching_to_an_organization_of_which_one_is_not_a_member_is_404(
    client_for, org, other_org, viewer
):
    client = client_for(viewer)
    response = client.post(reverse("org-switch"), {"organization": other_org.slug})
    assert response.status_code == 404
    assert SESSION_KEY not in client.session


def test_switch_answers_405_to_get(client_for, viewer):
    assert client_for(viewer).get(reverse("org-switch")).status_code == 405


def test_organizations_page_lists_only_the_users_organizations(client_for, org, other_org, viewer):
    third = OrganizationFactory(name="Third Hospital", slug="third-hospital")
    MembershipFactory(organization=third, user=viewer, role=Role.ADMIN)
    response = client_for(viewer).get(reverse("org-list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Alice Media" in body
    assert "Third Hospital" in body
    assert "Mallory Bank" not in body
    assert [m.organization.slug for m in response.context["my_memberships"]] == [
        "alice-media",
        "third-hospital",
    ]
