"""API rate limits per user and per token, counted in the default cache."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class _SettingsRateThrottle(SimpleRateThrottle):
    """A rate from ``SOVRA_API_THROTTLE_RATES``, read per request.

    DRF's own classes copy their rates once, at import, so a changed setting never reaches them.
    """

    cache_format = "sovra-throttle:%(scope)s:%(ident)s"

    def get_rate(self) -> str | None:
        return settings.SOVRA_API_THROTTLE_RATES.get(self.scope)


class PerUserRateThrottle(_SettingsRateThrottle):
    """All of a user's requests together: every token and the browser session."""

    scope = "user"

    def get_cache_key(self, request, view) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None  # refused by the permissions anyway
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class PerTokenRateThrottle(_SettingsRateThrottle):
    """Each API token on its own, so one runaway integration cannot use up a user's budget."""

    scope = "token"

    def get_cache_key(self, request, view) -> str | None:
        token_pk = getattr(request.auth, "pk", None)
        if token_pk is None:
            return None  # not a token request: the per-user limit applies alone
        return self.cache_format % {"scope": self.scope, "ident": token_pk}
