"""Writes to the workload inventory: single edits and the all-or-nothing bulk upsert."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, models, transaction
from django.utils import timezone
from psycopg import errors as pg_errors
from psycopg.types.json import Jsonb

from portal.models import AuditAction, ModelSpec, Organization, Workload
from portal.models.workload import gpu_class_checker
from portal.services.audit import audit_change, audit_record
from portal.services.workload_rows import RowError, WorkloadRowCleaner

WRITE_BATCH_ROWS = 5_000
MAX_ERRORS_LISTED = 1_000
_UPSERT_KEY = ("organization", "external_id")
_TEMP_TABLE = "sovra_workload_upsert"
# pg_advisory_xact_lock(namespace, organization): one bulk write per organization at a time.
_UPSERT_LOCK_NAMESPACE = 0x5356  # "SV"
# A write that still meets a deadlock or a serialization failure is tried this many times.
UPSERT_ATTEMPTS = 3


class WorkloadsBusy(RuntimeError):
    """Another write held the same workloads until the attempts ran out; nothing was written."""


class WorkloadRowsInvalid(Exception):
    """Rows that failed validation; nothing was written."""

    def __init__(self, errors: list[RowError], total: int | None = None):
        self.errors = errors[:MAX_ERRORS_LISTED]
        self.total = len(errors) if total is None else total
        super().__init__(f"{self.total} problem(s) in the rows; nothing was written.")


class CrossOrganizationLink(ValueError):
    """A workload of one organization pointed at another organization's data."""


@dataclass(frozen=True)
class UpsertResult:
    """What an upsert did (or, for a dry run, would do)."""

    created: int
    updated: int
    dry_run: bool
    external_ids_created: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated


def _check_model_visible(*, organization: Organization, model: ModelSpec | None) -> None:
    if model is not None and model.organization_id not in (None, organization.pk):
        raise CrossOrganizationLink("The model belongs to another organization.")


def workload_save(*, organization: Organization, workload: Workload) -> Workload:
    """Create or update one workload of this organization (from the web form or the API)."""
    if workload.pk is None:
        workload.organization = organization
    elif workload.organization_id != organization.pk:
        raise CrossOrganizationLink("The workload belongs to another organization.")
    _check_model_visible(organization=organization, model=workload.model)
    workload.full_clean(exclude=["organization"], validate_unique=False)
    if workload.gpu_class and (why := gpu_class_checker(organization)(workload.gpu_class)):
        raise ValidationError({"gpu_class": why})
    taken = (
        Workload.objects.for_organization(organization)
        .filter(external_id=workload.external_id)
        .exclude(pk=workload.pk)
        .exists()
    )
    if taken:
        message = f"{workload.external_id!r} is already used by another workload."
        raise ValidationError({"external_id": message})
    with audit_change(organization=organization, obj=workload, kind="workload"):
        workload.save()
    return workload


def workload_delete(*, organization: Organization, workload: Workload) -> None:
    if workload.organization_id != organization.pk:
        raise CrossOrganizationLink("The workload belongs to another organization.")
    with transaction.atomic():
        audit_record(organization=organization, action=AuditAction.WORKLOAD_DELETED, obj=workload)
        workload.delete()


def workloads_upsert(
    *,
    organization: Organization,
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    dry_run: bool = False,
) -> UpsertResult:
    """Insert or update workloads by ``external_id``, all or nothing.

    ``rows`` are ``(row number as the source counts it, {column: raw value})``. Every row is
    checked before anything is written; any problem raises ``WorkloadRowsInvalid`` listing each
    row and field. Columns a row leaves out keep their stored value (or the default for a new
    workload), so an inventory can sync only the fields it owns.
    """
    cleaned, errors = WorkloadRowCleaner(organization).clean_all(rows)
    if errors:
        raise WorkloadRowsInvalid(errors)
    external_ids = [values["external_id"] for _, values in cleaned]
    if dry_run:
        existing = _existing_external_ids(organization, external_ids)
    else:
        existing = _write_retrying(organization, _group_by_columns(cleaned), external_ids)
    created_ids = [eid for eid in external_ids if eid not in existing]
    return UpsertResult(
        created=len(created_ids),
        updated=len(external_ids) - len(created_ids),
        dry_run=dry_run,
        external_ids_created=created_ids,
    )


def _existing_external_ids(organization: Organization, external_ids: list[str]) -> set[str]:
    if connection.vendor == "postgresql":
        # One array parameter instead of 5,000 bound values: several times faster to send.
        table = connection.ops.quote_name(Workload._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT external_id FROM {table} "  # noqa: S608 (the model's own table)
                f"WHERE organization_id = %s AND external_id = ANY(%s)",
                [organization.pk, external_ids],
            )
            return {external_id for (external_id,) in cursor.fetchall()}
    existing: set[str] = set()
    scoped = Workload.objects.for_organization(organization)
    for start in range(0, len(external_ids), WRITE_BATCH_ROWS):
        chunk = external_ids[start : start + WRITE_BATCH_ROWS]
        existing.update(scoped.filter(external_id__in=chunk).values_list("external_id", flat=True))
    return existing


