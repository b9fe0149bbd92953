"""Two-factor sign-in in Chromium under the Content-Security-Policy: scan, confirm, sign in."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.support.totp import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
TIMEOUT_MS = 10_000


def _password(page: Page, base: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill("kim")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_member_sets_up_an_authenticator_and_signs_in_with_it(live_server, page: Page):
    """GIVEN an organization that requires two factors WHEN its member signs in THEN they are
    sent to scan a QR code drawn on the page, confirm with a code, and later sign in with the
    password and a code; the autouse guard sees no CSP refusal."""
    organization = OrganizationFactory(name="Alice Media", slug="alice-media", country="FR")
    organization.require_two_factor = True
    organization.save()
    user = UserFactory(username="kim", password=PASSWORD)
    MembershipFactory(organization=organization, user=user, role=Role.VIEWER)
    page.set_default_timeout(TIMEOUT_MS)

    _password(page, live_server.url)
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    qr = page.locator("svg.qr-code").bounding_box()
    assert qr and qr["width"] >= 100 and qr["width"] == qr["height"]
    secret = page.get_by_label("Or type this secret into the app").input_value()
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert page.locator(".recovery-codes li").count() == 10
    page.goto(live_server.url + "/o/alice-media/")
    expect(page).to_have_url(live_server.url + "/o/alice-media/")

    page.context.clear_cookies()
    _password(page, live_server.url)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill(totp_code(secret, at=time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/o/alice-media/")
