"""Inventory imports from CSV and XLSX: staged, previewed with every bad row, then applied whole.

A file is read into rows of ``{column: raw value}`` numbered as a spreadsheet numbers them
(the header is row 1), cleaned by the same rules as the API, and written only when the user
confirms and every row is good: nothing is ever half-imported.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from lxml import etree

from portal.models import Organization, Workload, WorkloadImport
from portal.services import xlsx_reader
from portal.services.import_changes import RowChange, import_changes
from portal.services.workload_rows import (
    REQUIRED_COLUMNS,
    WORKLOAD_COLUMNS,
    RowError,
)
from portal.services.workloads import (
    MAX_ERRORS_LISTED,
    UpsertResult,
    WorkloadRowsInvalid,
    workloads_upsert,
)

_XLSX_MAGIC = b"PK\x03\x04"
_LABEL_TO_COLUMN = {
    **{name: name for name in WORKLOAD_COLUMNS},
    **{
        str(Workload._meta.get_field(name).verbose_name).strip().lower(): name
        for name in WORKLOAD_COLUMNS
    },
}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (size, type, encoding, header); nothing was written."""


@dataclass(frozen=True)
class ParsedFile:
    """Rows of a file as ``(row number, {column: raw value})`` with the columns it has."""

    columns: list[str]
    rows: list[tuple[int, dict[str, Any]]]
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class ImportPreview:
    """What applying a staged file would do, or every problem that prevents it."""

    rows_total: int
    to_create: int
    to_update: int
    errors: list[RowError]
    error_total: int
    columns: list[str]
    unchanged: int = 0
    changes: list[RowChange] = field(default_factory=list)  # the first rows, each with its effect

    @property
    def ok(self) -> bool:
        return self.error_total == 0


def format_size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def _normalise_header(cell: Any) -> str:
    text = "" if cell is None else str(cell)
    return text.replace("\ufeff", "").strip().lower().replace(" ", "_")


def _columns_from_header(header: list[Any]) -> list[str]:
    columns: list[str] = []
    problems: list[str] = []
    for position, cell in enumerate(header, start=1):
        raw = "" if cell is None else str(cell).strip()
        key = _normalise_header(cell)
        column = _LABEL_TO_COLUMN.get(key) or _LABEL_TO_COLUMN.get(raw.lower())
        if column is None:
            if not raw:
                problems.append(f"column {position} has no name")
            else:
                problems.append(f"unknown column {raw[:60]!r} (column {position})")
            continue
        if column in columns:
            problems.append(f"column {raw!r} appears twice")
            continue
        columns.append(column)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        problems.append("missing required column(s): " + ", ".join(missing))
    if problems:
        raise ImportFileError(
            "The header row cannot be used: "
            + "; ".join(problems)
            + ". Download the import template for the expected columns."
        )
    return columns


def _past_the_cap(number: int, max_rows: int) -> ImportFileError:
    return ImportFileError(
        f"The file has more rows than the limit of {max_rows:,} workload rows per import "
        f"(row {number:,} is past it); split it into smaller files."
    )


def _is_blank(cell: Any) -> bool:
    return cell is None or not str(cell).strip()


