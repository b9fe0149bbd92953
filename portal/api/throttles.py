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

from portal.cache import counters_add_one

_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_window(rate: str) -> tuple[int, int]:
    """``600/minute`` -> (600, 60): requests allowed, in windows of that many seconds."""
    count, _, period = rate.partition("/")
    return int(count), _PERIOD_SECONDS[period[0]]


class ApiRateThrottle(BaseThrottle):
    """The API's rate limits (``SOVRA_API_THROTTLE_RATES``, read per request so that a changed
    setting takes effect): each request counts against its user's rate ("user": every token
    and the browser session together) and, when it carries a token, against that token's
    ("token": each on its own, so one runaway integration cannot use up a user's budget).
    Both counters are added to in one round trip; the request is refused if either is over."""

    cache_format = "sovra-throttle:%(scope)s:%(ident)s:%(period)s:%(window)s"

    def timer(self) -> float:
        return time.time()

    def allow_request(self, request, view) -> bool:
        rates = settings.SOVRA_API_THROTTLE_RATES
        user = request.user.pk if request.user and request.user.is_authenticated else None
        identities = {"user": user, "token": getattr(request.auth, "pk", None)}
        now = self.timer()
        windows = {}
        for scope, ident in identities.items():
            if rates.get(scope) is None or ident is None:
                continue  # no such limit, or not a token request (or refused anyway)
            allowed, period = rate_window(rates[scope])
            window = int(now // period)
            key = self.cache_format % {"scope": scope, "ident": ident, "period": period,
                                       "window": window}  # fmt: skip
            windows[key] = (allowed, period, window)
        if not windows:
            return True
        # Each expires with its window (plus a margin for clocks that differ between
        # processes). The backend itself: through the ``cache`` proxy, the Redis backend's
        # one-round-trip counters would not be recognised.
        counts = counters_add_one(caches["default"], {k: p + 5 for k, (_, p, _) in windows.items()})
        over = [(w + 1) * p - now for k, (a, p, w) in windows.items() if counts[k] > a]
        self.retry_after = max(over, default=0.0)
        return not over

    def wait(self) -> float:
        """Seconds until the windows that refused the request close (Retry-After)."""
        return max(1, math.ceil(self.retry_after))
