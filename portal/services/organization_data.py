"""An organization's data is its own: its owner exports all of it, or deletes all of it.

The export is one zip archive, streamed as it is written: ``manifest.json``, one JSON file of
rows per owned model (``data/<app>.<model>.json``, Django's serialization: model, pk, fields)
and every stored file beside them (a run's PDF as ``files/assessments.runreport/<pk>-pdf.pdf``;
the row names its file). It is made in the request rather than by a task: nothing is kept at
rest outside the database (no copy of everything to secure, expire and delete), and memory stays
bounded by one chunk of rows (one stored file at most) however large the organization.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from importlib import metadata

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from portal.models import AuditAction, Membership, Organization, Role
from portal.models.tenancy import owned_rows
from portal.services.audit import audit_record
from portal.services.xlsx_writer import ZipPipe

EXPORT_CHUNK_ROWS = 500
ARCHIVE_FORMAT = 1


class OrganizationNameMismatch(ValidationError):
    """The confirmation did not repeat the organization's name."""


def _check_owner(*, organization: Organization, actor: Membership) -> None:
    if actor.organization_id != organization.pk or not actor.has_role(Role.OWNER):
        raise PermissionDenied("Only an owner of this organization can do this.")


def _binary_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.BinaryField)]


def _file_name(model: type[models.Model], pk, field: models.Field) -> str:
    suffix = ".pdf" if field.name == "pdf" else ".bin"
    return f"files/{model._meta.label_lower}/{pk}-{field.name}{suffix}"


def _write_model(archive: zipfile.ZipFile, pipe: ZipPipe, model, rows) -> Iterator[bytes]:
    """One model's rows as a JSON array (Django's serialization: model, pk, fields; a foreign
    key as the id it names), a chunk at a time. Read as plain values, not model instances:
    several times faster for tens of thousands of rows. A stored file is named in its row
    and written into its own entry afterwards (``_write_files``): an archive writes one entry
    at a time. Many-to-many links are the rows of their own table."""
    label = model._meta.label_lower
    binary = _binary_fields(model)
    fields = [f for f in model._meta.concrete_fields if f not in binary and not f.primary_key]
    count = 0
    with archive.open(f"data/{label}.json", "w", force_zip64=True) as part:
        part.write(b"[")
        values = rows.values_list("pk", *(f.attname for f in fields))
        for pk, *cells in values.iterator(chunk_size=EXPORT_CHUNK_ROWS):
            row = {field.name: cell for field, cell in zip(fields, cells, strict=True)}
            row.update({field.name: _file_name(model, pk, field) for field in binary})
            part.write((b"," if count else b"") + _dumps({"model": label, "pk": pk, "fields": row}))
            count += 1
            if count % EXPORT_CHUNK_ROWS == 0:
                yield pipe.take()
        part.write(b"]")
    yield pipe.take()
    return count


def _dumps(value) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).encode()


def _write_files(archive: zipfile.ZipFile, pipe: ZipPipe, model, rows) -> Iterator[bytes]:
    """The stored files of one model's rows (PDFs, uploads), one row at a time."""
    binary = _binary_fields(model)
    if not binary:
        return
    names = ["pk", *(f.name for f in binary)]
    for obj in rows.only(*names).iterator(chunk_size=1):
        for field in binary:
            archive.writestr(_file_name(model, obj.pk, field), bytes(getattr(obj, field.name)))
        yield pipe.take()


def organization_export_chunks(*, organization: Organization, actor: Membership) -> Iterator[bytes]:
    """Check the owner and record the export now; the archive's bytes as the caller reads."""
    _check_owner(organization=organization, actor=actor)
    audit_record(
        organization=organization, action=AuditAction.ORGANIZATION_EXPORTED, obj=organization
    )
    return _archive(organization)


def _archive(organization: Organization) -> Iterator[bytes]:
    pipe = ZipPipe()
    counts: dict[str, int] = {}
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for model, rows in owned_rows(organization):
            counts[model._meta.label_lower] = yield from _write_model(archive, pipe, model, rows)
            yield from _write_files(archive, pipe, model, rows)
        manifest = {
            "format": ARCHIVE_FORMAT,
            "organization": organization.slug,
            "exported_at": timezone.now().isoformat(),
            "sovra_version": metadata.version("sovra"),
            "rows": counts,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    yield pipe.take()


def organization_delete(
    *, organization: Organization, actor: Membership, confirm_name: str
) -> dict:
    """Delete the organization and every row it owns (stored files are rows too), for good.

    The owner confirms by typing the organization's name. The deletion is written to the
    installation's audit log (no organization), since the organization's own log goes with it.
    Returns the number of rows deleted per model.
    """
    _check_owner(organization=organization, actor=actor)
    if (confirm_name or "").strip() != organization.name:
        raise OrganizationNameMismatch(
            {"confirm_name": f"Type the organization's name, {organization.name}, to confirm."}
        )
    return organization_purge(organization=organization)


def organization_purge(*, organization: Organization) -> dict:
    """``organization_delete`` without its checks, for staff in the Django admin."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The audit log's trigger lets this transaction, and only it, delete this
            # organization's events.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('sovra.deleting_organization', %s, true)",
                    [str(organization.pk)],
                )
        rows = owned_rows(organization)
        counts = {model._meta.label_lower: queryset.count() for model, queryset in rows}
        audit_record(
            organization=None,
            action=AuditAction.ORGANIZATION_DELETED,
            obj=organization,
            details={"slug": organization.slug, "rows": counts},
        )
        # Rows that protect what they point at (a workload its model) go first; the rest
        # follows the organization through its cascades.
        for model, queryset in rows:
            if model is not Organization and _protects(model):
                queryset.delete()
        organization.delete()
    return counts


def _protects(model: type[models.Model]) -> bool:
    return any(
        field.remote_field.on_delete is models.PROTECT
        for field in model._meta.concrete_fields
        if field.remote_field is not None
    )
