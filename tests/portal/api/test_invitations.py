"""``/api/v1/orgs/<slug>/invitations/``: admins invite, list and withdraw; nothing leaks."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from portal.models import Invitation, InvitationState, Membership
from tests.factories import InvitationFactory, MembershipFactory, UserFactory
from tests.portal.api.conftest import error_fields

URL = "/api/v1/orgs/alice-media/invitations/"
LINK = re.compile(r"https?://\S+(/invitations/[A-Za-z0-9_-]+/)")


def _shape(body: dict) -> dict:
    """An answer with what must differ between two invitations (id, times, address) blanked."""
    varying = {"id", "email", "created_at", "invited_at", "expires_at"}
    return {key: ("*" if key in varying else value) for key, value in body.items()}


def test_the_answer_reveals_nothing_about_accounts(
    client_as, users, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    """GIVEN mallory, with an account (and a name), and an address nobody uses WHEN alice's
    admin invites each THEN both answers are the same 201 with the same body, and neither
    names mallory's username or full name."""
    outsider.first_name, outsider.last_name = "Mallory", "Malicious"
    outsider.save()
    client = client_as("admin")
    answers = []
    for address in (outsider.email, "nobody@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(client.post(URL, {"email": address, "role": "viewer"}, format="json"))
    assert [answer.status_code for answer in answers] == [201, 201]
    bodies = [answer.json() for answer in answers]
    assert _shape(bodies[0]) == _shape(bodies[1])
    assert set(bodies[0]) == {
        "id",
        "email",
        "role",
        "state",
        "email_status",
        "invited_by",
        "created_at",
        "invited_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    }
    assert bodies[0]["state"] == "pending"
    text = answers[0].content.decode()
    assert "Malicious" not in text and '"mallory"' not in text
    # Both addresses got the same e-mail, and mallory is no member of alice's organization.
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [outsider.email, "nobody@example.org"]
    )
    assert len({LINK.sub("LINK", message.body) for message in mailoutbox}) == 1
    assert not Membership.objects.filter(user=outsider, organization__slug="alice-media")


def test_the_email_brings_a_link_that_opens_the_invitation(
    client_as, users, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://sovra.example"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("admin").post(
            URL, {"email": "nadia@example.org", "role": "analyst"}, format="json"
        )
    assert response.status_code == 201
    assert [message.to for message in mailoutbox] == [["nadia@example.org"]]
    path = LINK.search(mailoutbox[0].body).group(1)
    assert mailoutbox[0].body.count("https://sovra.example" + path) == 1
    page = client_as("anonymous").get(path)
    assert page.status_code == 200
    assert "Join Alice Media" in page.content.decode()


def test_inviting_again_refreshes_instead_of_adding(
    client_as, users, org, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_as("owner")
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL, {"email": "nadia@example.org"}, format="json").json()
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(
            URL, {"email": "Nadia@example.org", "role": "admin"}, format="json"
        ).json()
    assert second["id"] == first["id"]
    assert second["role"] == "admin"
    assert second["invited_at"] > first["invited_at"]
    assert Invitation.objects.for_organization(org).count() == 1
    assert len(mailoutbox) == 2
    assert client.get(URL).json()["count"] == 1


def test_admins_list_their_organizations_invitations_only(client_as, users, org, other_org):
    mine = InvitationFactory(organization=org, email="nadia@example.org", invited_by=users["admin"])
    InvitationFactory(organization=other_org, email="theirs@example.org")
    response = client_as("admin").get(URL)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["id"], row["email"], row["state"], row["invited_by"]) for row in rows] == [
        (mine.pk, "nadia@example.org", "pending", "adam@example.org")
    ]
    assert "theirs@example.org" not in response.content.decode()
    detail = client_as("admin").get(f"{URL}{mine.pk}/")
    assert detail.json()["email"] == "nadia@example.org"


def test_invitation_list_queries_do_not_grow(client_as, users, org, django_assert_max_num_queries):
    client = client_as("admin")
    for total in (2, 50):
        while Invitation.objects.for_organization(org).count() < total:
            InvitationFactory(organization=org, invited_by=UserFactory())
        with django_assert_max_num_queries(3):
            response = client.get(URL + "?page_size=100")
        assert response.json()["count"] == total


def test_revoking_withdraws_and_is_idempotent(client_as, users, org):
    invitation = InvitationFactory(organization=org)
    client = client_as("admin")
    response = client.post(f"{URL}{invitation.pk}/revoke/")
    assert response.status_code == 200
    assert response.json()["state"] == "revoked"
    assert response.json()["revoked_at"]
    again = client.post(f"{URL}{invitation.pk}/revoke/")
    assert again.status_code == 200
    assert again.json()["revoked_at"] == response.json()["revoked_at"]
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.REVOKED


def test_an_accepted_invitation_cannot_be_revoked(client_as, users, org):
    invitation = InvitationFactory(organization=org, accepted_at=timezone.now())
    response = client_as("admin").post(f"{URL}{invitation.pk}/revoke/")
    assert response.status_code == 409
    assert "remove the member" in response.json()["detail"]


def test_only_an_owner_invites_an_owner(client_as, users):
    response = client_as("admin").post(
        URL, {"email": "nina@example.org", "role": "owner"}, format="json"
    )
    assert response.status_code == 403
    assert "owner" in response.json()["detail"]
    response = client_as("owner").post(
        URL, {"email": "nina@example.org", "role": "owner"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["role"] == "owner"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "victor@example.org"}, "email"),  # already a member
        ({"email": "not-an-address"}, "email"),
        ({"email": "x@example.org", "role": "boss"}, "role"),
        ({"role": "viewer"}, "email"),
        ({"email": "x@example.org", "team": "A"}, "team"),
    ],
)
def test_bad_input_names_the_field(client_as, users, org, body, field):
    response = client_as("admin").post(URL, body, format="json")
    assert response.status_code == 400
    assert error_fields(response) == [field]
    assert Invitation.objects.for_organization(org).count() == 0


def test_a_member_of_another_organization_is_invited_like_anyone(
    client_as, users, org, other_org, outsider
):
    """The attack of the issue: alice's owner names mallory's address. Mallory is not added;
    she is sent an invitation she may ignore."""
    MembershipFactory(organization=other_org, user=UserFactory(username="zoe"))
    response = client_as("owner").post(URL, {"email": outsider.email}, format="json")
    assert response.status_code == 201
    assert not Membership.objects.filter(organization=org, user=outsider).exists()
    assert "username" not in response.json() and "full_name" not in response.json()
