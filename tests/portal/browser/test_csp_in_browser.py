"""Pages work in Chromium under the Content-Security-Policy, with nothing refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, WorkloadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
TIMEOUT_MS = 10_000


def test_dashboard_bars_have_their_widths_without_inline_styles(live_server, page: Page):
    """GIVEN three workloads, two of them chat WHEN the dashboard shows in Chromium THEN the chat
    bar fills two thirds of its track, and the autouse guard sees no CSP refusal."""
    organization = OrganizationFactory(name="Alice Media", slug="alice-media", country="FR")
    user = UserFactory(username="alice", password=PASSWORD)
    MembershipFactory(organization=organization, user=user, role=Role.VIEWER)
    WorkloadFactory.create_batch(2, organization=organization, kind="chat")
    WorkloadFactory(organization=organization, kind="training")
    page.set_default_timeout(TIMEOUT_MS)

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/o/alice-media/")

    row = page.locator("#kind-heading ~ table tr", has=page.locator("th", has_text="Chat"))
    track = row.locator("svg.bar").bounding_box()
    fill = row.locator("svg.bar rect").bounding_box()
    assert track and fill and track["width"] > 0
    assert fill["width"] / track["width"] == pytest.approx(2 / 3, abs=0.01)


def test_api_docs_render_swagger_ui(live_server, page: Page):
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_server.url + "/api/docs/")
    expect(page.get_by_role("heading", name="Sovra API")).to_be_visible()
