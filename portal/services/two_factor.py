"""Two-factor sign-in: an authenticator app (TOTP) and one-time recovery codes (django-otp).

A user has at most one confirmed authenticator and one set of recovery codes. Enrolment makes an
unconfirmed device; a correct code confirms it and issues the recovery codes, shown once.
"""

from __future__ import annotations

import base64

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import Membership, Organization, Role

RECOVERY_CODE_COUNT = 10
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def two_factor_required_for(*, user) -> bool:
    """Whether one of the user's organizations requires two-factor sign-in."""
    return Membership.objects.filter(user=user, organization__require_two_factor=True).exists()


def totp_device_of(*, user, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def has_two_factor(*, user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it typed in: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_enrolment_start(*, user) -> TOTPDevice:
    """The unconfirmed authenticator to scan: the one already begun, or a new secret."""
    if has_two_factor(user=user):
        raise ValidationError("Two-factor sign-in is already set up for this account.")
    device = totp_device_of(user=user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def totp_enrolment_confirm(*, user, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator with a code it shows; returns it and fresh recovery codes."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise ValidationError({"code": "Start the set-up again: no authenticator is waiting."})
        if not device.verify_token(_digits(code)):
            raise ValidationError(
                {"code": "That code is not the one the app shows now. Check the phone's clock."}
            )
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_issue(user=user)
    return device, codes


def recovery_codes_issue(*, user) -> list[str]:
    """A new set of recovery codes; those issued before stop working."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def recovery_codes_left(*, user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _digits(code: str) -> str:
    return "".join((code or "").split())


def two_factor_device_for_code(*, user, code: str):
    """The confirmed device that accepts ``code`` (a recovery code is used up), or None.

    Six digits go to the authenticator, anything else to the recovery codes, so that a typo in
    one never counts against the other's throttle.
    """
    text = _digits(code)
    if text.isdigit():
        device = totp_device_of(user=user)
        return device if device is not None and device.verify_token(text) else None
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None and device.verify_token(text.lower().replace("-", "")):
        return device
    return None


def two_factor_disable(*, user) -> None:
    """Remove the authenticator and the recovery codes, unless an organization requires them."""
    if two_factor_required_for(user=user):
        raise PermissionDenied(
            "An organization you belong to requires two-factor sign-in: it cannot be turned off."
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def organization_two_factor_require(
    *, organization: Organization, actor: Membership, required: bool
) -> Organization:
    """Owners decide whether members must sign in with a second factor."""
    if actor.organization_id != organization.pk or not actor.has_role(Role.OWNER):
        raise PermissionDenied("Only an owner decides whether two-factor sign-in is required.")
    Organization.objects.filter(pk=organization.pk).update(require_two_factor=required)
    organization.require_two_factor = required
    return organization
