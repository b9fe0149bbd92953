"""Shared fixtures: two organizations (alice's and mallory's), users of every role."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from portal.models import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

# Sync Playwright runs an event loop in the test thread; Django refuses ORM calls inside one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Alice Media", slug="alice-media", country="FR")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Mallory Bank", slug="mallory-bank", country="DE")


@pytest.fixture
def make_member(db):
    def make(organization, role: str, username: str | None = None):
        user = UserFactory(username=username) if username else UserFactory()
        MembershipFactory(organization=organization, user=user, role=role)
        return user

    return make


@pytest.fixture
def owner(org, make_member):
    return make_member(org, Role.OWNER, "olivia")


@pytest.fixture
def admin_user(org, make_member):
    return make_member(org, Role.ADMIN, "adam")


@pytest.fixture
def analyst(org, make_member):
    return make_member(org, Role.ANALYST, "alice")


@pytest.fixture
def viewer(org, make_member):
    return make_member(org, Role.VIEWER, "victor")


@pytest.fixture
def outsider(other_org, make_member):
    """Mallory: an owner, but of another organization."""
    return make_member(other_org, Role.OWNER, "mallory")


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def api_as(api_client):
    def login(user):
        api_client.force_authenticate(user=user)
        return api_client

    return login


@pytest.fixture(autouse=True)
def _no_csp_violations(request):
    """Fail a browser test whose pages broke the Content-Security-Policy (Chromium logs it)."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    refused: list[str] = []

    def record(message) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", record)
    yield
    assert refused == [], "the CSP refused inline code: move it to a static file"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no API rate counted (the cache is per process, shared by tests)."""
    cache.clear()


@pytest.fixture
def h100(db):
    """The public NVIDIA H100 SXM, so that a workload may name 'H100 SXM' as its GPU class."""
    from tests.factories import GpuSpecFactory

    return GpuSpecFactory(name="NVIDIA H100 SXM", form_factor="SXM", memory_gb=80)


@pytest.fixture
def l40s(db):
    """The public NVIDIA L40S, the GPU class the demo's and the template's GPU work names."""
    from tests.factories import GpuSpecFactory

    return GpuSpecFactory(name="NVIDIA L40S", form_factor="PCIe", memory_gb=48)


# --------------------------------------------------------------------------- live services


@pytest.fixture
def inbox():
    """An SMTP server on loopback: (its handler, which keeps the messages, and its port)."""
    from aiosmtpd.controller import Controller

    from tests.assessments.live import Inbox, free_port

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@pytest.fixture
def queue():
    """A queue of the test's own on the suite's Redis, which this process publishes to."""
    from tests.assessments.live import REDIS, using_broker

    with using_broker(REDIS) as name:
        yield name
