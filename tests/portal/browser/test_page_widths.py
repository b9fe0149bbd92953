"""Every page of the route matrix fits a laptop's and a phone's window, in Chromium.

A page wider than its window scrolls sideways: the reader loses the end of every line. Wide
tables scroll inside their own frame instead. Charts on screen print no text under 11 px.
"""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import Page

from tests.portal.test_route_matrix import _non_tenant_entries, _tenant_entries, world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SMALLEST_CHART_TEXT_PX = 11
# How much taller the organization's navigation is than its links (0 without one): on a phone it
# is a strip above the page, whose extra height on a short page would push the page down.
NAV_SLACK = """
() => {
  const nav = document.querySelector(".orgnav"), links = nav && nav.querySelector("ul");
  return links ? nav.getBoundingClientRect().height - links.getBoundingClientRect().height : 0;
}
"""
__all__ = ["world"]  # the route matrix's objects, as a fixture here too

# The rendered size of every SVG text: its font size times the scale the chart is drawn at.
CHART_TEXT_SIZES = """
() => Array.from(document.querySelectorAll("svg text")).map((t) => {
  const matrix = t.getScreenCTM();
  const size = parseFloat(getComputedStyle(t).fontSize) * (matrix ? Math.abs(matrix.a) : 1);
  return [size, (t.textContent || "").slice(0, 30)];
})
"""


def _html_pages(world, owner) -> list[str]:
    """The URL of every page the owner reads: GET routes answering HTML, not files."""
    client = Client()
    client.force_login(owner)
    urls = []
    for entry in _non_tenant_entries(world) + _tenant_entries(world):
        if entry.kind not in ("web", "tenant-web", "public") or "get" not in entry.methods:
            continue
        response = client.get(entry.url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            urls.append(entry.url)
    return sorted(set(urls))


def test_no_page_is_wider_than_the_window_and_chart_text_stays_legible(
    live_server, page: Page, world, owner
):
    urls = _html_pages(world, owner)
    assert len(urls) >= 30  # the matrix's pages, not a handful
    client = Client()
    client.force_login(owner)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    too_wide, too_small, tall_nav = [], [], []
    for viewport in (LAPTOP, PHONE):
        page.set_viewport_size(viewport)
        for url in urls:
            page.goto(live_server.url + url)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:
                too_wide.append(f"{url} at {viewport['width']} px: {width} px wide")
            if viewport is PHONE and (slack := page.evaluate(NAV_SLACK)) > 2:
                tall_nav.append(f"{url}: navigation {slack:.0f} px taller than its links")
            if viewport is LAPTOP:
                small = [
                    (round(size, 1), text)
                    for size, text in page.evaluate(CHART_TEXT_SIZES)
                    if size < SMALLEST_CHART_TEXT_PX
                ]
                if small:
                    too_small.append(f"{url}: {len(small)} texts, e.g. {small[:3]}")
    assert not too_wide, too_wide
    assert not too_small, too_small
    assert not tall_nav, tall_nav
