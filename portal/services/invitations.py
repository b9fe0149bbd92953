"""Joining an organization by invitation: invite, send the link, accept (or sign up), revoke.

Nothing an admin sees depends on whether the address has an account: inviting never looks
users up, and the e-mail is the same for everyone. Only the invitee, holding the link, learns
whether to sign in or to create an account.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.models import (
    AuditAction,
    Invitation,
    InvitationState,
    Membership,
    Organization,
    Role,
)
from portal.models.invitation import invitation_token_hash, invitation_token_new
from portal.models.outbox import EmailStatus
from portal.outbox import enqueue
from portal.selectors import account_exists_for_address
from portal.services.audit import audit_record
from portal.services.organizations import member_record, membership_grant_check


class InvitationUnusable(Exception):
    """The link names no invitation, or one that expired, was revoked or was already used."""

    MESSAGES = {
        "unknown": "This invitation link is not valid. Check that the whole link was copied.",
        InvitationState.EXPIRED: "This invitation has expired.",
        InvitationState.REVOKED: "This invitation was withdrawn.",
        InvitationState.ACCEPTED: "This invitation was already used.",
    }

    def __init__(self, reason: str, invitation: Invitation | None = None):
        self.reason = reason
        self.invitation = invitation
        super().__init__(self.MESSAGES[reason])


class InvitationAlreadyAccepted(ValidationError):
    """An accepted invitation cannot be withdrawn: the access is a membership now."""


class InvitationForAnotherAddress(PermissionDenied):
    """The signed-in user's address is not the one invited."""


class InvitationAccountExists(Exception):
    """An account already uses the invited address: its owner signs in to accept."""


def _same_address(first: str, second: str) -> bool:
    return first.strip().casefold() == second.strip().casefold()


def _clean_address(email: str) -> str:
    address = (email or "").strip()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise ValidationError({"email": f"{address!r} is not an email address."}) from exc
    return address


def _open_invitation(organization: Organization, address: str) -> Invitation | None:
    return (
        Invitation.objects.for_organization(organization)
        .select_for_update()
        .filter(email__iexact=address, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )


def enqueue_invitation(invitation: Invitation) -> None:
    enqueue("portal.tasks.invitation_email_send_task", invitation.organization_id, invitation.pk)


def invitation_create(
    *, organization: Organization, actor: Membership, email: str, role: str
) -> Invitation:
    """Invite ``email`` to the organization with ``role``, or refresh its open invitation.

    The answer is the same whether or not the address has an account; only an address that
    is already a member here (which the admin can see on the member list) is refused.
    """
    if actor.organization_id != organization.pk:
        raise PermissionDenied("You are not a member of this organization.")
    if role not in Role.values:
        raise ValidationError({"role": f"{role!r} is not a role."})
    membership_grant_check(actor=actor, role=role)
    address = _clean_address(email)
    if Membership.objects.filter(organization=organization, user__email__iexact=address).exists():
        raise ValidationError({"email": f"{address} is already a member."})
    now = timezone.now()
    fields = {
        "email": address,
        "role": role,
        "invited_by": actor.user,
        "invited_at": now,
        "expires_at": now + timedelta(days=settings.SOVRA_INVITATION_DAYS),
    }
    with transaction.atomic():
        invitation = _open_invitation(organization, address)
        if invitation is None:
            try:
                with transaction.atomic():
                    invitation = Invitation.objects.create_in(organization, **fields)
            except IntegrityError:
                # Invited at the same moment by someone else: refresh theirs.
                invitation = _open_invitation(organization, address)
                if invitation is None:
                    raise
                _refresh(invitation, actor=actor, fields=fields)
        else:
            _refresh(invitation, actor=actor, fields=fields)
        audit_record(
            organization=organization,
            action=AuditAction.INVITATION_CREATED,
            obj=invitation,
            details={"email": address, "role": role},
        )
        transaction.on_commit(lambda: enqueue_invitation(invitation))
    return invitation


def _refresh(invitation: Invitation, *, actor: Membership, fields: dict) -> None:
    # Replacing an invitation to be owner is an owner's decision, like changing an owner's role.
    membership_grant_check(actor=actor, role=invitation.role)
    for name, value in fields.items():
        setattr(invitation, name, value)
    invitation.email_status = EmailStatus.QUEUED
    invitation.email_attempts = 0
    invitation.email_last_error = ""
    invitation.email_sent_at = None
    invitation.save()


def invitation_revoke(*, actor: Membership, invitation: Invitation) -> Invitation:
    """Withdraw an invitation: its link stops working. Revoking twice changes nothing."""
    if invitation.organization_id != actor.organization_id:
        raise PermissionDenied("That invitation belongs to another organization.")
    membership_grant_check(actor=actor, role=invitation.role)
    with transaction.atomic():
        current = (
            Invitation.objects.for_organization(actor.organization)
            .select_for_update()
            .get(pk=invitation.pk)
        )
        if current.accepted_at is not None:
            raise InvitationAlreadyAccepted(
                "This invitation was already accepted; remove the member instead."
            )
        if current.revoked_at is None:
            current.revoked_at = timezone.now()
            current.revoked_by = actor.user
            current.save(update_fields=["revoked_at", "revoked_by"])
            audit_record(
                organization=current.organization,
                action=AuditAction.INVITATION_REVOKED,
                obj=current,
                details={"email": current.email, "role": current.role},
            )
    return current


def accept_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("invitation-accept", kwargs={"token": token})


def _inviter_name(invitation: Invitation) -> str:
    user = invitation.invited_by
    if user is None:
        return "An administrator"
    return user.get_full_name() or user.email or user.get_username()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def invitation_email_send(
    *, organization_id: int, invitation_id: int, final_attempt: bool = False
) -> str:
    """Mint the invitation's link and send it; a sent invitation is not sent again.

    The link's secret exists only here and in the e-mail: the database keeps its hash.
    """
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return "missing"
    scoped = Invitation.objects.for_organization(organization)
    invitation = scoped.select_related("invited_by").filter(pk=invitation_id).first()
    if invitation is None:
        return "missing"
    if invitation.email_status in (EmailStatus.SENT, EmailStatus.FAILED):
        return invitation.email_status
    if invitation.state != InvitationState.PENDING:
        return invitation.state  # withdrawn, used or expired before it could be sent
    token = invitation_token_new()
    minted = scoped.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True)
    if not minted.update(
        token_hash=invitation_token_hash(token), email_attempts=F("email_attempts") + 1
    ):
        return "closed"
    context = {
        "organization": organization,
        "inviter": _inviter_name(invitation),
        "role": Role(invitation.role).label.lower(),
        "link": accept_url(token),
        "expires_at": invitation.expires_at,
    }
    message = EmailMessage(
        subject=_one_line(f"You are invited to {organization.name} on Sovra"),
        body=render_to_string("invitations/email.txt", context),
        to=[invitation.email],
        headers={"Message-ID": make_msgid(idstring=f"sovra-invitation-{invitation.pk}")},
    )
    try:
        message.send(fail_silently=False)
    except Exception as error:
        status = EmailStatus.FAILED if final_attempt else EmailStatus.RETRYING
        scoped.filter(pk=invitation.pk).update(
            email_status=status, email_last_error=f"{type(error).__name__}: {error}"[:1000]
        )
        raise
    # Refreshed while this was sending: stay queued, so the refresh's own e-mail goes out.
    scoped.filter(pk=invitation.pk, invited_at=invitation.invited_at).update(
        email_status=EmailStatus.SENT, email_sent_at=timezone.now(), email_last_error=""
    )
    return EmailStatus.SENT