def _write_retrying(organization: Organization, groups: dict, external_ids: list[str]) -> set[str]:
    """One transaction with its audit event, tried again where PostgreSQL aborted it to break
    a deadlock."""
    for attempt in range(1, UPSERT_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                existing = _write(organization, groups)
                created = sum(1 for eid in external_ids if eid not in existing)
                audit_record(
                    organization=organization,
                    action=AuditAction.WORKLOADS_UPSERTED,
                    object_type="workload",
                    object_repr=f"{len(external_ids)} workload(s)",
                    details={"created": created, "updated": len(external_ids) - created},
                )
                return existing
        except OperationalError as error:
            retryable = isinstance(
                error.__cause__, pg_errors.DeadlockDetected | pg_errors.SerializationFailure
            )
            if not retryable or transaction.get_connection().in_atomic_block:
                raise  # inside a caller's transaction, only the caller can start again
            if attempt == UPSERT_ATTEMPTS:
                raise WorkloadsBusy(
                    f"Other writes held these workloads {UPSERT_ATTEMPTS} times; nothing was "
                    "written. Send the rows again."
                ) from error
    raise AssertionError("unreachable")


def _group_by_columns(
    cleaned: list[tuple[int, dict[str, Any]]],
) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for _, values in cleaned:
        groups.setdefault(tuple(sorted(values)), []).append(values)
    return groups


def _write(organization: Organization, groups: dict[tuple[str, ...], list[dict]]) -> set[str]:
    """Write the rows; returns the external IDs that existed before."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        return _write_copy(organization, groups, now)
    external_ids = [values["external_id"] for rows in groups.values() for values in rows]
    existing = _existing_external_ids(organization, external_ids)
    for columns, rows in groups.items():
        _write_bulk_create(organization, columns, rows, now)
    return existing


def _write_bulk_create(
    organization: Organization, columns: tuple[str, ...], rows: list[dict], now
) -> None:
    """The portable path (SQLite): INSERT ... ON CONFLICT through the ORM, in batches."""
    update_fields = [c for c in columns if c != "external_id"] + ["updated_at"]
    for start in range(0, len(rows), WRITE_BATCH_ROWS):
        batch = [
            Workload(organization=organization, created_at=now, updated_at=now, **values)
            for values in rows[start : start + WRITE_BATCH_ROWS]
        ]
        Workload.dangerously_unscoped.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["organization", "external_id"],
            update_fields=update_fields,
        )


def _copy_columns() -> list[models.Field]:
    return [f for f in Workload._meta.concrete_fields if not f.primary_key]


def _write_copy(
    organization: Organization, groups: dict[tuple[str, ...], list[dict]], now
) -> set[str]:
    """PostgreSQL: COPY every row into a temporary table, then one INSERT ... ON CONFLICT per
    group of rows sharing the same columns (so each updates only the columns it gave).

    COPY skips building a model instance and a bound parameter per cell, several times faster
    than ``bulk_create`` for thousands of rows. New rows get the model's defaults for the
    columns they leave out, exactly as ``Workload(**values)`` would give them.
    """
    fields = _copy_columns()
    quote = connection.ops.quote_name
    table = quote(Workload._meta.db_table)
    names = [f.column for f in fields]
    column_list = ", ".join(quote(n) for n in names)
    defaults = {f.attname: f.get_default() for f in fields}
    defaults.update(organization_id=organization.pk, created_at=now, updated_at=now)
    order = [f.attname for f in fields]
    json_columns = {f.attname for f in fields if isinstance(f, models.JSONField)}
    unique = ", ".join(quote(Workload._meta.get_field(n).column) for n in _UPSERT_KEY)
    # Every name below comes from the model's metadata, none from the request (S608).
    with connection.cursor() as cursor:
        # Two bulk writes to one organization's inventory wait for each other instead of
        # locking the same rows in different orders (a deadlock PostgreSQL breaks with an error).
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [_UPSERT_LOCK_NAMESPACE, organization.pk]
        )
        cursor.execute(
            f"CREATE TEMP TABLE {_TEMP_TABLE} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {column_list}, 0::integer AS upsert_group FROM {table} WITH NO DATA"
        )
        copy_sql = f"COPY {_TEMP_TABLE} ({column_list}, upsert_group) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            for group_number, rows in enumerate(groups.values()):
                for values in rows:
                    row = {**defaults, **values}
                    for name in json_columns:
                        row[name] = Jsonb(row[name])
                    copy.write_row([row[name] for name in order] + [group_number])
        # Which rows exist, by a join on the server rather than thousands of parameters.
        cursor.execute(
            f"SELECT t.external_id FROM {_TEMP_TABLE} t JOIN {table} w "  # noqa: S608
            f"ON w.organization_id = %s AND w.external_id = t.external_id",
            [organization.pk],
        )
        existing = {external_id for (external_id,) in cursor.fetchall()}
        for group_number, columns in enumerate(groups):
            updated = [_column_of(c) for c in columns if c != "external_id"] + ["updated_at"]
            assignments = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in updated)
            cursor.execute(
                f"INSERT INTO {table} ({column_list}) "  # noqa: S608
                f"SELECT {column_list} FROM {_TEMP_TABLE} WHERE upsert_group = %s "
                # Rows locked in one order by every writer: single-row edits never cross it.
                f"ORDER BY external_id "
                f"ON CONFLICT ({unique}) DO UPDATE SET {assignments}",
                [group_number],
            )
        # ON COMMIT DROP alone would leave it to the next call inside a longer transaction.
        cursor.execute(f"DROP TABLE {_TEMP_TABLE}")
    return existing


def _column_of(attname: str) -> str:
    return Workload._meta.get_field("model" if attname == "model_id" else attname).column
