"""Accelerators: public rows seeded from the reference data, and organizations' own, any vendor."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError

from costing.models import CloudGpuOffer, GpuSpec, ServerOffer
from portal.models import AuditAction, Organization
from portal.services.audit import audit_change, audit_record


class AcceleratorInUse(ValidationError):
    """An accelerator that catalog offers still name cannot be deleted."""


_IN_USE = (
    "offer(s) use this accelerator; delete them from their drafts first (published versions "
    "keep theirs, and the accelerator with them)."
)


def _check_own(*, organization: Organization, spec: GpuSpec) -> None:
    if spec.organization_id != organization.pk:
        raise PermissionDenied("Public accelerators are shared and read-only.")


def accelerator_create(*, organization: Organization, spec: GpuSpec) -> GpuSpec:
    """Add an organization's own accelerator; it must carry what sizing needs."""
    spec.organization = organization
    return _validate_and_save(organization=organization, spec=spec)


def accelerator_update(*, organization: Organization, spec: GpuSpec) -> GpuSpec:
    """Change one of the organization's own accelerators; public ones cannot be edited."""
    _check_own(organization=organization, spec=spec)
    return _validate_and_save(organization=organization, spec=spec)


def accelerator_delete(*, organization: Organization, spec: GpuSpec) -> None:
    """Delete one of the organization's own accelerators, unless catalog offers still name it.

    Offers keep their accelerator (published prices never change), so the offers go first.
    """
    _check_own(organization=organization, spec=spec)
    in_use = sum(
        model.objects.for_organization(organization).filter(gpu=spec).count()
        for model in (CloudGpuOffer, ServerOffer)
    )
    if in_use:
        raise AcceleratorInUse(f"{in_use} {_IN_USE}")
    try:
        with transaction.atomic():
            audit_record(
                organization=organization, action=AuditAction.ACCELERATOR_DELETED, obj=spec
            )
            spec.delete()
    except RestrictedError as exc:  # named by an offer outside the organization's catalogs
        raise AcceleratorInUse(f"Catalog {_IN_USE}") from exc


def _validate_and_save(*, organization: Organization, spec: GpuSpec) -> GpuSpec:
    """Every problem at once: the name's clash beside the fields' own checks."""
    errors: dict[str, list[str]] = {}
    try:
        spec.full_clean(exclude=["organization"])
    except ValidationError as error:
        errors = error.message_dict
    # A clash with a public name is the model's own check; here, the organization's own rows
    # (the database's constraint would let 'x1' beside 'X1' through).
    clash = (
        "name" not in errors
        and GpuSpec.objects.for_organization(organization)
        .filter(organization=organization, name__iexact=spec.name.strip())
        .exclude(pk=spec.pk)
        .exists()
    )
    if clash:
        errors = {"name": [f"An accelerator named {spec.name!r} already exists."], **errors}
    if errors:
        raise ValidationError(errors)
    try:
        with audit_change(organization=organization, obj=spec, kind="accelerator"):
            spec.save()
    except IntegrityError as exc:  # the same name saved at the same moment
        raise ValidationError(
            {"name": [f"An accelerator named {spec.name!r} already exists."]}
        ) from exc
    return spec
