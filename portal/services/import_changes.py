"""What importing rows would do to each workload: created, changed (field: before -> after) or
left as it is, so a reader confirms an import knowing what it changes, not only how many."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from portal.models import Organization, Workload
from portal.selectors import workloads_for
from portal.services.workload_rows import RowError, WorkloadRowCleaner

CHANGES_LISTED = 200  # rows the preview details; the counts cover every row


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class RowChange:
    row: int
    external_id: str
    action: str  # "create", "update" or "unchanged"
    changes: list[FieldChange] = field(default_factory=list)


@dataclass(frozen=True)
class ImportChanges:
    to_create: int
    to_update: int
    unchanged: int
    rows: list[RowChange]  # the first CHANGES_LISTED
    errors: list[RowError]


def _shown(value: Any) -> str:
    """A stored or imported value as the preview prints it."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value) or "(empty)"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def _comparable(value: Any) -> Any:
    if isinstance(value, Workload._meta.get_field("model").related_model):
        return value.pk
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value)).normalize()
    if value == "":
        return None
    return list(value) if isinstance(value, tuple) else value


def import_changes(
    *, organization: Organization, rows: Iterable[tuple[int, Mapping[str, Any]]]
) -> ImportChanges:
    """Each row's effect on the stored workloads, without writing anything."""
    cleaned, errors = WorkloadRowCleaner(organization).clean_all(rows)
    if errors:
        return ImportChanges(0, 0, 0, [], errors)
    stored = {
        w.external_id: w
        for w in workloads_for(organization=organization)
        .filter(external_id__in=[values["external_id"] for _, values in cleaned])
        .select_related("model")
    }
    counts = {"create": 0, "update": 0, "unchanged": 0}
    listed: list[RowChange] = []
    for number, values in cleaned:
        workload = stored.get(values["external_id"])
        changes = []
        if workload is not None:
            for name, after in values.items():
                before = getattr(workload, name, None)
                if name != "external_id" and _comparable(before) != _comparable(after):
                    model_field = Workload._meta.get_field(name)
                    labels = dict(model_field.flatchoices or ())  # a choice reads as its label
                    changes.append(
                        FieldChange(
                            str(model_field.verbose_name),
                            _shown(labels.get(before, before)),
                            _shown(labels.get(after, after)),
                        )
                    )
        action = "create" if workload is None else "update" if changes else "unchanged"
        counts[action] += 1
        if len(listed) < CHANGES_LISTED:
            listed.append(RowChange(number, values["external_id"], action, changes))
    return ImportChanges(counts["create"], counts["update"], counts["unchanged"], listed, [])
