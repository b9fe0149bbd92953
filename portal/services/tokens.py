"""Personal API tokens: created in the web UI, shown once, stored hashed, revocable."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.models import ApiToken, AuditAction
from portal.services.audit import audit_record_for_user

MAX_TOKEN_DAYS = 730


def api_token_create(*, user, name: str, expires_in_days: int | None) -> tuple[ApiToken, str]:
    """Create a token; returns the stored row and the secret, which is never stored or shown again.

    ``expires_in_days=None`` makes a token without expiry (for long-lived integrations, which
    should then be rotated by hand).
    """
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the token after what will use it."})
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise ValidationError({"expires_in_days": f"Choose 1 to {MAX_TOKEN_DAYS} days."})
    expiry = timedelta(days=expires_in_days) if expires_in_days is not None else None
    with transaction.atomic():
        token, secret = ApiToken.objects.create(user=user, expiry=expiry, name=name[:80])
        audit_record_for_user(
            user=user,
            action=AuditAction.TOKEN_CREATED,
            obj=token,
            details={"expires": token.expiry.isoformat() if token.expiry else None},
        )
    return token, secret


def api_token_revoke(*, user, token_key: str) -> bool:
    """Revoke one of the user's own tokens; another user's token is simply not found."""
    return _revoke(user=user, tokens=ApiToken.objects.filter(user=user, token_key=token_key)) > 0


def api_tokens_revoke_all(*, user) -> int:
    """Revoke every token of the user (their password changed: whoever had it may hold one)."""
    return _revoke(user=user, tokens=ApiToken.objects.filter(user=user))


def _revoke(*, user, tokens) -> int:
    with transaction.atomic():
        for token in tokens.select_for_update():
            audit_record_for_user(user=user, action=AuditAction.TOKEN_REVOKED, obj=token)
        deleted, _ = tokens.delete()
    return deleted
