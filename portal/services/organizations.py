"""Organizations and their members: creation, roles, removal (joining is by invitation)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from portal.models import AuditAction, Membership, Organization, Role
from portal.services.audit import audit_record, changed_fields, stored_values


class LastOwnerError(ValidationError):
    """An organization must keep at least one owner."""


def organization_create(
    *, name: str, slug: str, country: str, currency: str, owner
) -> Organization:
    """Create an organization with ``owner`` as its first owner."""
    with transaction.atomic():
        organization = Organization(name=name, slug=slug, country=country, currency=currency)
        organization.full_clean()
        organization.save()
        Membership.objects.create(organization=organization, user=owner, role=Role.OWNER)
    return organization


def organization_update(*, organization: Organization, **fields) -> Organization:
    before = stored_values(organization)
    for name, value in fields.items():
        setattr(organization, name, value)
    organization.full_clean()
    with transaction.atomic():
        organization.save()
        audit_record(
            organization=organization,
            action=AuditAction.ORGANIZATION_UPDATED,
            obj=organization,
            details={"fields": changed_fields(before, organization)},
        )
    return organization


def membership_grant_check(*, actor: Membership, role: str) -> None:
    """Refuse unless ``actor`` may hand out ``role`` (admins any role but owner, owners all)."""
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied("Only owners and admins manage members.")
    if role == Role.OWNER and not actor.has_role(Role.OWNER):
        raise PermissionDenied("Only an owner can make someone an owner.")


def _lock_owners(organization_id: int) -> None:
    # Two admins demoting the last two owners at once must not both succeed.
    list(
        Membership.objects.select_for_update()
        .filter(organization_id=organization_id, role=Role.OWNER)
        .values_list("pk", flat=True)
    )


def _owners_left_without(membership: Membership) -> int:
    return (
        Membership.objects.filter(organization_id=membership.organization_id, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .count()
    )


def membership_owner_guard(*, membership: Membership, new_role: str | None) -> None:
    """Refuse to leave an organization without an owner (``new_role=None`` means removal).

    Shared by the services below and the Django admin, so staff cannot bypass the rule either.
    """
    if membership.pk is None:
        return
    stored_role = Membership.objects.filter(pk=membership.pk).values_list("role", flat=True).first()
    if stored_role != Role.OWNER or new_role == Role.OWNER:
        return
    _lock_owners(membership.organization_id)
    if _owners_left_without(membership) == 0:
        if new_role is None:
            raise LastOwnerError("The last owner cannot be removed; make someone else owner first.")
        raise LastOwnerError({"role": "The last owner cannot be demoted; add another owner first."})


def membership_change_role(*, actor: Membership, membership: Membership, role: str) -> Membership:
    if membership.organization_id != actor.organization_id:
        raise PermissionDenied("That member belongs to another organization.")
    if role not in Role.values:
        raise ValidationError({"role": f"{role!r} is not a role."})
    membership_grant_check(actor=actor, role=role)
    if membership.role == Role.OWNER and not actor.has_role(Role.OWNER):
        raise PermissionDenied("Only an owner can change an owner's role.")
    with transaction.atomic():
        membership_owner_guard(membership=membership, new_role=role)
        details = {"user": membership.user.get_username(), "from": membership.role, "to": role}
        membership.role = role
        membership.save(update_fields=["role"])
        member_record(membership, AuditAction.MEMBER_ROLE_CHANGED, details)
    return membership


def membership_remove(*, actor: Membership, membership: Membership) -> None:
    """Remove a member; anyone may leave, admins remove others, owners remove owners."""
    if membership.organization_id != actor.organization_id:
        raise PermissionDenied("That member belongs to another organization.")
    leaving_self = membership.pk == actor.pk
    if not leaving_self:
        membership_grant_check(actor=actor, role=Role.ADMIN)
        if membership.role == Role.OWNER and not actor.has_role(Role.OWNER):
            raise PermissionDenied("Only an owner can remove an owner.")
    with transaction.atomic():
        membership_owner_guard(membership=membership, new_role=None)
        details = {"user": membership.user.get_username(), "role": membership.role}
        member_record(membership, AuditAction.MEMBER_REMOVED, details)
        membership.delete()


def member_record(membership: Membership, action: AuditAction, details: dict) -> None:
    """A member's event, named by the member's user (a membership has no name of its own)."""
    audit_record(
        organization=membership.organization,
        action=action,
        obj=membership.user,
        object_type="member",
        details=details,
    )
