"""Writes to the workload inventory: single edits and the all-or-nothing bulk upsert."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.models import ModelSpec, Organization, Workload
from portal.services.workload_rows import RowError, WorkloadRowCleaner

WRITE_BATCH_ROWS = 5_000
MAX_ERRORS_LISTED = 1_000


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
    workload.save()
    return workload


def workload_delete(*, organization: Organization, workload: Workload) -> None:
    if workload.organization_id != organization.pk:
        raise CrossOrganizationLink("The workload belongs to another organization.")
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
    existing = _existing_external_ids(organization, external_ids)
    created_ids = [eid for eid in external_ids if eid not in existing]
    if dry_run:
        return UpsertResult(
            created=len(created_ids),
            updated=len(external_ids) - len(created_ids),
            dry_run=True,
            external_ids_created=created_ids,
        )
    with transaction.atomic():
        for columns, group in _group_by_columns(cleaned).items():
            _write(organization, columns, group)
    return UpsertResult(
        created=len(created_ids),
        updated=len(external_ids) - len(created_ids),
        dry_run=False,
        external_ids_created=created_ids,
    )


def _existing_external_ids(organization: Organization, external_ids: list[str]) -> set[str]:
    existing: set[str] = set()
    scoped = Workload.objects.for_organization(organization)
    for start in range(0, len(external_ids), WRITE_BATCH_ROWS):
        chunk = external_ids[start : start + WRITE_BATCH_ROWS]
        existing.update(scoped.filter(external_id__in=chunk).values_list("external_id", flat=True))
    return existing


def _group_by_columns(
    cleaned: list[tuple[int, dict[str, Any]]],
) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for _, values in cleaned:
        groups.setdefault(tuple(sorted(values)), []).append(values)
    return groups


def _write(organization: Organization, columns: tuple[str, ...], rows: list[dict]) -> None:
    now = timezone.now()
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
