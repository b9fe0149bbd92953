"""Export a catalog as JSON or CSV, and import rows into a draft one: all or nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from costing.models import CATALOG_ROW_MODELS, Catalog, Provider
from costing.services.catalogs import check_owner, locked_draft
from costing.services.gpu_specs import SpecNames, catalog_spec_names, link_gpu
from portal.models import AuditAction, Organization
from portal.services.audit import audit_record
from portal.services.exports import neutralise_formula, restore_formula

# Columns never exchanged: the database's own keys and the catalog a row belongs to.
_INTERNAL = {"id", "catalog", "gpu", "undercut_in_place", "served_as"}


@dataclass(frozen=True, slots=True)
class ImportRowError:
    """One refused cell: the kind of row, its number in the input, the field and why."""

    kind: str
    row: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "row": self.row, "field": self.field, "message": self.message}


class CatalogImportError(ValidationError):
    """The input had errors; nothing was written."""

    def __init__(self, errors: list[ImportRowError]):
        self.errors = errors
        super().__init__([f"{e.kind} row {e.row} {e.field}: {e.message}" for e in errors])


def columns(kind: str) -> list[str]:
    """The exchanged columns of a kind of row, in model order."""
    model = CATALOG_ROW_MODELS[kind]
    return [f.name for f in model._meta.concrete_fields if f.name not in _INTERNAL]


def _cell(value) -> str | int | bool | None:
    if isinstance(value, Provider):
        return value.name
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows(catalog: Catalog, kind: str) -> list[dict]:
    model = CATALOG_ROW_MODELS[kind]
    queryset = model.objects.in_catalog(catalog).order_by("pk")
    if any(f.name == "provider" for f in model._meta.concrete_fields):
        queryset = queryset.select_related("provider")
    return [{name: _cell(getattr(row, name)) for name in columns(kind)} for row in queryset]


def catalog_export(*, catalog: Catalog) -> dict:
    """The whole catalog as a JSON-ready document (the caller loaded it through a scoped query)."""
    return {
        "catalog": {
            "name": catalog.name,
            "version": catalog.version,
            "currency": catalog.currency,
            "effective_date": catalog.effective_date.isoformat(),
            "status": catalog.status,
            "source": catalog.source,
            "notes": catalog.notes,
        },
        "rows": {kind: _rows(catalog, kind) for kind in CATALOG_ROW_MODELS},
    }


def _text_columns(kind: str) -> frozenset[str]:
    """Columns holding free text (the provider by its name): only these can carry a formula.

    Numbers stay as they are, so a negative price is not turned into text.
    """
    model = CATALOG_ROW_MODELS[kind]
    return frozenset(
        f.name
        for f in model._meta.concrete_fields
        if f.name not in _INTERNAL
        and (isinstance(f, models.CharField | models.TextField) or f.is_relation)
    )


def catalog_export_csv(*, catalog: Catalog, kind: str) -> str:
    """One kind of row as CSV text; empty cells are missing values (never 0).

    Text a spreadsheet would run as a formula is neutralised as in the inventory's exports;
    ``catalog_import_csv`` restores it.
    """
    text_columns = _text_columns(kind)
    out = io.StringIO()
    # CRLF as RFC 4180 has it; with "\n" alone a lone "\r" in a cell went out unquoted.
    writer = csv.DictWriter(out, fieldnames=columns(kind), lineterminator="\r\n")
    writer.writeheader()
    for row in _rows(catalog, kind):
        writer.writerow(
            {
                k: "" if v is None else neutralise_formula(v) if k in text_columns else v
                for k, v in row.items()
            }
        )
    return out.getvalue()


def _build(
    kind: str,
    number: int,
    data: dict,
    catalog: Catalog,
    specs: SpecNames,
    errors: list,
    providers: dict[str, Provider | None],
) -> models.Model:
    model = CATALOG_ROW_MODELS[kind]
    known = set(columns(kind))
    for name in sorted(set(data) - known):
        errors.append(ImportRowError(kind, number, name, "unknown column"))
    fields = {name: data[name] for name in known & set(data)}
    # An empty cell is a missing value: NULL where the field allows it, else blank text.
    for name, value in list(fields.items()):
        field = model._meta.get_field(name)
        if value == "" and field.null:
            fields[name] = None
    if "provider" in known:
        name = fields.pop("provider", None) or ""
        if name not in providers:
            providers[name] = (
                (
                    Provider.objects.for_organization(catalog.organization)
                    if catalog.organization_id
                    else Provider.objects.public()
                )
                .filter(name=name)
                .first()
            )
        fields["provider"] = providers[name]
        if fields["provider"] is None:
            errors.append(ImportRowError(kind, number, "provider", f"unknown provider {name!r}"))
    row = model(catalog=catalog, **fields)
    link_gpu(row, specs)
    try:
        # The provider was checked above, against the providers this catalog may name; the
        # catalog and GPU were set from rows just loaded. Check constraints cost a query each
        # per row: the database checks them all at once on insert (``_store``).
        row.full_clean(exclude=["provider", "catalog", "gpu"], validate_constraints=False)
    except ValidationError as exc:
        _add(errors, kind, number, exc)
    return row


def _add(errors: list, kind: str, number: int, exc: ValidationError) -> None:
    for name, messages in exc.message_dict.items():
        errors.extend(ImportRowError(kind, number, name, m) for m in messages)


def _store(catalog: Catalog, built: dict[str, list[models.Model]]) -> None:
    """Insert every row; where the database refuses one, name each refused row and field
    (a query per row and constraint, paid only when the input is bad)."""
    try:
        with transaction.atomic():
            for kind, objects in built.items():
                CATALOG_ROW_MODELS[kind].objects.bulk_create_in(catalog, objects)
    except IntegrityError as exc:
        errors: list[ImportRowError] = []
        for kind, objects in built.items():
            for number, row in enumerate(objects, start=1):
                row.pk = None
                try:
                    row.validate_constraints()
                except ValidationError as refused:
                    _add(errors, kind, number, refused)
        raise CatalogImportError(
            errors or [ImportRowError("", 0, "", f"the database refused the rows: {exc}")]
        ) from exc


def catalog_import(
    *,
    catalog: Catalog,
    rows: dict[str, list[dict]],
    organization: Organization | None = None,
    replacing: str = "",
) -> dict[str, int]:
    """Replace the rows of the given kinds in a draft catalog with ``rows`` (JSON or CSV cells).

    With ``replacing`` (a source_row prefix, e.g. a feed's ``litellm:``) only the rows whose
    source_row starts so are replaced; the rest of the catalog stays. Every row is checked
    first; one error refuses the whole input (``CatalogImportError`` names kind, row number and
    field). Returns the number of rows stored per kind.
    """
    check_owner(catalog=catalog, organization=organization)
    unknown = sorted(set(rows) - set(CATALOG_ROW_MODELS))
    errors = [ImportRowError(kind, 0, "kind", "unknown kind of row") for kind in unknown]
    with transaction.atomic():
        catalog = locked_draft(catalog)
        # Old rows go first so that re-importing an export does not clash with itself; an
        # error rolls the deletion back with everything else.
        for kind in set(rows) & set(CATALOG_ROW_MODELS):
            old = CATALOG_ROW_MODELS[kind].objects.in_catalog(catalog)
            if replacing:
                old = old.filter(source_row__startswith=replacing)
            old.delete()
        specs = catalog_spec_names(catalog)
        providers: dict[str, Provider | None] = {}
        built = {
            kind: [
                _build(kind, number, data, catalog, specs, errors, providers)
                for number, data in enumerate(items, start=1)
            ]
            for kind, items in rows.items()
            if kind in CATALOG_ROW_MODELS
        }
        for kind, objects in built.items():
            seen: dict[str, int] = {}
            for number, row in enumerate(objects, start=1):
                if replacing and not row.source_row.startswith(replacing):
                    message = f"must start with {replacing!r}: only those rows are replaced"
                    errors.append(ImportRowError(kind, number, "source_row", message))
                if row.source_row and seen.setdefault(row.source_row, number) != number:
                    message = f"same source_row as row {seen[row.source_row]}"
                    errors.append(ImportRowError(kind, number, "source_row", message))
        if errors:
            raise CatalogImportError(errors)
        _store(catalog, built)
        counts = {kind: len(objects) for kind, objects in built.items()}
        audit_record(
            organization=catalog.organization,
            action=AuditAction.CATALOG_IMPORTED,
            obj=catalog,
            details={"rows": counts},
        )
    return counts


def catalog_import_csv(
    *, catalog: Catalog, kind: str, text: str, organization: Organization | None = None
) -> dict[str, int]:
    """Import one kind of row from CSV text (the format ``catalog_export_csv`` writes)."""
    text_columns = _text_columns(kind) if kind in CATALOG_ROW_MODELS else frozenset()
    rows = [
        {
            k: restore_formula(v) if k in text_columns and isinstance(v, str) else v
            for k, v in row.items()
        }
        for row in csv.DictReader(io.StringIO(text))
    ]
    return catalog_import(catalog=catalog, rows={kind: rows}, organization=organization)
