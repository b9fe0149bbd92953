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
