"""Personal API tokens: created with the secret shown once, listed by prefix, revoked."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from knox.crypto import hash_token

from portal.models import ApiToken
from portal.services.tokens import api_token_create
from tests.factories import UserFactory


def test_creating_a_token_shows_its_secret_once(client_for, viewer):
    client = client_for(viewer)
    response = client.post(reverse("token-create"), {"name": "CMDB sync", "expires_in_days": "30"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = response.context["secret"]
    body = response.content.decode()
    assert secret.startswith("sovra_")
    assert f'value="{secret}"' in body
    assert f'curl -H "Authorization: Token {secret}"' in body

    token = ApiToken.objects.get(user=viewer)
    assert token.name == "CMDB sync"
    assert token.digest == hash_token(secret)  # only the hash is stored
    assert secret.startswith(token.token_key)
    assert timedelta(days=29) < token.expiry - timezone.now() <= timedelta(days=30)

    listing = client.get(reverse("tokens")).content.decode()
    assert token.token_key in listing
    assert secret not in listing


def test_a_token_without_expiry(client_for, viewer):
    client_for(viewer).post(reverse("token-create"), {"name": "Archive", "expires_in_days": "none"})
    assert ApiToken.objects.get(user=viewer).expiry is None


def test_a_token_needs_a_name_and_a_known_expiry(client_for, viewer):
    response = client_for(viewer).post(
        reverse("token-create"), {"name": "  ", "expires_in_days": "7"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_name_error"' in body
    assert 'id="id_expires_in_days_error"' in body
    assert not ApiToken.objects.filter(user=viewer).exists()


def test_list_shows_only_the_users_own_tokens(client_for, viewer):
    api_token_create(user=viewer, name="mine", expires_in_days=90)
    api_token_create(user=UserFactory(), name="someone else's", expires_in_days=90)
    response = client_for(viewer).get(reverse("tokens"))
    assert [t.name for t in response.context["tokens"]] == ["mine"]
    assert "someone else" not in response.content.decode()


def test_revoke_asks_then_deletes(client_for, viewer):
    token, _ = api_token_create(user=viewer, name="laptop", expires_in_days=30)
    client = client_for(viewer)
    url = reverse("token-revoke", args=[token.token_key])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Revoke token" in confirm.content.decode()
    assert ApiToken.objects.filter(pk=token.pk).exists()

    response = client.post(url)
    assert response["Location"] == reverse("tokens")
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_another_users_token_cannot_be_revoked(client_for, viewer):
    token, _ = api_token_create(user=UserFactory(), name="theirs", expires_in_days=30)
    url = reverse("token-revoke", args=[token.token_key])
    assert client_for(viewer).get(url).status_code == 404
    assert client_for(viewer).post(url).status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_token_pages_need_sign_in(client, db):
    for name in ("tokens", "token-create"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