def _rows_from_table(table: Iterator[tuple[int, dict[int, Any]]]) -> ParsedFile:
    """Rows of ``(row number, {column: value})`` (1-based, empty cells absent) checked against
    the header and the row cap; a row numbered past the cap stops the reading at once."""
    max_rows = settings.SOVRA_IMPORT_MAX_ROWS
    max_width = len(WORKLOAD_COLUMNS)
    header_row, header = 0, None
    for header_row, cells in table:
        if header_row > max_rows + 1:
            raise _past_the_cap(header_row, max_rows)
        if any(cell not in (None, "") for cell in cells.values()):
            header = cells
            break
    if header is None:
        raise ImportFileError("The file is empty: it has no header row and no workloads.")
    width = max(header)
    if width > max_width + 1:
        raise ImportFileError(
            f"The header row reaches column {width:,}; an inventory file has at most "
            f"{max_width} columns. Download the import template for the expected columns."
        )
    columns = _columns_from_header([header.get(index) for index in range(1, width + 1)])
    last_row = header_row + max_rows
    rows: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    for number, cells in table:
        if number > last_row:
            raise _past_the_cap(number, max_rows)
        if all(_is_blank(cell) for cell in cells.values()):
            continue  # blank lines between blocks of rows are harmless
        beyond = [index for index, cell in cells.items() if index > width and not _is_blank(cell)]
        if beyond:
            errors.append(
                RowError(number, None, f"has {max(beyond)} cells; the header has {width}.")
            )
            continue
        rows.append((number, {name: cells.get(i) for i, name in enumerate(columns, start=1)}))
    if not rows and not errors:
        raise ImportFileError("The file has a header but no workload rows.")
    return ParsedFile(columns=columns, rows=rows, errors=errors)


def _decode_csv(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            "The file is UTF-16 text; save it as 'CSV UTF-8 (comma delimited)' and upload again."
        )
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ImportFileError(
            f"The file contains NUL bytes (first on line {line}): it is not a text CSV. "
            f"Save it as 'CSV UTF-8' and upload again."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"The file is not UTF-8 (byte 0x{data[exc.start]:02X} on line {line}); save it "
            f"as 'CSV UTF-8' and upload again."
        ) from exc


def parse_csv(data: bytes) -> ParsedFile:
    text = _decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        return _rows_from_table(
            (number, {i: cell for i, cell in enumerate(cells, start=1) if cell != ""})
            for number, cells in enumerate(reader, start=1)
        )
    except csv.Error as exc:
        raise ImportFileError(f"The CSV is malformed: {exc}.") from exc


def _check_xlsx_archive(data: bytes) -> None:
    """Refuse a workbook whose parts unpack to more than the limit, before inflating any."""
    limit = settings.SOVRA_IMPORT_MAX_UNPACKED_BYTES
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # Reading stops at each member's declared size, so the declared total bounds the work.
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFileError("The file is not a readable XLSX workbook.") from exc
    if unpacked > limit:
        raise ImportFileError(
            f"The workbook unpacks to {format_size(unpacked)}; the limit is "
            f"{format_size(limit)}. Save only the workloads sheet, or split the file."
        )


def parse_xlsx(data: bytes) -> ParsedFile:
    """Stream the workloads sheet: sizes and the declared range are checked before any row."""
    _check_xlsx_archive(data)
    max_rows = settings.SOVRA_IMPORT_MAX_ROWS
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheet = xlsx_reader.choose_sheet(archive, preferred="workloads")
            if sheet.declared_max_row is not None and sheet.declared_max_row > max_rows + 1:
                raise ImportFileError(
                    f"The sheet {sheet.name!r} declares {sheet.declared_max_row:,} rows "
                    f"({sheet.declared_range}); the limit is {max_rows:,} workload rows per "
                    f"import (row {max_rows + 2:,} is past it). Delete the rows below your data "
                    "or split the file."
                )
            strings = xlsx_reader.shared_strings(archive)
            with archive.open(sheet.path) as source:
                return _rows_from_table(xlsx_reader.iter_cells(source, strings))
    except xlsx_reader.XlsxError as exc:
        raise ImportFileError(str(exc)) from exc
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error, etree.Error) as exc:
        raise ImportFileError("The file is not a readable XLSX workbook.") from exc


def parse_workload_file(*, filename: str, data: bytes) -> ParsedFile:
    """Read an uploaded CSV or XLSX file into numbered rows (nothing is validated yet)."""
    limit = settings.SOVRA_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise ImportFileError(
            f"The file is {format_size(len(data))}; the limit is {format_size(limit)}."
        )
    if not data:
        raise ImportFileError("The file is empty: it has no header row and no workloads.")
    name = filename.lower()
    if data.startswith(_XLSX_MAGIC) or name.endswith(".xlsx"):
        if not data.startswith(_XLSX_MAGIC):
            raise ImportFileError("The file is named .xlsx but is not an XLSX workbook.")
        return parse_xlsx(data)
    if name.endswith((".csv", ".txt")):
        return parse_csv(data)
    raise ImportFileError("Upload a .csv (UTF-8) or .xlsx file.")


