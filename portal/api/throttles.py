"""API rate limits per user and per token, counted in the default cache.

Each limit counts requests in fixed windows (``N/minute``: the calendar minute), one counter
per window, added to atomically. DRF's own throttles keep the time of every request in the
window as a list, read and written back whole: at a high rate that list is tens of kilobytes
each way on every request, and two requests at once both read the old list, so one of them
went uncounted. A client may spend its whole rate at the end of one window and again at the
start of the next; over any two windows it never gets more than twice the rate.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import BaseThrottle

from portal.cache import counter_add_one

_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_window(rate: str) -> tuple[int, int]:
    """``600/minute`` -> (600, 60): requests allowed, in windows of that many seconds."""
    count, _, period = rate.partition("/")
    return int(count), _PERIOD_SECONDS[period[0]]


class _CountingRateThrottle(BaseThrottle):
    """A rate from ``SOVRA_API_THROTTLE_RATES`` (read per request, so a changed setting takes
    effect), counted per ``scope`` and identity in windows of the rate's period."""

    scope: str
    cache_format = "sovra-throttle:%(scope)s:%(ident)s"

    def timer(self) -> float:
        return time.time()

    def get_rate(self) -> str | None:
        return settings.SOVRA_API_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        rate = self.get_rate()
        if rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        allowed, period = rate_window(rate)
        now = self.timer()
        window = int(now // period)
        # Expires with its window (plus a margin for clocks that differ between processes).
        # The backend itself: through the ``cache`` proxy, the Redis backend's one-round-trip
        # counter would not be recognised.
        count = counter_add_one(caches["default"], f"{key}:{period}:{window}", timeout=period + 5)
        self.retry_after = (window + 1) * period - now
        return count <= allowed

    def wait(self) -> float:
        """Seconds until the window that refused the request closes (Retry-After)."""
        return max(1, math.ceil(self.retry_after))


class PerUserRateThrottle(_CountingRateThrottle):
    """All of a user's requests together: every token and the browser session."""

    scope = "user"

    def get_cache_key(self, request, view) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None  # refused by the permissions anyway
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class PerTokenRateThrottle(_CountingRateThrottle):
    """Each API token on its own, so one runaway integration cannot use up a user's budget."""

    scope = "token"

    def get_cache_key(self, request, view) -> str | None:
        token_pk = getattr(request.auth, "pk", None)
        if token_pk is None:
            return None  # not a token request: the per-user limit applies alone
        return self.cache_format % {"scope": self.scope, "ident": token_pk}
