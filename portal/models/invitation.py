"""Invitations to join an organization: consent before membership, by a link sent by e-mail."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from portal.models.organization import Role
from portal.models.outbox import EmailStatus
from portal.models.tenancy import TenantManager, TenantModel

TOKEN_BYTES = 32


def invitation_token_new() -> str:
    """A fresh link secret: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def invitation_token_hash(token: str) -> str:
    """What is stored of a link's secret. A plain SHA-256 suffices: the secret is random and
    long, so there is nothing to guess, and a database leak gives no usable link."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationState(models.TextChoices):
    """Where an invitation stands, derived from its timestamps."""

    PENDING = "pending", "Pending"
    EXPIRED = "expired", "Expired"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Revoked"


class InvitationManager(TenantManager):
    """Scoped like every tenant manager, plus the one lookup an invitee makes: by link secret.

    The invitee belongs to no organization yet, so the link's secret is the scope: it names
    exactly one invitation, and only whoever received the e-mail knows it.
    """

    def for_token(self, token: str) -> models.QuerySet:
        if not token:
            return models.Manager.get_queryset(self).none()
        return models.Manager.get_queryset(self).filter(token_hash=invitation_token_hash(token))

    def pending_for_vouched_address(self, email: str) -> models.QuerySet:
        """Open, unexpired invitations of an address an identity provider vouched for.

        Only a sign-in whose provider says the address is verified may ask: the address is then
        the scope, as the link's secret is for whoever holds the e-mail.
        """
        return (
            models.Manager.get_queryset(self)
            .filter(
                email__iexact=email.strip(),
                accepted_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .select_related("organization")
        )


class Invitation(TenantModel):
    """An address asked to join an organization with a role; membership waits for acceptance."""

    email = models.EmailField(max_length=254, help_text="Where the invitation is sent.")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Minted when the e-mail is sent (the worker holds the only copy): a queued invitation
    # has none yet, and a re-sent one replaces it, so only the newest link works.
    token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    invited_at = models.DateTimeField(help_text="When it was last sent or refreshed.")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    email_status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_last_error = models.TextField(blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationManager()

    class Meta(TenantModel.Meta):
        ordering = ["-invited_at", "-pk"]
        constraints = [
            # Inviting an address again refreshes its open invitation instead of adding one.
            models.UniqueConstraint(
                models.F("organization"),
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} as {self.role}"

    def state_at(self, now: datetime) -> InvitationState:
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.expires_at <= now:
            return InvitationState.EXPIRED
        return InvitationState.PENDING

    @property
    def state(self) -> InvitationState:
        return self.state_at(timezone.now())

    @property
    def is_open(self) -> bool:
        """Neither accepted nor revoked: inviting the address again refreshes this one."""
        return self.accepted_at is None and self.revoked_at is None
