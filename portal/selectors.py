"""Reads of the tenancy core and inventory, always scoped to one organization or user."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.models import Membership, ModelSpec, Organization, Workload


def memberships_for_user(*, user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organization")


def workloads_for(*, organization: Organization) -> QuerySet[Workload]:
    return Workload.objects.for_organization(organization).select_related("model")


def model_specs_for(*, organization: Organization) -> QuerySet[ModelSpec]:
    return ModelSpec.objects.for_organization(organization)
