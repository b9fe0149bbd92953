"""An analyst builds her inventory in Chromium; another organization's owner cannot see it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.models import Role, Workload
from portal.services.model_specs import model_specs_seed_public
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
TIMEOUT_MS = 10_000

HEADER = (
    "external_id,name,owner_team,kind,model,avg_input_tokens,avg_output_tokens,"
    "requests_per_day,peak_factor\n"
)
ROWS = (
    "AM-101,Archive search,Archives,embeddings,,300,0,12000,1.5\n"
    'AM-102,Subtitle drafts,Video,batch,Llama 3.1 8B,2000,500,"{subtitle_requests}",2\n'
    "AM-103,Ad copy helper,Marketing,chat,Llama 3.1 8B,800,200,300,4\n"
)


@pytest.fixture
def people(db):
    model_specs_seed_public()
    alice_media = OrganizationFactory(name="Alice Media", slug="alice-media", country="FR")
    mallory_bank = OrganizationFactory(name="Mallory Bank", slug="mallory-bank", country="DE")
    # UserFactory declares the password with factory-boy's Password: a plain value is hashed.
    alice = UserFactory(username="alice", password=PASSWORD)
    mallory = UserFactory(username="mallory", password=PASSWORD)
    MembershipFactory(organization=alice_media, user=alice, role=Role.ANALYST)
    MembershipFactory(organization=mallory_bank, user=mallory, role=Role.OWNER)
    return alice_media


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Sign in to Sovra")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def nav_link(page: Page, organization: str, name: str):
    return page.get_by_role("navigation", name=organization).get_by_role("link", name=name)


def field(page: Page, label: str):
    # Required fields' labels end with " *"; match the label's start only.
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\b"))


def upload(page: Page, path) -> None:
    page.get_by_label("Inventory file").set_input_files(path)
    page.get_by_role("button", name="Check the file").click()


def lead(page: Page):
    """The line under the page's heading (counts on lists, identity on a workload)."""
    return page.locator(".page-header .lead")


def stat(page: Page, term: str):
    return page.locator(".stat", has=page.locator("dt", has_text=term)).locator("dd.stat-value")


