"""E-mail domains an organization's owner proves it holds, so its people may join by SSO.

The proof is a DNS TXT record: only whoever runs a domain's DNS can publish one, and
publishing it is a deliberate act of that domain's administrators (an address at the domain
proves only that its holder reads one mailbox).
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.dns_records import DnsLookupFailed, txt_records
from portal.models import Membership, Organization, Role, VerifiedDomain

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
DOMAIN_PATTERN = re.compile(rf"^(?:{_LABEL}\.)+[a-z]{{2,63}}$")


class DomainNotVerified(ValidationError):
    """The TXT record was not found (yet): DNS changes can take a while to show."""


def _owner_check(actor: Membership, organization: Organization) -> None:
    if actor.organization_id != organization.pk or not actor.has_role(Role.OWNER):
        raise PermissionDenied("Only an owner of this organization manages its domains.")


def domain_clean(domain: str) -> str:
    """The domain in lowercase ASCII, or a ValidationError naming the field."""
    text = (domain or "").strip().rstrip(".").lower()
    if text.startswith("@"):
        text = text[1:]
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValidationError({"domain": f"{domain!r} is not a domain name."}) from exc
    if len(text) > 253 or not DOMAIN_PATTERN.match(text):
        raise ValidationError({"domain": f"{domain!r} is not a domain name, like example.org."})
    return text


def domain_add(
    *, organization: Organization, actor: Membership, domain: str, role: str = Role.VIEWER
) -> VerifiedDomain:
    """Claim ``domain`` for the organization; it stays unverified until its TXT record shows."""
    _owner_check(actor, organization)
    name = domain_clean(domain)
    if role not in (Role.VIEWER, Role.ANALYST):
        raise ValidationError({"role": "People joining by domain are viewers or analysts."})
    if VerifiedDomain.objects.for_organization(organization).filter(domain=name).exists():
        raise ValidationError({"domain": f"{name} is already listed."})
    try:
        with transaction.atomic():
            return VerifiedDomain.objects.create_in(
                organization, domain=name, role=role, created_by=actor.user
            )
    except IntegrityError as exc:
        raise ValidationError({"domain": f"{name} is already listed."}) from exc


def domain_verify(*, actor: Membership, domain: VerifiedDomain) -> VerifiedDomain:
    """Look up the domain's TXT record; when it carries the token, the domain is verified.

    A domain verified by another organization cannot be verified here as well.
    """
    _owner_check(actor, domain.organization)
    if domain.verified_at is not None:
        return domain
    try:
        published = txt_records(domain.record_name)
    except DnsLookupFailed as exc:
        raise DomainNotVerified({"domain": f"{exc} Try again in a moment."}) from exc
    if domain.record_value not in (value.strip() for value in published):
        raise DomainNotVerified(
            {
                "domain": f"No TXT record {domain.record_value!r} at {domain.record_name} yet. "
                "New DNS records can take a while to show: try again later."
            }
        )
    domain.verified_at = timezone.now()
    try:
        with transaction.atomic():
            domain.save(update_fields=["verified_at"])
    except IntegrityError as exc:
        domain.verified_at = None
        raise ValidationError(
            {"domain": f"{domain.domain} is already verified by another organization."}
        ) from exc
    return domain


def domain_remove(*, actor: Membership, domain: VerifiedDomain) -> None:
    """Forget the domain: nobody joins through it any more (members stay members)."""
    _owner_check(actor, domain.organization)
    VerifiedDomain.objects.for_organization(domain.organization).filter(pk=domain.pk).delete()
