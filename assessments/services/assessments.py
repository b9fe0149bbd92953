"""Create and change assessments, refusing what a run could not use."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from assessments.callback_target import CallbackNotPublic, CallbackRefused, callback_url_check
from assessments.models import Assessment
from assessments.models.assessment import OPTION_IDS
from assessments.selectors import assessment_workload_count
from portal.models import AuditAction, Organization, Workload
from portal.services.audit import audit_record, changed_fields, stored_values

MAX_RECIPIENTS = 50
# Scenario assumptions an assessment may override, with the type each must have.
ASSUMPTION_TYPES = {
    "demand_growth_per_year": float,
    "cloud_price_trend_per_year": float,
    "api_price_trend_per_year": float,
    "electricity_price_trend_per_year": float,
    "owned_utilisation_target": float,
    "idle_power_fraction": float,
    "peak_hours_per_day": float,
    "residual_value_fraction": float,
    "commitment_term": str,
    "refresh_at_end_of_life": bool,
    "batch_peaks_coincide": bool,
}
COMMITMENT_TERMS = ("reserved_1y", "reserved_3y")


def clean_recipients(addresses, field: str = "recipients") -> list[str]:
    """Valid, distinct addresses (case-insensitive), at most MAX_RECIPIENTS; errors name each."""
    if isinstance(addresses, str):
        addresses = list(addresses.replace(";", ",").replace("\n", ",").split(","))
    cleaned, seen, errors = [], set(), []
    for raw in addresses or []:
        address = str(raw).strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            errors.append(f"{address!r} is not a valid email address")
            continue
        if address.lower() not in seen:
            seen.add(address.lower())
            cleaned.append(address)
    if len(cleaned) > MAX_RECIPIENTS:
        errors.append(f"at most {MAX_RECIPIENTS} recipients ({len(cleaned)} given)")
    if errors:
        raise ValidationError({field: errors})
    return cleaned


def clean_options(options) -> list[str]:
    if not isinstance(options, list | tuple) or not options:
        raise ValidationError({"options": ["choose at least one deployment option"]})
    unknown = [o for o in options if o not in OPTION_IDS]
    if unknown:
        raise ValidationError(
            {"options": [f"unknown option(s) {unknown}; expected some of {list(OPTION_IDS)}"]}
        )
    return [o for o in OPTION_IDS if o in options]  # the reports' order, without duplicates


def clean_assumptions(overrides) -> dict:
    if not isinstance(overrides, dict):
        raise ValidationError({"assumption_overrides": ["an object of assumption: value"]})
    errors = []
    for key, value in overrides.items():
        kind = ASSUMPTION_TYPES.get(key)
        if kind is None:
            errors.append(f"{key}: unknown assumption; expected one of {sorted(ASSUMPTION_TYPES)}")
        elif kind is float and (isinstance(value, bool) or not isinstance(value, int | float)):
            errors.append(f"{key}: a number is needed, got {value!r}")
        elif kind is float and not -1 <= value <= 24:
            errors.append(f"{key}: {value} is out of range")
        elif kind is bool and not isinstance(value, bool):
            errors.append(f"{key}: true or false, got {value!r}")
        elif key == "commitment_term" and value not in COMMITMENT_TERMS:
            errors.append(f"{key}: one of {list(COMMITMENT_TERMS)}, got {value!r}")
    if errors:
        raise ValidationError({"assumption_overrides": errors})
    return overrides


def _check_workloads(organization: Organization, workloads) -> list[Workload]:
    workloads = list(workloads or [])
    stray = [w for w in workloads if w.organization_id != organization.pk]
    if stray:
        # A workload of another organization is an error, never a silent join.
        raise ValidationError({"workloads": ["workloads must belong to this organization"]})
    return workloads


def clean_callback_url(url: str) -> str:
    """``url`` when callbacks may be sent there, judged by the URL alone (the worker resolves
    the host again each time it sends one)."""
    if not url:
        return url
    try:
        callback_url_check(url, allowed_hosts=settings.SOVRA_CALLBACK_ALLOWED_HOSTS)
    except CallbackNotPublic as refusal:
        raise ValidationError(
            f"{refusal} Callbacks go to public addresses only; an administrator can allow an "
            "internal host."
        ) from refusal
    except CallbackRefused as refusal:
        raise ValidationError(str(refusal)) from refusal
    return url


def assessment_check_size(*, assessment: Assessment) -> None:
    """Refuse an assessment covering more workloads than one run may compute: the snapshot,
    the Monte Carlo and the placement all grow with them, and a run must end in a worker's
    time limit."""
    limit = settings.SOVRA_ASSESSMENT_MAX_WORKLOADS
    count = assessment_workload_count(assessment=assessment)
    if count <= limit:
        return
    chosen = assessment.workloads.exists() or assessment.workload_tags
    scope = "" if chosen else " (none are chosen, so it covers the whole inventory)"
    raise ValidationError(
        {
            "workloads": [
                f"this assessment covers {count:,} workloads{scope}; the limit is {limit:,} "
                "per assessment. Choose fewer workloads or tags, or split it into several "
                "assessments."
            ]
        }
    )


@transaction.atomic
def assessment_save(
    *, organization: Organization, assessment: Assessment, workloads=None, user=None
) -> Assessment:
    """Validate and store an assessment (new or changed) of ``organization``."""
    if assessment.pk and assessment.organization_id != organization.pk:
        raise ValidationError("This assessment belongs to another organization.")
    before = stored_values(assessment)
    assessment.organization = organization
    assessment.options = clean_options(assessment.options)
    assessment.recipients = clean_recipients(assessment.recipients)
    assessment.assumption_overrides = clean_assumptions(assessment.assumption_overrides or {})
    try:
        assessment.callback_url = clean_callback_url(assessment.callback_url)
    except ValidationError as error:
        raise ValidationError({"callback_url": error.messages}) from error
    if not assessment.callback_secret:
        assessment.callback_secret = secrets.token_hex(32)
    if assessment.pk is None and user is not None and user.is_authenticated:
        assessment.created_by = user
    assessment.full_clean(exclude=["workloads", "created_by"])
    assessment.save()
    if workloads is not None:
        assessment.workloads.set(_check_workloads(organization, workloads))
    assessment_check_size(assessment=assessment)  # the transaction undoes the save if too big
    fields = changed_fields(before, assessment) + (["workloads"] if workloads is not None else [])
    audit_record(
        organization=organization,
        action=AuditAction.ASSESSMENT_UPDATED if before else AuditAction.ASSESSMENT_CREATED,
        obj=assessment,
        details={"fields": sorted(fields)} if before else {},
    )
    return assessment


def assessment_delete(*, organization: Organization, assessment: Assessment) -> None:
    if assessment.organization_id != organization.pk:
        raise ValidationError("This assessment belongs to another organization.")
    with transaction.atomic():
        audit_record(
            organization=organization, action=AuditAction.ASSESSMENT_DELETED, obj=assessment
        )
        assessment.delete()
