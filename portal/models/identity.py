"""Who may sign in through the identity provider: verified e-mail domains and linked identities."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from portal.models.organization import Role
from portal.models.tenancy import TenantManager, TenantModel

# Where the proof of a domain is published: a TXT record on this name under the domain.
VERIFICATION_LABEL = "_sovra-verification"
VERIFICATION_PREFIX = "sovra-verification="


def domain_token_new() -> str:
    """The value an owner publishes to prove the domain: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


class VerifiedDomainManager(TenantManager):
    """Scoped like every tenant manager, plus the one lookup a sign-in makes: by domain.

    Someone signing in through the identity provider belongs to no organization yet; the
    e-mail domain the provider vouched for is the scope, and only verified domains answer.
    """

    def verified_for_domain(self, domain: str) -> models.QuerySet:
        return (
            models.Manager.get_queryset(self)
            .filter(domain=domain.strip().lower(), verified_at__isnull=False)
            .select_related("organization")
        )


class VerifiedDomain(TenantModel):
    """An e-mail domain an organization claims; once verified, its people may join by SSO."""

    domain = models.CharField(max_length=253, help_text="For example example.org.")
    role = models.CharField(
        max_length=10,
        choices=[(Role.VIEWER, Role.VIEWER.label), (Role.ANALYST, Role.ANALYST.label)],
        default=Role.VIEWER,
        help_text="The role of people who join through this domain.",
    )
    token = models.CharField(max_length=64, default=domain_token_new, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    objects = VerifiedDomainManager()

    class Meta(TenantModel.Meta):
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "domain"], name="uniq_domain_per_org"),
            # A verified domain sends its people to one organization, never to two.
            models.UniqueConstraint(
                fields=["domain"],
                condition=models.Q(verified_at__isnull=False),
                name="domain_verified_once",
            ),
        ]

    def __str__(self) -> str:
        return self.domain

    @property
    def record_name(self) -> str:
        return f"{VERIFICATION_LABEL}.{self.domain}"

    @property
    def record_value(self) -> str:
        return f"{VERIFICATION_PREFIX}{self.token}"


class SsoIdentity(models.Model):
    """The provider's account (issuer and subject) an account signs in with; set on first use."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="uniq_sso_identity")
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
