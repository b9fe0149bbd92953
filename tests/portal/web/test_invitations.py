"""The invitation link's page: the invitee accepts, or signs up; dead links say why."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.models import Membership, Role
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
