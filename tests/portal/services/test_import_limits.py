"""Spreadsheet bombs: a tiny file declaring a huge sheet, or inflating to millions of rows,
is refused in well under a second with an error naming the limit and the row; nothing is written.
"""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from portal.models import Workload
from portal.services.imports import ImportFileError, parse_workload_file, workloads_import_file

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/></Types>'
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
        '<sheet name="workloads" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>"
    ),
}
HEADER = b'<row r="1"><c t="inlineStr"><is><t>external_id</t></is></c><c t="inlineStr"><is>'
HEADER += b'<t>name</t></is></c><c t="inlineStr"><is><t>kind</t></is></c></row>'
# Rows without numbers are numbered in order: identical, so deflate packs them ~1000:1.
ROW = (
    b'<row><c t="inlineStr"><is><t>WL</t></is></c><c t="inlineStr"><is><t>X</t></is></c>'
    b'<c t="inlineStr"><is><t>chat</t></is></c></row>'
)


def xlsx(*chunks: bytes, dimension: str | None = None) -> bytes:
    """A minimal workbook whose one sheet holds ``chunks`` of row XML, deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN}">'.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for chunk in chunks:
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def identical_rows(count: int) -> list[bytes]:
    return [ROW * 1000] * (count // 1000) + [ROW * (count % 1000)]


def refused(data: bytes, filename: str = "bomb.xlsx") -> tuple[str, float]:
    started = time.perf_counter()
    with pytest.raises(ImportFileError) as caught:
        parse_workload_file(filename=filename, data=data)
    return str(caught.value), time.perf_counter() - started


def test_tiny_file_declaring_the_whole_grid_is_refused_before_any_row_is_read():
    """GIVEN 1.5 KB declaring A1:XFD1048576 with one cell on row 1,048,576 (it held a worker
    for the whole timeout) WHEN it is parsed THEN it is refused at once, naming the limit."""
    last = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    data = xlsx(last, dimension="A1:XFD1048576")
    assert len(data) < 2000
    message, seconds = refused(data)
    assert "declares 1,048,576 rows (A1:XFD1048576)" in message
    assert "the limit is 100,000 workload rows per import (row 100,002 is past it)" in message
    assert seconds < 1


@pytest.mark.parametrize("row_number", [1_048_576, 1_000_000_000])
def test_a_row_far_down_without_a_declared_range_stops_the_reading_at_that_row(row_number):
    far = f'<row r="{row_number}"><c r="A{row_number}" t="inlineStr"><is><t>x</t></is></c></row>'
    message, seconds = refused(xlsx(HEADER, far.encode()))
    assert f"row {row_number:,} is past it" in message
    assert "limit of 100,000 workload rows per import" in message
    assert seconds < 1


def test_deflated_millions_of_rows_are_refused_by_their_unpacked_size():
    """GIVEN 1.5 MB of zip holding 3,000,000 identical rows (370 MB of XML) THEN refused
    from the archive's directory, before anything is inflated."""
    data = xlsx(HEADER, *identical_rows(3_000_000))
    assert len(data) < 2_000_000
    message, seconds = refused(data)
    assert "The workbook unpacks to 369.1 MB; the limit is 256.0 MB." in message
    assert seconds < 1


def test_rows_past_the_cap_stop_the_stream_at_the_first_one_over(settings):
    settings.SOVRA_IMPORT_MAX_ROWS = 1_000
    message, seconds = refused(xlsx(HEADER, *identical_rows(200_000)))
    assert message == (
        "The file has more rows than the limit of 1,000 workload rows per import "
        "(row 1,002 is past it); split it into smaller files."
    )
    assert seconds < 1


def test_a_sheet_at_the_cap_is_read_whole(settings):
    settings.SOVRA_IMPORT_MAX_ROWS = 1_000
    parsed = parse_workload_file(filename="w.xlsx", data=xlsx(HEADER, *identical_rows(1_000)))
    assert len(parsed.rows) == 1_000
    assert parsed.rows[-1] == (1_001, {"external_id": "WL", "name": "X", "kind": "chat"})


def test_the_unpacked_size_limit_is_a_setting(settings):
    settings.SOVRA_IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    message, _ = refused(xlsx(HEADER, *identical_rows(20_000)))
    assert "unpacks to 2.5 MB; the limit is 1.0 MB" in message


def test_cells_far_right_of_the_header_are_named_not_padded():
    """A cell in column XFD on each of 20,000 rows is one error a row, not 16,384 cells a row."""
    stray = b'<row><c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>'
    started = time.perf_counter()
    parsed = parse_workload_file(filename="w.xlsx", data=xlsx(HEADER, stray * 20_000))
    assert time.perf_counter() - started < 5
    assert parsed.rows == []
    assert len(parsed.errors) == 20_000
    assert (parsed.errors[0].row, parsed.errors[0].message) == (
        2,
        "has 16384 cells; the header has 3.",
    )


def test_a_header_reaching_far_right_is_refused_in_one_sentence():
    wide = HEADER[:-6] + b'<c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>'
    message, _ = refused(xlsx(wide, ROW))
    assert message.startswith("The header row reaches column 16,384; an inventory file has")


def test_csv_rows_past_the_cap_name_the_row_and_write_nothing(org, settings):
    settings.SOVRA_IMPORT_MAX_ROWS = 3
    lines = ["external_id,name,kind"] + [f"WL-{n},X,chat" for n in range(1, 5)]
    with pytest.raises(ImportFileError) as caught:
        workloads_import_file(organization=org, filename="w.csv", data="\n".join(lines).encode())
    assert "limit of 3 workload rows per import (row 5 is past it)" in str(caught.value)
    assert not Workload.objects.for_organization(org).exists()


def test_csv_at_the_cap_imports(org, settings):
    settings.SOVRA_IMPORT_MAX_ROWS = 3
    lines = ["external_id,name,kind"] + [f"WL-{n},X,chat" for n in range(1, 4)]
    result = workloads_import_file(
        organization=org, filename="w.csv", data="\n".join(lines).encode()
    )
    assert result.created == 3


def test_shared_strings_booleans_numbers_and_formulas_read_as_openpyxl_gives_them():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "notes"
    sheet = workbook.create_sheet("workloads")
    sheet.append(["external_id", "name", "kind", "personal_data", "requests_per_day", "notes"])
    sheet.append(["WL-1", "X", "chat", True, 1200, "=1+1"])
    sheet.append(["WL-2", "Y", "chat", False, 2.5, None])
    out = io.BytesIO()
    workbook.save(out)
    parsed = parse_workload_file(filename="w.xlsx", data=out.getvalue())
    assert [values for _, values in parsed.rows] == [
        {
            "external_id": "WL-1",
            "name": "X",
            "kind": "chat",
            "personal_data": True,
            "requests_per_day": 1200,
            "notes": "=1+1",
        },
        {
            "external_id": "WL-2",
            "name": "Y",
            "kind": "chat",
            "personal_data": False,
            "requests_per_day": 2.5,
            "notes": None,
        },
    ]
