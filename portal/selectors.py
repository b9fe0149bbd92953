"""Reads of the tenancy core and inventory, always scoped to one organization or user."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from portal.models import (
    ApiToken,
    AuditEvent,
    Invitation,
    Membership,
    ModelSpec,
    Organization,
    VerifiedDomain,
    Workload,
)
from portal.models.workload import DataClassification, WorkloadKind


def memberships_for_user(*, user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organization")


def workloads_for(*, organization: Organization) -> QuerySet[Workload]:
    return Workload.objects.for_organization(organization).select_related("model")


def model_specs_for(*, organization: Organization) -> QuerySet[ModelSpec]:
    return ModelSpec.objects.for_organization(organization)


def members_of(*, organization: Organization) -> QuerySet[Membership]:
    """The organization's members with their users, for the members page."""
    return Membership.objects.filter(organization=organization).select_related("user")


def invitations_of(*, organization: Organization) -> QuerySet[Invitation]:
    """Every invitation of the organization, newest first, with who sent it."""
    return (
        Invitation.objects.for_organization(organization)
        .select_related("invited_by")
        .order_by("-invited_at", "-pk")
    )


def invitations_pending_of(*, organization: Organization) -> QuerySet[Invitation]:
    """Invitations still waiting for their invitee (neither used, withdrawn nor expired)."""
    return invitations_of(organization=organization).filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def domains_of(*, organization: Organization) -> QuerySet[VerifiedDomain]:
    """The e-mail domains the organization claimed, verified or not."""
    return VerifiedDomain.objects.for_organization(organization).order_by("domain")


def invitation_for_link(*, token: str) -> Invitation | None:
    """The invitation an acceptance link names, whatever its state (the page says which)."""
    return Invitation.objects.for_token(token).select_related("organization", "invited_by").first()


def account_exists_for_address(*, email: str) -> bool:
    """Whether some account uses this address; asked only for the holder of its invitation."""
    return get_user_model().objects.filter(email__iexact=email.strip()).exists()


def audit_events_of(*, organization: Organization) -> QuerySet[AuditEvent]:
    """The organization's audit log, newest first."""
    return AuditEvent.objects.for_organization(organization).order_by("-occurred_at", "-pk")


def api_tokens_for_user(*, user) -> QuerySet[ApiToken]:
    """A user's own API tokens (tokens belong to the user, not to an organization)."""
    return ApiToken.objects.filter(user=user)


@dataclass(frozen=True)
class WorkloadSummary:
    """Headline figures of an inventory, for the dashboard."""

    total: int
    requests_per_day: int
    tokens_per_day: int
    with_personal_data: int
    with_special_category_data: int
    by_kind: list[tuple[str, str, int]]  # (value, label, count), largest first
    by_classification: list[tuple[str, str, int]]  # (value, label, count), in sensitivity order


def workloads_summary(*, workloads: QuerySet[Workload]) -> WorkloadSummary:
    """Counts and daily demand over an already scoped workload queryset (three queries)."""
    # requests x tokens can pass the range of bigint when summed, so multiply as numeric.
    tokens = Cast("requests_per_day", DecimalField(max_digits=30, decimal_places=0)) * (
        F("avg_input_tokens") + F("avg_output_tokens")
    )
    totals = workloads.order_by().aggregate(
        total=Count("id"),
        requests=Sum("requests_per_day"),
        tokens=Sum(tokens, output_field=DecimalField(max_digits=40, decimal_places=0)),
        personal=Count("id", filter=Q(personal_data=True)),
        special=Count("id", filter=Q(special_category_data=True)),
    )
    kinds = dict(WorkloadKind.choices)
    by_kind = sorted(
        (
            (row["kind"], str(kinds.get(row["kind"], row["kind"])), row["n"])
            for row in workloads.order_by().values("kind").annotate(n=Count("id"))
        ),
        key=lambda item: (-item[2], item[1]),
    )
    counts = {
        row["data_classification"]: row["n"]
        for row in workloads.order_by().values("data_classification").annotate(n=Count("id"))
    }
    by_classification = [
        (value, str(label), counts[value])
        for value, label in DataClassification.choices
        if counts.get(value)
    ]
    return WorkloadSummary(
        total=totals["total"],
        requests_per_day=int(totals["requests"] or 0),
        tokens_per_day=int(totals["tokens"] or 0),
        with_personal_data=totals["personal"],
        with_special_category_data=totals["special"],
        by_kind=by_kind,
        by_classification=by_classification,
    )
