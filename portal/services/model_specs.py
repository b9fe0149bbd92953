"""Model specs: the public list seeded from reference data, and organizations' own entries."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from portal.models import ModelSpec, Organization

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_ARCHITECTURE_INTS = ("layers", "hidden_size", "attention_heads", "kv_heads", "head_dim")


def _int_or_none(text: str) -> int | None:
    text = (text or "").strip()
    return int(float(text)) if text else None


def _decimal_or_none(text: str) -> Decimal | None:
    text = (text or "").strip()
    return Decimal(text) if text else None


def _public_rows() -> list[dict]:
    rows = []
    with (FIXTURES / "models.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            spec = {
                "name": row["model"].strip(),
                "provider": "",
                "open_weights": row["open_weights"].strip().lower() == "true",
                "params_b": _decimal_or_none(row["params_b"]),
                "active_params_b": _decimal_or_none(row["active_params_b"]),
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
        for row in _public_rows():
            spec = existing.get(row["name"])
            if spec is None:
                ModelSpec.dangerously_unscoped.create(organization=None, **row)
                created += 1
                continue
            for key, value in row.items():
                setattr(spec, key, value)
            spec.save()
            updated += 1
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
    spec.delete()


def _validate_and_save(*, organization: Organization, spec: ModelSpec) -> ModelSpec:
    spec.full_clean(exclude=["organization"])
    clash = (
        ModelSpec.objects.for_organization(organization)
        .filter(name__iexact=spec.name)
        .exclude(pk=spec.pk)
        .exists()
    )
    if clash:
        raise ValidationError({"name": f"A model named {spec.name!r} already exists."})
    spec.save()
    return spec