def test_analyst_builds_inventory_and_outsider_gets_404(
    people, live_server, page: Page, new_context, tmp_path
):
    base = live_server.url
    page.set_default_timeout(TIMEOUT_MS)

    # Alice is sent to the login page, signs in and lands on her organization's dashboard.
    sign_in(page, base, "alice")
    expect(page).to_have_url(base + "/o/alice-media/")
    expect(page.get_by_role("heading", name="Alice Media", level=1)).to_be_visible()
    expect(page.get_by_text("No workloads in the inventory yet")).to_be_visible()

    # Workloads from the navigation, then the form to add one.
    nav_link(page, "Alice Media", "Workloads").click()
    expect(page).to_have_url(base + "/o/alice-media/workloads/")
    expect(page.get_by_text("The inventory is empty")).to_be_visible()
    page.get_by_role("link", name="Add a workload").first.click()
    expect(page.get_by_role("heading", name="Add a workload")).to_be_visible()
    field(page, "External ID").fill("AM-001")
    field(page, "Name").fill("Newsroom assistant")
    field(page, "Owner team").fill("Editorial")
    field(page, "Kind").select_option(label="Chat / completion inference")
    field(page, "Model").select_option(label="Llama 3.1 8B")
    field(page, "Average input").fill("1200")
    field(page, "Average output").fill("350")
    field(page, "Requests per day").fill("4500")
    field(page, "Peak factor").fill("2.5")
    field(page, "Data classification").select_option(label="Confidential")
    page.get_by_role("button", name="Add workload").click()

    expect(page).to_have_url(re.compile(r"/o/alice-media/workloads/\d+/$"))
    detail_url = page.url
    expect(page.get_by_role("status")).to_contain_text("Workload 'Newsroom assistant' added.")
    expect(page.get_by_role("heading", name="Newsroom assistant", level=1)).to_be_visible()
    expect(lead(page)).to_have_text(
        re.compile(r"^\s*AM-001\s+·\s+Chat / completion inference\s+·\s+Confidential\s*$")
    )
    expect(stat(page, "Requests per day")).to_have_text("4,500")
    expect(stat(page, "Tokens per day")).to_have_text("6,975,000")  # 4,500 * (1,200 + 350)
    expect(stat(page, "Peak factor")).to_have_text("\u00d7 2.50")
    expect(page.locator(".fact", has_text="Owner team")).to_contain_text("Editorial")
    expect(page.get_by_role("link", name="Llama 3.1 8B")).to_be_visible()

    # A file with one bad row: the preview names row, column and problem, and writes nothing.
    bad_file = tmp_path / "inventory.csv"
    bad_file.write_text(HEADER + ROWS.format(subtitle_requests="1,200"), encoding="utf-8")
    nav_link(page, "Alice Media", "Workloads").click()
    expect(lead(page)).to_have_text("1 workload.")
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import workloads")).to_be_visible()
    upload(page, bad_file)

    expect(page.get_by_role("heading", name="Import “inventory.csv”")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("The file cannot be imported as it is")
    expect(stat(page, "Rows")).to_have_text("3")
    expect(stat(page, "Problems")).to_have_text("1")
    expect(stat(page, "To create")).to_have_text("—")
    problems = page.get_by_role("region", name="Problems").locator("tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.locator("td")).to_have_text(
        [
            "3",
            "requests_per_day",
            "'1,200' is not a plain number: write it without thousands separators "
            "and with a dot for decimals.",
        ]
    )
    expect(page.get_by_role("button", name="Confirm import")).to_have_count(0)
    assert Workload.objects.for_organization(people).count() == 1

    page.get_by_role("button", name="Discard").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Discarded inventory.csv; nothing was imported."
    )
    nav_link(page, "Alice Media", "Workloads").click()
    expect(lead(page)).to_have_text("1 workload.")
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Newsroom assistant")

    # The corrected file previews clean; confirming creates the three workloads.
    good_file = tmp_path / "inventory-fixed.csv"
    good_file.write_text(HEADER + ROWS.format(subtitle_requests="1200"), encoding="utf-8")
    page.get_by_role("link", name="Import", exact=True).click()
    upload(page, good_file)
    expect(page.get_by_role("heading", name="Import “inventory-fixed.csv”")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(
        "Every row is good. Importing creates 3 workloads and updates 0"
    )
    expect(stat(page, "To create")).to_have_text("3")
    expect(stat(page, "To update")).to_have_text("0")
    expect(stat(page, "Problems")).to_have_text("0")
    page.get_by_role("button", name="Confirm import").click()

    expect(page).to_have_url(base + "/o/alice-media/workloads/")
    expect(page.get_by_role("status")).to_contain_text(
        "Imported inventory-fixed.csv: 3 workload(s) created, 0 updated."
    )
    expect(lead(page)).to_have_text("4 workloads.")
    expect(page.locator("table.data tbody th a")).to_have_text(
        ["Ad copy helper", "Archive search", "Newsroom assistant", "Subtitle drafts"]
    )

    filters = page.get_by_role("search", name="Filter workloads")
    filters.get_by_label("Search").fill("Subtitle")
    filters.get_by_role("button", name="Apply").click()
    expect(lead(page)).to_have_text(re.compile(r"^\s*1 workloads? match(es)? the filters\.\s*$"))
    expect(rows).to_have_count(1)
    expect(rows.first.locator("th, td")).to_have_text(
        [
            re.compile(r"Subtitle drafts\s+AM-102"),
            "Batch inference",
            "Llama 3.1 8B",
            "1,200",
            "3,000,000",  # 1,200 * (2,000 + 500)
            "Internal",
            "Video",
            re.compile(r"\d{1,2} \w{3} \d{4}"),
        ]
    )

    # Mallory, owner of another organization, gets a 404 for Alice's pages.
    mallory_page = new_context().new_page()
    mallory_page.set_default_timeout(TIMEOUT_MS)
    sign_in(mallory_page, base, "mallory")
    expect(mallory_page).to_have_url(base + "/o/mallory-bank/")
    expect(mallory_page.get_by_role("heading", name="Mallory Bank", level=1)).to_be_visible()
    for url in (detail_url, base + "/o/alice-media/workloads/"):
        response = mallory_page.goto(url)
        assert response is not None
        assert response.status == 404
        expect(mallory_page.get_by_role("heading", name="Page not found")).to_be_visible()
        expect(mallory_page.locator("body")).not_to_contain_text("Newsroom assistant")
        expect(mallory_page.locator("body")).not_to_contain_text("Alice Media")


def test_the_workload_form_shows_the_fields_of_the_kind_chosen(live_server, page: Page):
    """GIVEN the add-workload form WHEN the kind is chat THEN token fields show and GPU-hours
    do not; WHEN it is speech THEN GPU-hours and audio minutes show and tokens do not."""
    organization = OrganizationFactory(name="Alice Media", slug="alice-media")
    alice = UserFactory(username="alice-kinds", password=PASSWORD)
    MembershipFactory(organization=organization, user=alice, role=Role.ANALYST)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username or e-mail").fill("alice-kinds")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + "/o/alice-media/workloads/new/")
    page.select_option("#id_kind", "chat")
    expect(page.locator("#id_avg_input_tokens")).to_be_visible()
    expect(page.locator("#id_gpu_hours_per_month")).to_be_hidden()
    page.select_option("#id_kind", "speech")
    expect(page.locator("#id_gpu_hours_per_month")).to_be_visible()
    expect(page.locator("#id_audio_minutes_per_month")).to_be_visible()
    expect(page.locator("#id_avg_input_tokens")).to_be_hidden()
    expect(page.locator("#id_images_per_month")).to_be_hidden()