def invitation_email_fail(*, organization_id: int, invitation_id: int, error: str) -> None:
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return
    Invitation.objects.for_organization(organization).filter(pk=invitation_id).exclude(
        email_status=EmailStatus.SENT
    ).update(email_status=EmailStatus.FAILED, email_last_error=error[:1000])


def _usable(token: str) -> Invitation:
    """The open invitation the link names, locked for the acceptance, or why it cannot be used."""
    invitation = (
        Invitation.objects.for_token(token)
        .select_for_update(of=("self",))
        .select_related("organization")
        .first()
    )
    if invitation is None:
        raise InvitationUnusable("unknown")
    state = invitation.state
    if state != InvitationState.PENDING:
        raise InvitationUnusable(state, invitation)
    return invitation


def _join(invitation: Invitation, user) -> Membership:
    # Someone who became a member another way meanwhile keeps the role they have.
    membership, _ = Membership.objects.get_or_create(
        organization=invitation.organization, user=user, defaults={"role": invitation.role}
    )
    Invitation.objects.for_organization(invitation.organization).filter(pk=invitation.pk).update(
        accepted_at=timezone.now(), accepted_by=user
    )
    details = {"user": user.get_username(), "role": membership.role, "invitation": invitation.pk}
    member_record(membership, AuditAction.MEMBER_JOINED, details)
    return membership


def invitation_accept_vouched(*, invitation: Invitation, user) -> Membership:
    """Accept an open invitation (locked by the caller) for ``user``, whose address an identity
    provider verified: the sign-in proves the mailbox as the link would."""
    return _join(invitation, user)


def invitation_accept(*, token: str, user) -> Membership:
    """The signed-in ``user`` accepts the invitation the link names: they become a member.

    Only the invited address may accept (compared without regard to case); the link works once.
    """
    with transaction.atomic():
        invitation = _usable(token)
        if not _same_address(user.email or "", invitation.email):
            raise InvitationForAnotherAddress(
                f"This invitation is for {invitation.email}; sign in with that address to accept."
            )
        return _join(invitation, user)


def invitation_sign_up(
    *, token: str, username: str, password: str, first_name: str = "", last_name: str = ""
):
    """Create an account for the invited address and accept with it, all or nothing.

    Returns the new user and their membership.
    """
    user_model = get_user_model()
    with transaction.atomic():
        invitation = _usable(token)
        if account_exists_for_address(email=invitation.email):
            raise InvitationAccountExists(
                f"An account already uses {invitation.email}: sign in to accept."
            )
        username = username.strip()
        user = user_model(
            username=username,
            email=invitation.email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
        )
        errors: dict[str, list[str]] = {}
        try:
            user_model.username_validator(username)
        except ValidationError as exc:
            errors["username"] = exc.messages
        if not username:
            errors["username"] = ["Choose a username."]
        elif len(username) > user_model._meta.get_field("username").max_length:
            errors["username"] = ["At most 150 characters."]
        elif user_model.objects.filter(username__iexact=username).exists():
            errors["username"] = ["This username is taken; choose another."]
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = exc.messages
        if errors:
            raise ValidationError(errors)
        user.set_password(password)
        user.save()
        membership = _join(invitation, user)
    return user, membership
