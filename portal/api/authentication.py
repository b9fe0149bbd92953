"""Token authentication for integrations: knox's hashed tokens, plus the time of last use."""

from datetime import timedelta

from django.utils import timezone
from knox.auth import TokenAuthentication

# Writing the time of last use on every call would add a write to every read request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token sovra_...``; the token acts with its user's roles."""

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            type(token).objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return user, token
