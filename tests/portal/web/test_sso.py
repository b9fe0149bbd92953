"""Single sign-on against a real OpenID provider on loopback, through the portal's own routes."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from portal.models import AuditAction, AuditEvent, Invitation, Membership, Role, SsoIdentity
from tests.factories import InvitationFactory, UserFactory, VerifiedDomainFactory
from tests.support.oidc_provider import LoopbackProvider
from tests.support.totp import enrolled, totp_code

CLIENT_ID = "sovra-portal"
CLIENT_SECRET = "loopback-secret"


@pytest.fixture
def provider(settings):
    with LoopbackProvider(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as running:
        settings.SOVRA_OIDC_ISSUER = running.issuer
        settings.SOVRA_OIDC_PROVIDER_NAME = "Corp ID"
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        yield running


def _claims(email: str, *, sub: str = "subject-1", verified=True, **extra) -> dict:
    return {"sub": sub, "email": email, "email_verified": verified, **extra}


def _through_provider(client: Client, provider: LoopbackProvider, claims: dict, *, next_url=""):
    """Start at the portal, sign in at the provider, and come back: the callback's URL."""
    start = client.get(reverse("sso-start") + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    assert start["Location"].startswith(f"{provider.issuer}/authorize?")
    provider.claims = claims
    answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert back.path == reverse("sso-callback")
    return back.path, parse_qs(back.query)


def _sso_sign_in(client, provider, claims, **kwargs):
    path, query = _through_provider(client, provider, claims, **kwargs)
    return client.get(path, {key: values[0] for key, values in query.items()})


def _signed_in_as(client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    if user_id is None:
        return None
    return get_user_model().objects.get(pk=user_id).email


def test_sign_in_page_offers_the_provider_only_when_configured(client, db, settings):
    assert "Sign in with" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("sso-start")).status_code == 404
    settings.SOVRA_OIDC_ISSUER = "https://id.example.org"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.SOVRA_OIDC_PROVIDER_NAME = "Corp ID"
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with Corp ID" in page
    assert f'href="{reverse("sso-start")}"' in page


def test_invited_address_signs_in_and_joins_with_the_invited_role(client, org, provider):
    invitation = InvitationFactory(organization=org, email="Bob@Corp.example", role=Role.ANALYST)
    response = _sso_sign_in(
        client,
        provider,
        _claims("bob@corp.example", sub="bob-42", given_name="Bob", family_name="Stone"),
        next_url=f"/o/{org.slug}/",
    )
    assert response.status_code == 302
    assert response["Location"] == f"/o/{org.slug}/"
    assert _signed_in_as(client) == "bob@corp.example"
    user = get_user_model().objects.get(email="bob@corp.example")
    assert (user.first_name, user.last_name, user.has_usable_password()) == ("Bob", "Stone", False)
    assert Membership.objects.get(organization=org, user=user).role == Role.ANALYST
    invitation = Invitation.objects.for_organization(org).get(pk=invitation.pk)
    assert invitation.accepted_by == user
    assert SsoIdentity.objects.get(user=user).subject == "bob-42"
    assert client.get(f"/o/{org.slug}/").status_code == 200
    # The provider got the client's secret, the code and the PKCE verifier on the back channel.
    (token_request,) = provider.token_requests
    assert token_request["client_secret"] == CLIENT_SECRET
    assert len(token_request["code_verifier"]) == 64


def test_address_at_a_verified_domain_joins_with_the_domains_role(client, org, other_org, provider):
    VerifiedDomainFactory(organization=org, domain="alice.example", role=Role.ANALYST)
    VerifiedDomainFactory(organization=other_org, domain="mallory.example")
    response = _sso_sign_in(client, provider, _claims("carol@alice.example", sub="carol"))
    assert response.status_code == 302
    user = get_user_model().objects.get(email="carol@alice.example")
    assert list(Membership.objects.filter(user=user).values_list("organization__slug", "role")) == [
        (org.slug, Role.ANALYST)
    ]
    joined = AuditEvent.objects.for_organization(org).get(action=AuditAction.MEMBER_JOINED)
    assert joined.details == {
        "user": user.get_username(),
        "role": "analyst",
        "domain": "alice.example",
    }
    # Signing in again finds the account by the provider's subject, not by a new address.
    client.logout()
    _sso_sign_in(client, provider, _claims("carol.new@alice.example", sub="carol"))
    assert _signed_in_as(client) == "carol@alice.example"
    assert get_user_model().objects.filter(email__endswith="alice.example").count() == 1
    # A member an admin removed does not come back through the domain by signing in again.
    Membership.objects.filter(user=user).delete()
    client.logout()
    _sso_sign_in(client, provider, _claims("carol@alice.example", sub="carol"))
    assert not Membership.objects.filter(user=user).exists()


def test_domain_not_yet_verified_gives_no_access(client, org, provider):
    VerifiedDomainFactory(organization=org, domain="alice.example", verified_at=None)
    response = _sso_sign_in(client, provider, _claims("dave@alice.example"))
    assert response.status_code == 403
    assert "not invited to any organization" in response.content.decode()
    assert _signed_in_as(client) is None
    assert not get_user_model().objects.filter(email="dave@alice.example").exists()


@pytest.mark.parametrize("verified", [False, "true", None])
def test_address_the_provider_did_not_verify_is_never_matched(client, org, provider, verified):
    invitation = InvitationFactory(organization=org, email="erin@corp.example")
    VerifiedDomainFactory(organization=org, domain="corp.example")
    UserFactory(username="erin", email="erin@corp.example")
    response = _sso_sign_in(client, provider, _claims("erin@corp.example", verified=verified))
    assert response.status_code == 403
    assert "did not confirm your e-mail address" in response.content.decode()
    assert _signed_in_as(client) is None
    assert Invitation.objects.for_organization(org).get(pk=invitation.pk).accepted_at is None
    assert not SsoIdentity.objects.exists()


def test_tampered_state_is_refused_before_the_provider_is_asked(client, org, provider):
    InvitationFactory(organization=org, email="frank@corp.example")
    path, query = _through_provider(client, provider, _claims("frank@corp.example"))
    state = query["state"][0]
    # Its last character changed (to "x", or "y" where it already was an "x").
    forged = {"code": query["code"][0], "state": state[:-1] + ("y" if state[-1] == "x" else "x")}
    response = client.get(f"{path}?{urlencode(forged)}")
    assert response.status_code == 400
    assert "did not match the sign-in this browser started" in response.content.decode()
    assert _signed_in_as(client) is None
    assert provider.token_requests == []


def test_callback_replayed_in_another_browser_is_refused(client, org, provider):
    InvitationFactory(organization=org, email="frank@corp.example")
    path, query = _through_provider(client, provider, _claims("frank@corp.example"))
    stranger = Client()
    response = stranger.get(path, {key: values[0] for key, values in query.items()})
    assert response.status_code == 403
    assert "_auth_user_id" not in stranger.session
    assert provider.token_requests == []


@pytest.mark.parametrize(
    ("forged", "why"),
    [
        ({"nonce": "forged-nonce"}, "nonce"),
        ({"aud": "another-client"}, "audience"),
        ({"iss": "https://evil.example"}, "issuer"),
        ({"exp": 1_000_000}, "expired"),
    ],
)
def test_id_token_that_does_not_match_is_refused(client, org, provider, forged, why):
    InvitationFactory(organization=org, email="gina@corp.example")
    provider.id_token_extra = forged
    response = _sso_sign_in(client, provider, _claims("gina@corp.example"))
    assert response.status_code == 400, why
    assert _signed_in_as(client) is None
    assert not get_user_model().objects.filter(email="gina@corp.example").exists()


def test_account_with_an_authenticator_gives_its_code_after_sso(client, org, provider):
    user = UserFactory(username="hana", email="hana@corp.example")
    Membership.objects.create(organization=org, user=user, role=Role.VIEWER)
    secret = enrolled(user)
    response = _sso_sign_in(client, provider, _claims("hana@corp.example", sub="hana"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login-code")
    assert _signed_in_as(client) is None
    response = client.post(reverse("login-code"), {"code": totp_code(secret, at=time.time() + 30)})
    assert response.status_code == 302
    assert _signed_in_as(client) == "hana@corp.example"


def test_address_shared_by_two_accounts_is_not_guessed_between_them(client, org, provider):
    UserFactory(username="ivy", email="ivy@corp.example")
    UserFactory(username="ivy2", email="IVY@corp.example")
    response = _sso_sign_in(client, provider, _claims("ivy@corp.example"))
    assert response.status_code == 403
    assert "Several Sovra accounts use your e-mail address" in response.content.decode()
    assert _signed_in_as(client) is None


def test_unreachable_provider_is_a_clear_page_and_passwords_still_work(client, db, settings):
    UserFactory(username="jo", password="correct-horse-battery")
    settings.SOVRA_OIDC_ISSUER = "http://127.0.0.1:9"  # discard port: nothing answers
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_TIMEOUT = 2
    response = client.get(reverse("sso-start"))
    assert response.status_code == 503
    assert "could not reach the identity provider" in response.content.decode()
    signed_in = client.post(
        reverse("login"), {"username": "jo", "password": "correct-horse-battery"}
    )
    assert signed_in.status_code == 302 and "_auth_user_id" in client.session
