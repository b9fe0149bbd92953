"""Model specs: the public list seeded from reference data, and organizations' own entries."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from portal.models import AuditAction, ModelSpec, Organization
from portal.models.modelspec import ARCHITECTURE_FIELDS
from portal.services.audit import audit_change, audit_record

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# The whole-number sizing fields, as the model declares them.
_ARCHITECTURE_INTS = tuple(
    name
    for name in ARCHITECTURE_FIELDS
    if isinstance(ModelSpec._meta.get_field(name), models.PositiveIntegerField)
)


def _int_or_none(text: str) -> int | None:
    text = (text or "").strip()
    return int(float(text)) if text else None


def _decimal_or_none(text: str) -> Decimal | None:
    text = (text or "").strip()
    return Decimal(text) if text else None


def public_rows() -> list[dict]:
    """The public model specs' field values, from the shipped models.csv and closed API list."""
    rows = []
    with (FIXTURES / "models.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            spec = {
                "name": row["model"].strip(),
                "provider": "",
                "open_weights": row["open_weights"].strip().lower() == "true",
                "params_b": _decimal_or_none(row["params_b"]),
                "active_params_b": _decimal_or_none(row["active_params_b"]),
                "expert_params_b": _decimal_or_none(row["expert_params_b"]),
                "expert_precision": row["expert_precision"].strip().lower(),
                "context_tokens": _int_or_none(row["context_tokens"]),
                "license": row["license"].strip(),
                "source_url": row["source_url"].strip(),
                "notes": row["notes"].strip(),
            }
            spec.update({key: _int_or_none(row[key]) for key in _ARCHITECTURE_INTS})
            rows.append(spec)
    with (FIXTURES / "closed_api_models.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "name": row["name"].strip(),
                    "provider": row["provider"].strip(),
                    "open_weights": False,
                    "context_tokens": _int_or_none(row["context_tokens"]),
                    "source_url": row["source_url"].strip(),
                    "notes": row["notes"].strip(),
                }
            )
    return rows


def model_specs_seed_public() -> tuple[int, int]:
    """Create or refresh the public model specs from the shipped reference files.

    Returns (created, updated). Safe to run again: entries are matched by name.
    """
    created = updated = 0
    with transaction.atomic():
        existing = {spec.name: spec for spec in ModelSpec.objects.public()}
        for row in public_rows():
            spec = existing.get(row["name"]) or ModelSpec(organization=None)
            for key, value in row.items():
                setattr(spec, key, value)
            # The shipped rows pass the checks every organization's entries pass.
            try:
                spec.full_clean(
                    exclude=["organization"], validate_unique=False, validate_constraints=False
                )
            except ValidationError as error:
                raise ValidationError(f"models.csv, {row['name']}: {error.message_dict}") from error
            created += spec.pk is None
            updated += spec.pk is not None
            spec.save()
    return created, updated


class ModelSpecInUse(ValidationError):
    """A spec that workloads still point at cannot be deleted."""


def _check_own(*, organization: Organization, spec: ModelSpec) -> None:
    if spec.organization_id != organization.pk:
        raise PermissionDenied("Public model specs are shared and read-only.")


def model_spec_create(*, organization: Organization, spec: ModelSpec) -> ModelSpec:
    """Add an organization's own model spec (names are unique within what it can see)."""
    spec.organization = organization
    return _validate_and_save(organization=organization, spec=spec)


def model_spec_update(*, organization: Organization, spec: ModelSpec) -> ModelSpec:
    """Change one of the organization's own specs; public specs cannot be edited."""
    _check_own(organization=organization, spec=spec)
    return _validate_and_save(organization=organization, spec=spec)


def model_spec_delete(*, organization: Organization, spec: ModelSpec) -> None:
    """Delete one of the organization's own specs, unless workloads still use it."""
    _check_own(organization=organization, spec=spec)
    in_use = spec.workloads.count()
    if in_use:
        raise ModelSpecInUse(
            f"{in_use} workload(s) use this model; point them at another model first."
        )
    with transaction.atomic():
        audit_record(organization=organization, action=AuditAction.MODEL_DELETED, obj=spec)
        spec.delete()


def _validate_and_save(*, organization: Organization, spec: ModelSpec) -> ModelSpec:
    """Every problem at once: the name's clash beside the fields' own checks."""
    errors: dict[str, list[str]] = {}
    try:
        spec.full_clean(exclude=["organization"])
    except ValidationError as error:
        errors = error.message_dict
    clash = (
        ModelSpec.objects.for_organization(organization)
        .filter(name__iexact=spec.name)
        .exclude(pk=spec.pk)
        .exists()
    )
    if clash:
        errors = {"name": [f"A model named {spec.name!r} already exists."], **errors}
    if errors:
        raise ValidationError(errors)
    with audit_change(organization=organization, obj=spec, kind="model"):
        spec.save()
    return spec
