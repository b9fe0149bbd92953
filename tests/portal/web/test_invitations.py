"""Invitation pages: admins invite, list and withdraw; the invitee accepts or signs up by link."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.models import Invitation, InvitationState, Membership, Role
from tests.factories import InvitationFactory, MembershipFactory, UserFactory

TOKEN = "t" * 43
LINK = re.compile(r"https?://\S+(/invitations/[A-Za-z0-9_-]+/)")
PASSWORD = "a-long-new-passphrase"


def _accept_url(token: str = TOKEN) -> str:
    return reverse("invitation-accept", kwargs={"token": token})


def _role(org, user) -> str | None:
    membership = Membership.objects.filter(organization=org, user=user).first()
    return membership.role if membership else None


def _normalized(html: str, address: str) -> str:
    """A page with what must differ between two invitations blanked: the address, the
    invitation's id in links, exact times, the form's CSRF token."""
    html = html.replace(address, "ADDRESS")
    html = re.sub(r'datetime="[^"]+"', 'datetime="T"', html)
    html = re.sub(r"/invitations/\d+/", "/invitations/N/", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)


def test_what_the_admin_sees_is_the_same_whether_or_not_the_address_has_an_account(
    client_for, org, admin_user, outsider, django_capture_on_commit_callbacks
):
    """GIVEN mallory (an account, a full name) and an address nobody uses WHEN alice's admin
    invites each, from the same starting point THEN the answer and the page that follows are
    the same, and neither shows mallory's username or name."""
    outsider.first_name, outsider.last_name = "Mallory", "Malicious"
    outsider.save()
    client = client_for(admin_user)
    pages = []
    for address in (outsider.email, "nobody@example.org"):
        with transaction.atomic():
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(
                    reverse("invitation-create", args=[org.slug]),
                    {"email": address, "role": "viewer"},
                )
            assert response.status_code == 302
            assert response["Location"] == reverse("member-list", args=[org.slug])
            page = client.get(response["Location"]).content.decode()
            assert f"Invitation sent to {address} as viewer" in page
            pages.append(_normalized(page, address))
            transaction.set_rollback(True)
    assert pages[0] == pages[1]
    assert "Malicious" not in pages[0]
    assert not Membership.objects.filter(organization=org, user=outsider).exists()


