"""Token authentication for integrations: knox's hashed tokens, plus the time of last use."""

from datetime import timedelta

from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.signals import token_expired

# Writing the time of last use on every call would add a write to every read request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token sovra_...``; the token acts with its user's roles."""

    def _cleanup_token(self, auth_token) -> bool:
        # knox also sweeps the user's other expired tokens here, one more query on every
        # request; only the presented token matters, and expired ones are refused all the same.
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=type(self), username=username, source="auth_token")
            return True
        return False

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            type(token).objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return user, token