def _read_upload(upload) -> bytes:
    limit = settings.SOVRA_IMPORT_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ImportFileError(
            f"The file is {format_size(size)}; the limit is {format_size(limit)}."
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ImportFileError(f"The file is larger than the limit of {format_size(limit)}.")
    return data


def workload_import_stage(*, organization: Organization, user, upload) -> WorkloadImport:
    """Keep an uploaded file for preview; refuses at once a file that cannot be read at all."""
    data = _read_upload(upload)
    filename = (getattr(upload, "name", "") or "upload").rsplit("/", 1)[-1][:255]
    parsed = parse_workload_file(filename=filename, data=data)
    return WorkloadImport.objects.create_in(
        organization,
        uploaded_by=user,
        filename=filename,
        content=data,
        rows_total=len(parsed.rows) + len({e.row for e in parsed.errors}),
    )


def _check_pending(workload_import: WorkloadImport) -> None:
    if workload_import.status != WorkloadImport.Status.PENDING:
        raise ImportFileError(f"This import was already {workload_import.status}.")


def workload_import_preview(*, workload_import: WorkloadImport) -> ImportPreview:
    """Check every row of a staged file, without writing anything."""
    parsed = parse_workload_file(
        filename=workload_import.filename, data=bytes(workload_import.content)
    )
    changes = import_changes(organization=workload_import.organization, rows=parsed.rows)
    errors = list(parsed.errors) + changes.errors
    error_total = len(errors)
    errors.sort(key=lambda error: (error.row, error.field or ""))
    rows_total = len(parsed.rows) + len({e.row for e in parsed.errors})
    if workload_import.error_count != error_total or workload_import.rows_total != rows_total:
        workload_import.error_count = error_total
        workload_import.rows_total = rows_total
        workload_import.save(update_fields=["error_count", "rows_total"])
    return ImportPreview(
        rows_total=rows_total,
        to_create=changes.to_create,
        to_update=changes.to_update,
        unchanged=changes.unchanged,
        changes=changes.rows,
        errors=errors[:MAX_ERRORS_LISTED],
        error_total=error_total,
        columns=parsed.columns,
    )


def workload_import_apply(*, workload_import: WorkloadImport) -> UpsertResult:
    """Write every row of a staged file, or nothing if any row is bad."""
    with transaction.atomic():
        locked = WorkloadImport.objects.for_organization(
            workload_import.organization
        ).select_for_update()
        workload_import = locked.get(pk=workload_import.pk)
        _check_pending(workload_import)
        parsed = parse_workload_file(
            filename=workload_import.filename, data=bytes(workload_import.content)
        )
        if parsed.errors:
            raise WorkloadRowsInvalid(parsed.errors)
        result = workloads_upsert(organization=workload_import.organization, rows=parsed.rows)
        workload_import.status = WorkloadImport.Status.APPLIED
        workload_import.rows_created = result.created
        workload_import.rows_updated = result.updated
        workload_import.error_count = 0
        workload_import.applied_at = timezone.now()
        workload_import.content = b""  # the inventory now holds the data; keep no second copy
        workload_import.save()
    return result


def workload_import_discard(*, workload_import: WorkloadImport) -> None:
    _check_pending(workload_import)
    workload_import.status = WorkloadImport.Status.DISCARDED
    workload_import.content = b""
    workload_import.save(update_fields=["status", "content"])


def workloads_import_file(
    *, organization: Organization, filename: str, data: bytes
) -> UpsertResult:
    """Parse, check and apply a file in one step (service-level imports, benchmarks)."""
    parsed = parse_workload_file(filename=filename, data=data)
    if parsed.errors:
        raise WorkloadRowsInvalid(parsed.errors)
    return workloads_upsert(organization=organization, rows=parsed.rows)