def test_the_invitee_gets_the_link_by_email(
    client_for, org, admin_user, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://sovra.example"
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin_user).post(
            reverse("invitation-create", args=[org.slug]),
            {"email": "Nadia@Example.org", "role": "analyst"},
        )
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["Nadia@Example.org"]
    assert message.subject == "You are invited to Alice Media on Sovra"
    assert "Adam" in message.body or "adam@example.org" in message.body
    assert "as analyst" in message.body
    path = LINK.search(message.body).group(1)
    assert Client().get(path).status_code == 200


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"email": "victor@example.org", "role": "viewer"}, "email", "already a member"),
        ({"email": "not-an-address", "role": "viewer"}, "email", "valid email"),
        ({"email": "nina@example.org", "role": "owner"}, "role", "valid choice"),
    ],
)
def test_refused_invitations_say_why_beside_the_field(
    client_for, org, admin_user, viewer, data, field, text
):
    response = client_for(admin_user).post(reverse("invitation-create", args=[org.slug]), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body
    assert text in body
    assert Invitation.objects.for_organization(org).count() == 0


def test_an_owner_may_invite_an_owner(client_for, org, owner):
    response = client_for(owner).post(
        reverse("invitation-create", args=[org.slug]),
        {"email": "nina@example.org", "role": "owner"},
    )
    assert response.status_code == 302
    assert Invitation.objects.for_organization(org).get().role == Role.OWNER


def test_admins_see_what_is_waiting_on_the_member_list_and_viewers_do_not(
    client_for, org, other_org, admin_user, viewer
):
    InvitationFactory(organization=org, email="waiting@example.org")
    InvitationFactory(organization=org, email="used@example.org", accepted_at=timezone.now())
    InvitationFactory(organization=other_org, email="theirs@example.org")
    url = reverse("member-list", args=[org.slug])
    body = client_for(admin_user).get(url).content.decode()
    assert "waiting@example.org" in body
    assert "used@example.org" not in body  # answered: on the full list only
    assert "theirs@example.org" not in body
    body = client_for(viewer).get(url).content.decode()
    assert "waiting@example.org" not in body
    assert reverse("invitation-list", args=[org.slug]) not in body


def test_the_invitation_list_shows_every_state_of_this_organization_only(
    client_for, org, other_org, admin_user
):
    now = timezone.now()
    InvitationFactory(organization=org, email="waiting@example.org")
    InvitationFactory(organization=org, email="late@example.org", expires_at=now)
    InvitationFactory(organization=org, email="used@example.org", accepted_at=now)
    InvitationFactory(organization=org, email="gone@example.org", revoked_at=now)
    InvitationFactory(organization=other_org, email="theirs@example.org")
    response = client_for(admin_user).get(reverse("invitation-list", args=[org.slug]))
    body = response.content.decode()
    for address, badge in (
        ("waiting@example.org", "waiting"),
        ("late@example.org", "expired"),
        ("used@example.org", "accepted"),
        ("gone@example.org", "withdrawn"),
    ):
        row = re.search(rf"{re.escape(address)}.*?</tr>", body, re.S).group(0)
        assert f">{badge}</span>" in row, address
    assert "theirs@example.org" not in body


def test_the_invitation_list_query_count_does_not_grow(
    client_for, org, admin_user, django_assert_max_num_queries
):
    client = client_for(admin_user)
    url = reverse("invitation-list", args=[org.slug])
    for total in (2, 50):
        while Invitation.objects.for_organization(org).count() < total:
            InvitationFactory(organization=org, invited_by=UserFactory())
        with django_assert_max_num_queries(7):
            response = client.get(url)
        assert len(response.context["invitations"]) == total


def test_an_admin_withdraws_an_invitation_after_confirming(client_for, org, admin_user):
    invitation = InvitationFactory(organization=org, email="nadia@example.org", token=TOKEN)
    client = client_for(admin_user)
    url = reverse("invitation-revoke", args=[org.slug, invitation.pk])
    assert "Withdraw the invitation of nadia@example.org?" in client.get(url).content.decode()
    response = client.post(url)
    assert response["Location"] == reverse("invitation-list", args=[org.slug])
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.REVOKED
    assert Client().get(_accept_url()).status_code == 410


def test_an_accepted_invitation_is_not_withdrawn(client_for, org, admin_user):
    invitation = InvitationFactory(organization=org, accepted_at=timezone.now())
    client = client_for(admin_user)
    url = reverse("invitation-revoke", args=[org.slug, invitation.pk])
    assert "remove the member" in client.get(url).content.decode()
    response = client.post(url, follow=True)
    assert "already accepted" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_another_organizations_invitation_is_404(client_for, org, other_org, owner):
    theirs = InvitationFactory(organization=other_org)
    url = reverse("invitation-revoke", args=[org.slug, theirs.pk])
    assert client_for(owner).get(url).status_code == 404
    assert client_for(owner).post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


# The invitee's side: /invitations/<token>/


def test_the_invited_user_accepts_once_and_lands_in_the_organization(client_for, org):
    InvitationFactory(organization=org, email="Nadia@Example.org", role=Role.ANALYST, token=TOKEN)
    nadia = UserFactory(username="nadia", email="nadia@example.org")
    client = client_for(nadia)
    page = client.get(_accept_url())
    assert page.status_code == 200
    assert "Accept and join" in page.content.decode()
    assert _role(org, nadia) is None  # opening the link changes nothing
    response = client.post(_accept_url())
    assert response["Location"] == reverse("dashboard", args=[org.slug])
    assert _role(org, nadia) == Role.ANALYST
    welcome = client.get(response["Location"]).content.decode()
    assert "Welcome to Alice Media" in welcome
    reused = client.post(_accept_url())
    assert reused.status_code == 410
    assert "already used" in reused.content.decode()
    assert Membership.objects.filter(user=nadia).count() == 1


def test_a_user_signed_in_with_another_address_is_told_to_switch(client_for, org, outsider):
    InvitationFactory(organization=org, email="nadia@example.org", token=TOKEN)
    client = client_for(outsider)
    page = client.get(_accept_url())
    body = page.content.decode()
    assert page.status_code == 200
    assert "sign in with that address" in body
    assert "nadia@example.org" in body
    assert "Accept and join" not in body
    response = client.post(_accept_url())
    assert response.status_code == 403
    assert not Membership.objects.filter(organization=org, user=outsider).exists()
    # The page's button signs out and comes back to the link.
    assert f'name="next" value="{_accept_url()}"' in body
    signed_out = client.post(reverse("logout"), {"next": _accept_url()})
    assert signed_out["Location"] == _accept_url()
    assert "Create your account" in client.get(_accept_url()).content.decode()


def test_a_visitor_with_an_account_signs_in_then_accepts(client, org):
    InvitationFactory(organization=org, email="nadia@example.org", token=TOKEN)
    nadia = UserFactory(username="nadia", email="Nadia@example.org", password=PASSWORD)
    page = client.get(_accept_url())
    body = page.content.decode()
    assert "Sign in to accept" in body
    assert 'name="password_again"' not in body  # no sign-up form for an existing account
    assert f'href="{reverse("login")}?next=%2Finvitations%2F{TOKEN}%2F"' in body
    signed_in = client.post(
        reverse("login"), {"username": "nadia", "password": PASSWORD, "next": _accept_url()}
    )
    assert signed_in["Location"] == _accept_url()
    assert client.post(_accept_url()).status_code == 302
    assert _role(org, nadia) == Role.VIEWER


def test_a_visitor_without_an_account_signs_up_from_the_link(client, org, django_user_model):
    InvitationFactory(organization=org, email="Nadia@Example.org", role=Role.ANALYST, token=TOKEN)
    page = client.get(_accept_url())
    body = page.content.decode()
    assert "Create your account" in body
    assert 'value="nadia@example.org"' in body  # the username offered
    mismatch = client.post(
        _accept_url(),
        {"username": "nadia", "password": PASSWORD, "password_again": PASSWORD + "x"},
    )
    assert mismatch.status_code == 200
    assert 'id="id_password_again_error"' in mismatch.content.decode()
    weak = client.post(
        _accept_url(), {"username": "nadia", "password": "123", "password_again": "123"}
    )
    assert 'id="id_password_error"' in weak.content.decode()
    assert not django_user_model.objects.filter(username="nadia").exists()
    response = client.post(
        _accept_url(),
        {
            "username": "nadia",
            "first_name": "Nadia",
            "last_name": "Haddad",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert response["Location"] == reverse("dashboard", args=[org.slug])
    nadia = django_user_model.objects.get(username="nadia")
    assert nadia.email == "Nadia@Example.org"
    assert Membership.objects.filter(user=nadia).count() == 1
    assert _role(org, nadia) == Role.ANALYST
    assert client.get(response["Location"]).status_code == 200  # signed in
    assert Client().login(username="nadia", password=PASSWORD)


def test_a_taken_username_is_refused_beside_the_field(client, org, owner):
    InvitationFactory(organization=org, email="nadia@example.org", token=TOKEN)
    response = client.post(
        _accept_url(), {"username": "olivia", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_username_error"' in body
    assert "taken" in body


@pytest.mark.parametrize(
    ("fields", "status", "text"),
    [
        ({"expires_at": timezone.now()}, 410, "This invitation has expired"),
        ({"revoked_at": timezone.now()}, 410, "This invitation was withdrawn"),
        ({"accepted_at": timezone.now()}, 410, "This invitation was already used"),
    ],
)
@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "invitee"])
def test_a_dead_link_says_why_and_does_nothing(
    client_for, org, django_user_model, fields, status, text, signed_in
):
    InvitationFactory(organization=org, email="nadia@example.org", token=TOKEN, **fields)
    nadia = UserFactory(username="nadia", email="nadia@example.org") if signed_in else None
    client = client_for(nadia)
    page = client.get(_accept_url())
    assert page.status_code == status
    assert text in page.content.decode()
    form = {"username": "nadia2", "password": PASSWORD, "password_again": PASSWORD}
    refused = client.post(_accept_url(), form)
    assert refused.status_code == status
    assert not Membership.objects.filter(organization=org, user__email="nadia@example.org")
    assert not django_user_model.objects.filter(username="nadia2").exists()


def test_an_unknown_link_is_404_with_a_clear_message(client, db):
    InvitationFactory(email="nadia@example.org", token=TOKEN)
    for method in ("get", "post"):
        response = getattr(client, method)(_accept_url("u" * 43))
        assert response.status_code == 404
        assert "This invitation link is not valid" in response.content.decode()


def test_the_link_page_is_not_cached_nor_its_address_sent_to_other_sites(client, org):
    InvitationFactory(organization=org, token=TOKEN)
    response = client.get(_accept_url())
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"  # never sent to another site


def test_a_member_of_another_organization_accepting_joins_only_the_inviting_one(
    client_for, org, other_org, outsider
):
    InvitationFactory(organization=org, email=outsider.email, token=TOKEN)
    MembershipFactory(organization=other_org, role=Role.VIEWER)
    client_for(outsider).post(_accept_url())
    assert _role(org, outsider) == Role.VIEWER
    assert _role(other_org, outsider) == Role.OWNER
