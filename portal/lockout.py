"""Sign-in lockout: django-axes' check, for the sign-ins that come with a request."""

from __future__ import annotations

import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
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


def account_name(login: str | None) -> str | None:
    """The username a sign-in name stands for: an e-mail address held by exactly one account
    means that account; anything else is taken as a username."""
    if not login or "@" not in login:
        return login
    found = list(
        get_user_model()
        .objects.filter(email__iexact=login.strip())
        .values_list("username", flat=True)[:2]
    )
    return found[0] if len(found) == 1 else login


class UsernameOrEmailBackend(ModelBackend):
    """Signs in with the username or the account's e-mail address (case aside)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        return super().authenticate(
            request, username=account_name(username), password=password, **kwargs
        )


def lockout_username(request, credentials=None) -> str | None:
    """The account a sign-in counts against (AXES_USERNAME_CALLABLE): its e-mail address and
    its username share one count, so alternating them gives no extra attempts."""
    field = settings.AXES_USERNAME_FORM_FIELD
    given = (credentials or {}).get(field)
    if given is None and request is not None:
        given = getattr(request, "data", request.POST).get(field)
    return account_name(given)


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
