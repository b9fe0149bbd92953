"""Sign-in lockout: django-axes' check, for the sign-ins that come with a request."""

from __future__ import annotations

import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render


class SignInLockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out account and address before any password is checked.

    Axes raises when ``authenticate()`` gets no request. Such calls (a management command, the
    test client's ``login``) come from no address, so there is nothing to lock: they pass on
    to the next backend. Every sign-in form (ours and the admin's) passes its request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """429 with the wait in minutes on the page and in ``Retry-After`` (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else None
    response = render(
        request,
        "accounts/locked_out.html",
        {"cooloff_minutes": math.ceil(seconds / 60) if seconds else None},
        status=429,
    )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


def client_address(request) -> str | None:
    """The address a sign-in came from (AXES_CLIENT_IP_CALLABLE).

    Behind ``SOVRA_TRUSTED_PROXY_COUNT`` proxies, each appending to X-Forwarded-For, the client
    is that many entries from its right: entries further left are whatever the client sent.
    Without them every sign-in would share the proxy's address.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.SOVRA_TRUSTED_PROXY_COUNT
    if not count:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [part.strip() for part in header.split(",") if part.strip()]
    # Fewer entries than proxies: the request did not come through them all.
    return forwarded[-count] if len(forwarded) >= count else remote
