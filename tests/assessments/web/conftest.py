"""Fixtures for the assessment pages: signed-in clients and the static root WhiteNoise expects."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client


@pytest.fixture(autouse=True, scope="session")
def _static_root():
    # WhiteNoise warns (an error under filterwarnings) when STATIC_ROOT does not exist.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture
def client_for(db):
    """A test client signed in as the given user (anonymous for None)."""

    def make(user) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make
