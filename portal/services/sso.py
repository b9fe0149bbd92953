"""Who an identity provider's user is here, and which organizations they may enter.

Only an address the provider says it verified counts. An account is found by the provider's
subject once linked, else (first sign-in) by that address. The first sign-in through the
provider also joins the organizations that verified the address's domain; every sign-in
accepts the open invitations of the address. Nobody without an account, an invitation or a
verified domain gets one: they see why instead.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from portal.models import AuditAction, Invitation, Membership, SsoIdentity, VerifiedDomain
from portal.services.invitations import invitation_accept_vouched
from portal.services.organizations import member_record


class SsoRefused(Exception):
    """The provider's user may not enter; ``reason`` picks the explanation shown."""

    MESSAGES = {
        "unverified-email": "Your identity provider did not confirm your e-mail address, so "
        "Sovra cannot tell which organizations you belong to.",
        "no-access": "Your address is not invited to any organization on Sovra, and no "
        "organization has verified its domain. Ask an administrator of your organization to "
        "invite you.",
        "ambiguous": "Several Sovra accounts use your e-mail address: ask an administrator to "
        "sort them out.",
    }

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(self.MESSAGES[reason])


def _username_for(email: str) -> str:
    user_model = get_user_model()
    base = re.sub(r"[^\w.@+-]", "", email.split("@")[0])[:140] or "user"
    candidate, number = base, 1
    while user_model.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _account_for(issuer: str, subject: str, email: str):
    """The linked account, or the one account holding the address, or None."""
    identity = (
        SsoIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    )
    if identity is not None:
        return identity.user, identity
    found = list(get_user_model().objects.filter(email__iexact=email)[:2])
    if len(found) > 1:
        raise SsoRefused("ambiguous")
    return (found[0] if found else None), None


def sso_user_for_claims(*, issuer: str, claims: dict):
    """The account the provider's claims sign in as, created and joined as the rules allow.

    ``claims`` are the provider's userinfo, whose ``sub`` the caller checked against the ID
    token. Raises ``SsoRefused`` with the reason shown to the person.
    """
    email = (claims.get("email") or "").strip()
    if claims.get("email_verified") is not True or "@" not in email:
        raise SsoRefused("unverified-email")
    subject = str(claims["sub"])
    domain = email.rsplit("@", 1)[1].lower()
    with transaction.atomic():
        user, identity = _account_for(issuer, subject, email)
        invitations = list(
            Invitation.objects.pending_for_vouched_address(email).select_for_update(of=("self",))
        )
        # Domains count on the first sign-in through the provider only: a member an admin
        # removed later does not come back by signing in again.
        domains = (
            list(VerifiedDomain.objects.verified_for_domain(domain)) if identity is None else []
        )
        if user is None:
            if not invitations and not domains:
                raise SsoRefused("no-access")
            user = get_user_model().objects.create_user(
                username=_username_for(email),
                email=email,
                first_name=(claims.get("given_name") or "")[:150],
                last_name=(claims.get("family_name") or "")[:150],
            )  # no usable password: this account signs in through the provider
        for invitation in invitations:
            invitation_accept_vouched(invitation=invitation, user=user)
        for verified in domains:
            membership, joined = Membership.objects.get_or_create(
                organization=verified.organization, user=user, defaults={"role": verified.role}
            )
            if joined:
                details = {"user": user.get_username(), "role": membership.role,
                           "domain": domain}  # fmt: skip
                member_record(membership, AuditAction.MEMBER_JOINED, details)
        if identity is None:
            identity = SsoIdentity.objects.create(user=user, issuer=issuer, subject=subject)
        SsoIdentity.objects.filter(pk=identity.pk).update(last_used_at=timezone.now())
    return user
