"""A new password revokes the user's API tokens; other saves of the user keep them."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from portal.models import ApiToken
from portal.services.tokens import api_token_create

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-much-longer-passphrase-9"
URL = "/api/v1/orgs/alice-media/workloads/"


def token_works(secret: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    status = client.get(URL).status_code
    assert status in (200, 401)
    return status == 200


@pytest.fixture
def secrets_of(viewer):
    """Two tokens of victor (a viewer of alice-media), and one of another user."""

    def make(other):
        return (
            [
                api_token_create(user=viewer, name=f"Sync {n}", expires_in_days=30)[1]
                for n in (1, 2)
            ],
            api_token_create(user=other, name="Other", expires_in_days=30)[1],
        )

    return make


def test_changing_the_password_revokes_every_token_of_the_user(viewer, analyst, secrets_of):
    """GIVEN two tokens of victor WHEN he changes his password THEN both answer 401, his
    browser session goes on, and another user's token still works."""
    mine, theirs = secrets_of(analyst)
    assert all(token_works(secret) for secret in mine)
    client = Client()
    client.force_login(viewer)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("password_change_done")
    assert not any(token_works(secret) for secret in mine)
    assert not ApiToken.objects.filter(user=viewer).exists()
    assert token_works(theirs)
    assert client.get(reverse("password_change_done")).status_code == 200


def test_resetting_the_password_by_email_revokes_the_tokens(viewer, analyst, secrets_of):
    mine, theirs = secrets_of(analyst)
    client = Client()
    client.post(reverse("password_reset"), {"email": "victor@example.org"})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    set_url = client.get(link.group(1))["Location"]
    response = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("password_reset_complete")
    assert not any(token_works(secret) for secret in mine)
    assert token_works(theirs)


def test_a_password_set_by_command_revokes_the_tokens(viewer, analyst, secrets_of, monkeypatch):
    mine, _ = secrets_of(analyst)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", "victor", stdout=None)
    assert not any(token_works(secret) for secret in mine)


def test_saves_without_a_new_password_keep_the_tokens(
    client, settings, viewer, analyst, secrets_of
):
    """Signing in (last_login, and the hash upgrade Django does when hashers change) and editing
    the profile store the user without a new password: the tokens keep working."""
    mine, _ = secrets_of(analyst)
    viewer.first_name = "Victor"
    viewer.save()
    # An old hash that Django upgrades at sign-in, through set_password and a save.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    type(viewer).objects.filter(pk=viewer.pk).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha256")
    )
    assert (
        client.post(reverse("login"), {"username": "victor", "password": PASSWORD}).status_code
        == 302
    )
    viewer.refresh_from_db()
    assert viewer.password.startswith("md5$")  # upgraded at sign-in
    assert all(token_works(secret) for secret in mine)
