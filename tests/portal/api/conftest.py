"""API fixtures: a client per role, token clients, and the static root WhiteNoise expects."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from portal.models import Role
from portal.services.tokens import api_token_create

ROLE_NAMES = ("anonymous", "outsider", "viewer", "analyst", "admin", "owner")


@pytest.fixture(autouse=True, scope="session")
def _static_root():
    # WhiteNoise warns (an error under filterwarnings) when STATIC_ROOT does not exist.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture
def users(owner, admin_user, analyst, viewer, outsider):
    """Alice's organization's members by role, and mallory (an owner of another organization)."""
    return {
        "owner": owner,
        "admin": admin_user,
        "analyst": analyst,
        "viewer": viewer,
        "outsider": outsider,
        "anonymous": None,
    }


@pytest.fixture
def client_as(users):
    """A fresh API client authenticated as the named role (or anonymous)."""

    def make(role: str) -> APIClient:
        client = APIClient()
        if users[role] is not None:
            client.force_authenticate(user=users[role])
        return client

    return make


@pytest.fixture
def token_client(db):
    """An API client that sends ``Authorization: Token ...`` for a new token of ``user``."""

    def make(user, expires_in_days: int | None = 30) -> tuple[APIClient, str]:
        _, secret = api_token_create(user=user, name="CMDB sync", expires_in_days=expires_in_days)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        return client, secret

    return make


def expected_status(role: str, minimum: Role, allowed: int) -> int:
    """What a role gets from a tenant endpoint that needs ``minimum``: the isolation contract."""
    if role == "anonymous":
        return 401
    if role == "outsider":
        return 404  # another organization's member learns nothing, not even that it exists
    return allowed if Role(role).at_least(minimum) else 403


def error_fields(response) -> list[str | None]:
    """The fields named by an error answer, after checking it has the one error shape."""
    body = response.json()
    assert set(body) >= {"detail", "errors"}, body
    assert isinstance(body["detail"], str) and body["detail"]
    for item in body["errors"]:
        assert {"field", "message", "code"} <= set(item), item
    return [item["field"] for item in body["errors"]]
