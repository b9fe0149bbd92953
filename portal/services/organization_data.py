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

from django.core import serializers
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


def _file_name(model: type[models.Model], obj: models.Model, field: models.Field) -> str:
    suffix = ".pdf" if field.name == "pdf" else ".bin"
    return f"files/{model._meta.label_lower}/{obj.pk}-{field.name}{suffix}"


def _write_model(archive: zipfile.ZipFile, pipe: ZipPipe, model, rows) -> Iterator[bytes]:
    """One model's rows as a JSON array, and their stored files, a chunk at a time."""
    binary = _binary_fields(model)
    plain = [f.name for f in model._meta.concrete_fields if f not in binary and not f.primary_key]
    serializer = serializers.get_serializer("python")()
    count = 0
    with archive.open(f"data/{model._meta.label_lower}.json", "w", force_zip64=True) as part:
        part.write(b"[")
        chunk: list[models.Model] = []
        for obj in rows.iterator(chunk_size=EXPORT_CHUNK_ROWS):
            chunk.append(obj)
            if len(chunk) == EXPORT_CHUNK_ROWS:
                count = _write_chunk(part, archive, serializer, model, chunk, plain, binary, count)
                chunk.clear()
                yield pipe.take()
        count = _write_chunk(part, archive, serializer, model, chunk, plain, binary, count)
        part.write(b"]")
    yield pipe.take()
    return count


def _write_chunk(part, archive, serializer, model, chunk, plain, binary, count) -> int:
    # An archive writes one entry at a time: a stored file is named here and written into
    # its own entry once the model's JSON is complete (``_write_files``).
    for obj, row in zip(chunk, serializer.serialize(chunk, fields=plain), strict=True):
        for field in binary:
            row["fields"][field.name] = _file_name(model, obj, field)
        part.write((b"," if count else b"") + _dumps(row))
        count += 1
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
            archive.writestr(_file_name(model, obj, field), bytes(getattr(obj, field.name)))
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
