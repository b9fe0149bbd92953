"""``/api/v1/orgs/<slug>/members/``: admins re-role and remove members; owners stay."""

from __future__ import annotations

from portal.models import Membership, Role
from tests.factories import MembershipFactory, UserFactory
from tests.portal.api.conftest import error_fields

URL = "/api/v1/orgs/alice-media/members/"


def _member_url(user) -> str:
    return f"{URL}{Membership.objects.get(user=user).pk}/"


def test_admin_lists_members_with_their_roles(client_as, users, outsider):
    response = client_as("admin").get(URL)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["username"], row["role"]) for row in rows] == [
        ("adam", "admin"),
        ("alice", "analyst"),
        ("olivia", "owner"),
        ("victor", "viewer"),
    ]
    assert rows[0]["email"] == "adam@example.org"
    assert "mallory" not in response.content.decode()


def test_member_list_queries_do_not_grow(client_as, org, users, django_assert_max_num_queries):
    client = client_as("admin")
    with django_assert_max_num_queries(3):
        client.get(URL)
    for _ in range(46):
        MembershipFactory(organization=org)
    with django_assert_max_num_queries(3):
        response = client.get(URL + "?page_size=100")
    assert response.json()["count"] == 50


def test_members_are_not_added_directly(client_as, users, org):
    """Membership needs the invitee's consent: POST here is gone, invitations/ replaces it."""
    UserFactory(username="nina", email="nina@example.org")
    response = client_as("owner").post(URL, {"email": "nina@example.org"}, format="json")
    assert response.status_code == 405
    assert not Membership.objects.filter(organization=org, user__username="nina").exists()


def test_admin_changes_a_role(client_as, users, viewer):
    response = client_as("admin").patch(_member_url(viewer), {"role": "analyst"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "analyst"
    assert Membership.objects.get(user=viewer).role == Role.ANALYST


def test_admin_cannot_demote_an_owner(client_as, users, owner):
    response = client_as("admin").patch(_member_url(owner), {"role": "viewer"}, format="json")
    assert response.status_code == 403
    assert Membership.objects.get(user=owner).role == Role.OWNER


def test_the_last_owner_cannot_be_demoted_or_removed(client_as, users, owner):
    client = client_as("owner")
    response = client.patch(_member_url(owner), {"role": "admin"}, format="json")
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {
            "field": "role",
            "message": "The last owner cannot be demoted; add another owner first.",
            "code": "last_owner",
        }
    ]
    response = client.delete(_member_url(owner))
    assert response.status_code == 409
    assert "last owner" in response.json()["detail"]
    assert Membership.objects.get(user=owner).role == Role.OWNER


def test_role_change_validates_the_role_and_refuses_other_keys(client_as, users, viewer):
    client = client_as("admin")
    response = client.patch(_member_url(viewer), {"role": "chief"}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == ["role"]
    response = client.patch(_member_url(viewer), {"role": "analyst", "user": 1}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == ["user"]
    assert Membership.objects.get(user=viewer).role == Role.VIEWER


def test_put_is_not_offered(client_as, users, viewer):
    response = client_as("admin").put(_member_url(viewer), {"role": "analyst"}, format="json")
    assert response.status_code == 405


def test_admin_removes_a_member(client_as, users, viewer):
    response = client_as("admin").delete(_member_url(viewer))
    assert response.status_code == 204
    assert not Membership.objects.filter(user=viewer).exists()


def test_admin_cannot_remove_an_owner(client_as, users, owner):
    response = client_as("admin").delete(_member_url(owner))
    assert response.status_code == 403
    assert Membership.objects.filter(user=owner).exists()
