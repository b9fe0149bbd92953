"""An analyst goes through the wizard in Chromium, watches the run and downloads its PDF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from assessments.models import Assessment, AssessmentRun, RunStatus
from tests.portal.browser.conftest import (  # noqa: F401 - Chromium's launch fixtures
    _static_root,
    browser_context_args,
    browser_type_launch_args,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-pass-1234"
TIMEOUT_MS = 15_000
RUN_TIMEOUT_MS = 240_000  # the run computes in the request (eager tasks) on a shared machine


def sign_in(page: Page, base: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill("claire")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_wizard_save_and_run_then_results_and_pdf(demo, live_server, page: Page, tmp_path):
    base = live_server.url
    page.set_default_timeout(TIMEOUT_MS)
    sign_in(page, base)
    expect(page).to_have_url(base + f"/o/{demo.slug}/")

    page.get_by_role("navigation", name=demo.name).get_by_role("link", name="Assessments").click()
    expect(page.get_by_role("heading", name="Assessments", level=1)).to_be_visible()
    page.get_by_role("link", name="New assessment").first.click()

    # Step 1: one step at a time; the search narrows the workload list.
    expect(page.locator("#step-workloads")).to_be_visible()
    expect(page.locator("#step-options")).to_be_hidden()
    page.get_by_label(re.compile(r"^Name\b")).fill("Northlight in the browser")
    search = page.get_by_label("Search workloads")
    search.fill("no workload is called this")
    expect(page.locator("#id_workloads_list input[type=checkbox]:visible")).to_have_count(0)
    search.fill("")
    page.locator("#step-workloads").get_by_role("button", name="Next").click()

    # Step 2 then 3: fewer Monte Carlo samples keep the run short.
    expect(page.locator("#step-options")).to_be_visible()
    page.locator("#step-options").get_by_role("button", name="Next").click()
    expect(page.locator("#step-assumptions")).to_be_visible()
    expect(page.locator("#step-assumptions")).to_contain_text("empty: the default, 1.0.")
    page.get_by_label(re.compile(r"^Monte carlo samples")).fill("100")
    page.locator("#step-assumptions").get_by_role("button", name="Next").click()
    page.locator("#step-sovereignty").get_by_role("button", name="Next").click()
    page.locator("#step-recipients").get_by_role("button", name="Next").click()

    # The review repeats the answers, then "Save and run" ends on the results.
    review = page.locator("[data-review]")
    expect(review).to_contain_text("Northlight in the browser")
    expect(review).to_contain_text("Managed model API")
    page.get_by_role("button", name="Save and run").click(timeout=RUN_TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"/assessments/runs/\d+/$"), timeout=RUN_TIMEOUT_MS)
    run = AssessmentRun.objects.for_organization(demo).get()
    assert run.status == RunStatus.SUCCEEDED, run.error
    expect(page.get_by_role("heading", name="What to do")).to_be_visible()
    expect(page.locator("#npv-table tbody tr")).to_have_count(
        len(run.results["engine"]["portfolio"])
    )
    expect(page.locator("#chart-cumulative svg")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    path = Path(download_info.value.path())
    assert path.read_bytes()[:5] == b"%PDF-"

    # A run still queued shows the progress bar that polls its JSON.
    queued = AssessmentRun.objects.create_in(
        demo,
        assessment=Assessment.objects.for_organization(demo).get(),
        number=2,
        step="queued",
    )
    page.goto(base + f"/o/{demo.slug}/assessments/runs/{queued.pk}/")
    expect(page.locator("#run-progress")).to_be_visible()
    expect(page.get_by_role("progressbar", name="Run progress")).to_have_attribute(
        "aria-valuenow", "0"
    )
    with page.expect_response(re.compile(rf"/runs/{queued.pk}/progress/$")) as polled:
        pass
    assert polled.value.json()["status"] == "queued"
    expect(page.locator("[data-progress-step]")).to_have_text("Waiting for a worker")
