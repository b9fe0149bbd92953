"""Reading an uploaded catalog file and checking it without writing (the import preview)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from django.db import transaction

from costing.services import CatalogImportError, catalog_import


@dataclass
class ImportCheck:
    """The outcome of a dry run: counts per kind, or every problem by kind, row and field."""

    counts: dict[str, int] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error


def rows_of(*, text: str, name: str, kind: str) -> tuple[dict, str, str]:
    """(rows by kind, file format, problem): JSON documents as exported, or CSV of ``kind``."""
    if name.lower().endswith(".json") or text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            return {}, "json", f"The file is not valid JSON: {exc}."
        rows = document.get("rows") if isinstance(document, dict) else None
        if not isinstance(rows, dict) or not all(
            isinstance(items, list) and all(isinstance(item, dict) for item in items)
            for items in rows.values()
        ):
            return {}, "json", 'A JSON file needs "rows": {kind: [objects]}, as exported.'
        return rows, "json", ""
    if not kind:
        return {}, "csv", "Say which kind of row the CSV file holds."
    return {kind: list(csv.DictReader(io.StringIO(text)))}, "csv", ""


def import_run(*, catalog, organization, rows: dict, dry_run: bool) -> ImportCheck:
    """Import all or nothing; a dry run rolls back even a clean import."""
    try:
        with transaction.atomic():
            counts = catalog_import(catalog=catalog, rows=rows, organization=organization)
            if dry_run:
                transaction.set_rollback(True)
    except CatalogImportError as exc:
        return ImportCheck(errors=[error.as_dict() for error in exc.errors])
    return ImportCheck(counts=counts)
