"""The streamed XLSX: valid for openpyxl and Excel's readers, lazy, and never a formula."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from portal.services.imports import parse_workload_file
from portal.services.xlsx_writer import stream_xlsx


def test_rows_are_typed_text_is_never_a_formula_and_the_header_is_bold_and_frozen():
    rows = [["=1+1", 12, Decimal("2.50")], ["a < b & c", None, True], ["bell\x07", "", 0.5]]
    data = b"".join(stream_xlsx(sheet_name="workloads", header=["x", "y", "z"], rows=rows))
    sheet = load_workbook(io.BytesIO(data))["workloads"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    values = [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows(min_row=2)]
    assert values == [
        [("=1+1", "s"), (12, "n"), (2.5, "n")],
        [("a < b & c", "s"), (None, "n"), ("true", "s")],
        [("bell", "s"), (None, "n"), (0.5, "n")],
    ]


def test_pieces_leave_before_the_last_row_is_made():
    made = []

    def rows():
        for number in range(10):
            made.append(number)
            yield [f"WL-{number}", "X", "chat"]

    pieces = stream_xlsx(
        sheet_name="workloads",
        header=["external_id", "name", "kind"],
        rows=rows(),
        rows_per_chunk=3,
    )
    sent = [next(pieces), next(pieces)]  # the package's fixed parts, then three rows
    assert made == [0, 1, 2]
    sent.extend(pieces)
    assert made == list(range(10))
    sheet = load_workbook(io.BytesIO(b"".join(sent)))["workloads"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        f"WL-{number}" for number in range(10)
    ]


def test_a_streamed_sheet_imports_back_unchanged():
    rows = [["WL-1", "Chat", "chat", 1200], ["WL-2", "  spaced  ", "embeddings", 3]]
    header = ["external_id", "name", "kind", "requests_per_day"]
    data = b"".join(stream_xlsx(sheet_name="workloads", header=header, rows=rows))
    parsed = parse_workload_file(filename="w.xlsx", data=data)
    assert [values for _, values in parsed.rows] == [
        dict(zip(header, row, strict=True)) for row in rows
    ]


def test_sheets_keep_their_widths_formats_merges_and_frozen_columns():
    from datetime import date, datetime

    from portal.services.xlsx_writer import Cell, Column, Sheet, stream_workbook

    money = Sheet(
        "Money",
        [Column("Option", 20), Column("NPV (EUR)", 14, "money"), Column("Share", 9, "percent")],
        [["On-premises", 1789221.947, 0.25], ["Cloud", float("nan"), Cell(3, "integer")]],
        frozen_columns=1,
    )
    notes = Sheet(
        "Notes",
        [Column("", 10), Column("", 10), Column("", 10)],
        [[Cell("Title", "bold", 3)], ["Why", Cell("word " * 20, "wrap", 2)],
         [date(2026, 5, 18), datetime(2026, 11, 25, 9, 30)]],
        header=False,
    )  # fmt: skip
    data = b"".join(stream_workbook([money, notes]))
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Money", "Notes"]

    sheet = book["Money"]
    assert sheet.freeze_panes == "B2"
    assert sheet.column_dimensions["A"].width == 20 and sheet.column_dimensions["B"].width == 14
    assert sheet["B2"].value == 1789221.947 and sheet["B2"].number_format == "#,##0"
    assert sheet["C2"].number_format == "0%"
    assert sheet["B3"].value is None  # not a number a spreadsheet can hold
    assert (sheet["C3"].value, sheet["C3"].number_format) == (3, "#,##0")
    # A header wraps within its column's width; its row grows to show it.
    assert sheet["B1"].font.b and sheet["B1"].alignment.wrap_text

    sheet = book["Notes"]
    assert sheet.freeze_panes is None
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:C1", "B2:C2"}
    assert sheet["A1"].font.b
    assert sheet["B2"].alignment.wrap_text and sheet.row_dimensions[2].height == 75  # 100/20
    assert sheet["A3"].value == datetime(2026, 5, 18) and sheet["A3"].number_format == "yyyy-mm-dd"
    assert sheet["B3"].value == datetime(2026, 11, 25, 9, 30)
    assert sheet["B3"].number_format == "yyyy-mm-dd hh:mm"
