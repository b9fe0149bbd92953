"""An analyst adds her own accelerator on a 390 px phone screen, under the CSP, in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.factories import GpuSpecFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
TIMEOUT_MS = 10_000
PHONE = {"width": 390, "height": 844}


def _page_fits(page: Page) -> None:
    """Wide tables scroll inside their frame; the page itself never scrolls sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


def test_an_analyst_adds_an_accelerator_on_a_phone(live_server, page: Page):
    """GIVEN a public H100 WHEN alice, on a 390 px screen, lists the accelerators and adds her
    own, first leaving out its bandwidth THEN every page fits the screen, the missing field is
    named beside it, and her accelerator shows as hers."""
    organization = OrganizationFactory(name="Alice Media", slug="alice-media", country="FR")
    alice = UserFactory(username="alice", password=PASSWORD)
    MembershipFactory(organization=organization, user=alice, role=Role.ANALYST)
    GpuSpecFactory(name="NVIDIA H100 SXM", form_factor="SXM5", tdp_w=700)
    page.set_viewport_size(PHONE)
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/o/alice-media/")

    page.goto(live_server.url + "/o/alice-media/accelerators/")
    expect(page.get_by_role("link", name="NVIDIA H100 SXM")).to_be_visible()
    _page_fits(page)

    page.get_by_role("link", name="Add an accelerator").first.click()
    _page_fits(page)
    page.get_by_label(re.compile(r"^Name\b")).fill("Acme X1 96GB")
    page.get_by_label(re.compile(r"^Vendor\b")).fill("Acme")
    page.get_by_label(re.compile(r"^Memory \(GB\)")).fill("96")
    page.get_by_label(re.compile(r"^BF16 dense")).fill("800")
    page.get_by_role("button", name="Add accelerator").click()
    expect(page.locator("#id_memory_bandwidth_tb_s_error")).to_contain_text("memory bandwidth")
    _page_fits(page)

    page.get_by_label(re.compile(r"^Memory bandwidth")).fill("4.2")
    page.get_by_role("button", name="Add accelerator").click()
    expect(page.get_by_role("heading", name="Acme X1 96GB")).to_be_visible()
    expect(page.locator(".page-header .badge-accent")).to_have_text("yours")
    _page_fits(page)
