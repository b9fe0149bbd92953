"""On a 390 px phone: an owner invites by e-mail, the invitee creates an account from the link."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from portal.models import Membership, Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-long-new-passphrase"
TIMEOUT_MS = 10_000
PHONE = {"width": 390, "height": 844}
LINK = re.compile(r"https?://\S+(/invitations/[A-Za-z0-9_-]+/)")


def _fits_the_screen(page: Page) -> None:
    """Nothing wider than the screen: tables scroll inside their own frame, the page does not."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def test_invite_and_sign_up_from_the_link_on_a_phone(live_server, browser, settings):
    settings.SITE_URL = live_server.url
    organization = OrganizationFactory(name="Alice Media", slug="alice-media", country="FR")
    olivia = UserFactory(username="olivia", password=PASSWORD)
    MembershipFactory(organization=organization, user=olivia, role=Role.OWNER)
    base = live_server.url

    owner_page = browser.new_context(viewport=PHONE, timezone_id="UTC").new_page()
    owner_page.set_default_timeout(TIMEOUT_MS)
    owner_page.goto(base + "/accounts/login/?next=/o/alice-media/members/")
    owner_page.get_by_label("Username").fill("olivia")
    owner_page.get_by_label("Password").fill(PASSWORD)
    owner_page.get_by_role("button", name="Sign in").click()
    expect(owner_page.get_by_role("heading", name="Members", level=1)).to_be_visible()
    _fits_the_screen(owner_page)

    invite = owner_page.get_by_role("region", name="Invite someone")
    invite.get_by_label("Email").fill("nadia@example.org")
    invite.get_by_label("Role").select_option(label="Analyst")
    invite.get_by_role("button", name="Send invitation").click()
    expect(owner_page.get_by_role("status")).to_contain_text(
        "Invitation sent to nadia@example.org as analyst"
    )
    waiting = owner_page.get_by_role("region", name="Waiting for an answer")
    expect(waiting.get_by_role("row", name=re.compile("nadia@example.org"))).to_be_visible()
    _fits_the_screen(owner_page)

    assert [message.to for message in mail.outbox] == [["nadia@example.org"]]
    path = LINK.search(mail.outbox[0].body).group(1)

    invitee = browser.new_context(viewport=PHONE, timezone_id="UTC").new_page()
    invitee.set_default_timeout(TIMEOUT_MS)
    invitee.goto(base + path)
    expect(invitee.get_by_role("heading", name="Join Alice Media")).to_be_visible()
    _fits_the_screen(invitee)
    invitee.get_by_label(re.compile(r"^Username")).fill("nadia")
    invitee.get_by_label("First name").fill("Nadia")
    invitee.get_by_label(re.compile(r"^Password \*")).fill(NEW_PASSWORD)
    invitee.get_by_label(re.compile(r"^Password \(again\)")).fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Create account and join").click()

    expect(invitee).to_have_url(base + "/o/alice-media/")
    expect(invitee.get_by_role("status")).to_contain_text(
        "Welcome to Alice Media: you are a member as analyst."
    )
    _fits_the_screen(invitee)
    assert Membership.objects.get(organization=organization, user__username="nadia").role == (
        Role.ANALYST
    )

    # The same link, opened again, says it was used.
    invitee.goto(base + path)
    expect(invitee.get_by_role("heading", name="This invitation was already used")).to_be_visible()
    _fits_the_screen(invitee)

    # The owner's full list shows it accepted.
    owner_page.get_by_role("link", name="All invitations, answered or not").click()
    row = owner_page.get_by_role("row", name=re.compile("nadia@example.org"))
    expect(row).to_contain_text("accepted")
    _fits_the_screen(owner_page)
