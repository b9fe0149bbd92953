"""Inventory exports and the import template, as CSV and XLSX, safe to open in a spreadsheet.

Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) is prefixed with an apostrophe, as OWASP advises against CSV
injection; imports remove that apostrophe again, so an export re-imports unchanged.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from portal.models import AuditEvent, Workload
from portal.services.workload_rows import WORKLOAD_COLUMNS, column_help
from portal.services.xlsx_writer import stream_xlsx

_DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_TEXT_COLUMNS = frozenset(
    {"external_id", "name", "owner_team", "model", "gpu_class", "tags", "notes"}
)

TEMPLATE_EXAMPLES: list[dict[str, Any]] = [
    {
        "external_id": "CMDB-0001",
        "name": "Internal chat assistant",
        "owner_team": "Digital workplace",
        "kind": "chat",
        "model": "Llama 3.3 70B",
        "precision": "fp8",
        "avg_input_tokens": 1200,
        "avg_output_tokens": 350,
        "requests_per_day": 6000,
        "peak_factor": Decimal("3.5"),
        "ttft_target_ms": 800,
        "output_tokens_per_second_target": 25,
        "growth_pct_per_year": Decimal("30"),
        "data_classification": "confidential",
        "personal_data": True,
        "special_category_data": False,
        "sector_regulation": "none",
        "residency_requirement": "eu_eea",
        "tags": ["assistant", "staff"],
        "notes": "Drafting, summaries and search over internal documents.",
    },
    {
        "external_id": "CMDB-0002",
        "name": "Archive audio restoration",
        "owner_team": "Archive",
        "kind": "speech",
        "gpu_hours_per_month": Decimal("900"),
        "peak_gpus": 4,
        "gpu_class": "L40S",
        "data_classification": "internal",
        "residency_requirement": "none",
        "tags": ["archive"],
    },
]


def neutralise_formula(text: str) -> str:
    """Prefix text a spreadsheet would evaluate, so it shows as text."""
    return "'" + text if text.startswith(_DANGEROUS_PREFIXES) else text


def restore_formula(text: str) -> str:
    """Undo ``neutralise_formula``: an exported cell re-imports as the text it was."""
    if text.startswith("'") and text[1:].startswith(_DANGEROUS_PREFIXES):
        return text[1:]
    return text


def _cell(column: str, value: Any) -> Any:
    if value is None:
        return ""
    if column == "tags":
        value = "; ".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if column in _TEXT_COLUMNS or isinstance(value, str):
        return neutralise_formula(str(value))
    return value


def _workload_values(workload: Workload) -> dict[str, Any]:
    values = {column: getattr(workload, column) for column in WORKLOAD_COLUMNS if column != "model"}
    values["model"] = workload.model.name if workload.model_id else ""
    return values


def _rows(records: Iterable[dict[str, Any]]) -> Iterable[list[Any]]:
    for record in records:
        yield [_cell(column, record.get(column)) for column in WORKLOAD_COLUMNS]


# Rows written per chunk of a streamed CSV, and fetched per query of a large export.
EXPORT_CHUNK_ROWS = 2000


def _csv_chunks(records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    return csv_chunks(WORKLOAD_COLUMNS, _rows(records))


def csv_chunks(header: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """A CSV in pieces of EXPORT_CHUNK_ROWS rows, so no export is ever whole in memory.

    ``rows`` are already safe for a spreadsheet (``neutralise_formula`` on their text)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    # A BOM makes Excel open the file as UTF-8 rather than the local code page.
    buffer.write("\ufeff")
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow(["" if value is None else value for value in row])
        if count % EXPORT_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _csv(records: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(_csv_chunks(records))


def _xlsx(records: Iterable[dict[str, Any]], *, with_help: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = "workloads"
    sheet.append(list(WORKLOAD_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in _rows(records):
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never let a stored value become a live formula
    if with_help:
        for index, column in enumerate(WORKLOAD_COLUMNS, start=1):
            field = Workload._meta.get_field(column)
            if field.choices:
                allowed = ",".join(str(v) for v, _ in field.choices if v != "")
                if len(allowed) < 250:
                    letter = sheet.cell(row=1, column=index).column_letter
                    check = DataValidation(type="list", formula1=f'"{allowed}"', allow_blank=True)
                    check.add(f"{letter}2:{letter}10000")
                    sheet.add_data_validation(check)
        help_sheet = workbook.create_sheet("help")
        help_sheet.append(["column", "label", "required", "allowed values", "help"])
        for cell in help_sheet[1]:
            cell.font = Font(bold=True)
        for entry in column_help():
            help_sheet.append(
                [
                    entry["column"],
                    entry["label"],
                    entry["required"],
                    entry["allowed"],
                    entry["help"],
                ]
            )
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def workloads_csv_chunks(*, workloads: Iterable[Workload]) -> Iterator[bytes]:
    """The inventory as CSV, piece by piece, for a streaming response."""
    return _csv_chunks(_workload_values(w) for w in workloads)


def workloads_csv(*, workloads: Iterable[Workload]) -> bytes:
    return _csv(_workload_values(w) for w in workloads)


def workloads_xlsx_chunks(*, workloads: Iterable[Workload]) -> Iterator[bytes]:
    """The inventory as XLSX, piece by piece, for a streaming response."""
    return stream_xlsx(
        sheet_name="workloads",
        header=WORKLOAD_COLUMNS,
        rows=_rows(_workload_values(w) for w in workloads),
        rows_per_chunk=EXPORT_CHUNK_ROWS,
    )


def workloads_xlsx(*, workloads: Iterable[Workload]) -> bytes:
    return b"".join(workloads_xlsx_chunks(workloads=workloads))


def template_csv() -> bytes:
    return _csv(TEMPLATE_EXAMPLES)


def template_xlsx() -> bytes:
    return _xlsx(TEMPLATE_EXAMPLES, with_help=True)


AUDIT_COLUMNS = [
    "occurred_at",
    "actor",
    "ip_address",
    "channel",
    "action",
    "object_type",
    "object_id",
    "object",
    "details",
]


def _audit_row(event: AuditEvent) -> list[Any]:
    details = json.dumps(event.details, sort_keys=True, ensure_ascii=False)
    cells = [
        event.occurred_at.isoformat(),
        event.actor,
        event.ip_address or "",
        event.channel,
        event.action,
        event.object_type,
        event.object_id,
        event.object_repr,
        details,
    ]
    return [neutralise_formula(str(cell)) for cell in cells]


def audit_events_csv_chunks(*, events: Iterable[AuditEvent]) -> Iterator[bytes]:
    """The audit log as CSV, piece by piece; every cell is text made safe for a spreadsheet."""
    return csv_chunks(AUDIT_COLUMNS, (_audit_row(event) for event in events))
