"""The report's table of every workload, set as fixed-width lines (one preformatted block a page).

A long portfolio's report lists every workload in one row each. As an HTML table, a thousand
rows cost WeasyPrint several seconds (each cell is a box it lays out); the same rows as lines of
one preformatted block in a monospaced face cost a fraction of one, and keep their columns.
A cell longer than its column wraps onto the row's next line, so nothing is cut.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from assessments.results import Sizing

from .formatting import money, number, option_label, unit_money

# Lines of a page of the table (the monospaced face at 6.5 pt on 9 pt lines fills an A4 page's
# 255 mm with 80); the first page leaves room for the section's heading and its paragraph.
LINES_PER_PAGE = 74
LINES_FIRST_PAGE = 60
GAP = "  "


@dataclass(frozen=True)
class Column:
    title: str
    width: int  # characters
    right: bool = False


COLUMNS = (
    Column("Workload ID", 20),
    Column("Name", 30),
    Column("Sizing (peak, binding)", 26),
    Column("Recommended", 15),
    Column("NPV", 14, right=True),
    Column("Per 1M tokens", 10, right=True),
)


def _cell(text: str, column: Column) -> list[str]:
    lines = textwrap.wrap(text, column.width, break_on_hyphens=False) or [""]
    pad = str.rjust if column.right else str.ljust
    return [pad(line, column.width) for line in lines]


def _row(values: list[str]) -> list[str]:
    cells = [_cell(value, column) for value, column in zip(values, COLUMNS, strict=True)]
    height = max(len(cell) for cell in cells)
    blank = [" " * column.width for column in COLUMNS]
    return [
        GAP.join(cell[i] if i < len(cell) else blank[k] for k, cell in enumerate(cells)).rstrip()
        for i in range(height)
    ]


def _values(workload: dict, currency: str) -> list[str]:
    sizing: Sizing | None = workload["sizing"]
    sized = (
        f"{number(sizing.peak_gpus, 1)} \N{MULTIPLICATION SIGN} {sizing.gpu}, "
        f"{sizing.binding_constraint}"
        if sizing
        else ""
    )
    return [
        str(workload["id"]),
        str(workload["name"]),
        sized,
        option_label(workload["recommended"]),
        money(workload["recommended_npv"], currency),
        unit_money(workload["recommended_per_million_tokens"], currency),
    ]


def ledger_pages(workloads: list[dict], currency: str) -> list[str]:
    """The table as pages of text, each opening with the column titles; a row is never split
    between two pages."""
    header = _row([column.title for column in COLUMNS])
    header.append(GAP.join("─" * column.width for column in COLUMNS))
    pages: list[list[str]] = []
    page: list[str] = []
    room = LINES_FIRST_PAGE - len(header)
    for workload in workloads:
        lines = _row(_values(workload, currency))
        if page and len(page) + len(lines) > room:
            pages.append(page)
            page, room = [], LINES_PER_PAGE - len(header)
        page += lines
    if page:
        pages.append(page)
    return ["\n".join(header + lines) for lines in pages]
