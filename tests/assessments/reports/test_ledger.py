"""The table of every workload as fixed-width pages: nothing cut, no row split between pages."""

from __future__ import annotations

from assessments.reports.ledger import COLUMNS, LINES_FIRST_PAGE, LINES_PER_PAGE, ledger_pages
from assessments.results import Sizing


def _workload(i: int, name: str = "Newsroom chat assistant") -> dict:
    return {
        "id": f"NL-CHAT-04-{i:05d}",
        "name": f"{name} {i}",
        "sizing": Sizing(
            gpu="NVIDIA H100 SXM",
            binding_constraint="compute",
            peak_gpus=2.0,
            base_gpus=1.0,
            gpu_hours_per_month=1_000.0,
        ),
        "recommended": "colocation",
        "recommended_npv": 186_752.4,
        "recommended_per_million_tokens": 1.6649,
    }


def test_every_workload_is_one_row_under_the_column_titles_of_its_page():
    pages = ledger_pages([_workload(i) for i in range(200)], "EUR")
    titles = pages[0].splitlines()[0]
    assert titles.startswith("Workload ID") and titles.rstrip().endswith("Per 1M")
    for page in pages:
        assert page.splitlines()[0] == titles
    assert len(pages[0].splitlines()) <= LINES_FIRST_PAGE
    assert all(len(page.splitlines()) <= LINES_PER_PAGE for page in pages[1:])
    rows = [line for page in pages for line in page.splitlines()[3:] if line.startswith("NL-")]
    assert len(rows) == 200
    first = rows[0]
    assert "Colocation" in first and "186,752 EUR" in first and first.endswith("1.66 EUR")
    width = sum(column.width for column in COLUMNS) + 2 * (len(COLUMNS) - 1)
    assert max(len(line) for page in pages for line in page.splitlines()) <= width


def test_a_long_name_wraps_within_its_column_and_its_row_stays_on_one_page():
    long_name = "Restoration of the nineteen-seventies newsreel archive in 4K with grain kept"
    # Each of these rows takes two lines (the sizing wraps); they fill the first page but one.
    workloads = [_workload(i) for i in range((LINES_FIRST_PAGE - 3) // 2)]
    workloads.append(_workload(999, long_name))
    pages = ledger_pages(workloads, "EUR")
    # The long row did not fit the first page whole: it opens the second, every line of it.
    body = pages[1].splitlines()[3:]
    assert body[0].startswith("NL-CHAT-04-00999")
    name_column = slice(22, 52)
    words = " ".join(line[name_column].strip() for line in body)
    assert words == f"{long_name} 999"
