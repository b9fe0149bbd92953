"""The second sign-in step and what it guards: the code backend, the pending step, the checks.

After the first factor (password or SSO), an account with an authenticator is not signed in
yet: the session remembers who passed the first factor for a few minutes, and the code step
signs them in. The code goes through ``authenticate()`` like a password, so django-axes
counts wrong codes and locks the account and address out exactly as for passwords.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, login
from django.contrib.auth.backends import ModelBackend
from django.shortcuts import redirect
from django.urls import reverse

from portal.services.two_factor import (
    has_two_factor,
    two_factor_device_for_code,
    two_factor_required_for,
)

PENDING_KEY = "sovra_two_factor_pending"
# Besides the lockout, each wrong code makes the device wait 1, 2, 4... seconds (django-otp).
CODE_REFUSED = (
    "That code is not valid. Enter the one the app shows now; after a wrong code, wait a few "
    "seconds before the next try."
)


class TwoFactorCodeBackend(ModelBackend):
    """Accepts a code of the account whose first factor this session just passed.

    It answers only ``pending_user_id`` and ``otp_code``, which the code step reads from the
    server-side session: no form can name an account here without its first factor.
    """

    def authenticate(self, request, username=None, *, pending_user_id=None, otp_code=None, **kw):
        if request is None or pending_user_id is None or otp_code is None:
            return None
        user = get_user_model().objects.filter(pk=pending_user_id).first()
        if user is None or user.get_username() != username or not self.user_can_authenticate(user):
            return None
        device = two_factor_device_for_code(user=user, code=otp_code)
        if device is None:
            return None
        user.otp_device = device  # django-otp marks the session verified on login
        return user


def pending_user(request):
    """The account waiting for its code in this session, or None (none, or too late)."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > settings.SOVRA_TWO_FACTOR_STEP_SECONDS:
        return None
    return get_user_model().objects.filter(pk=pending["user"]).first()


def pending_clear(request) -> None:
    request.session.pop(PENDING_KEY, None)


def pending_finish(request, user) -> str:
    """Sign in the user whose code was accepted, as the first factor's backend; where to go."""
    pending = request.session.pop(PENDING_KEY)
    login(request, user, backend=pending["backend"])
    return pending["next"] or reverse(settings.LOGIN_REDIRECT_URL)


def code_check(request, user, code: str):
    """The user if ``code`` is theirs, through ``authenticate()`` (so the lockout counts it)."""
    return authenticate(
        request, username=user.get_username(), pending_user_id=user.pk, otp_code=code
    )


def enrol_url(next_url: str) -> str:
    return reverse("two-factor-enrol") + "?" + urlencode({"next": next_url})


def sign_in(request, user, *, backend: str, next_url: str):
    """Finish a first factor: ask for the code if the account has an authenticator, else sign
    in, sending members of an organization that requires two factors to set one up first."""
    if has_two_factor(user=user):
        # A new session key for the half-signed-in state, as login() does for the whole.
        request.session.cycle_key()
        request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": backend,
            "next": next_url,
            "at": time.time(),
        }
        return redirect("login-code")
    login(request, user, backend=backend)
    if two_factor_required_for(user=user):
        return redirect(enrol_url(next_url))
    return redirect(next_url)


def session_verified(request) -> bool:
    """Whether this browser session passed the second factor (django-otp's flag)."""
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def two_factor_satisfied(request, organization, *, token_user=None) -> bool:
    """What an organization requiring two factors lets in: a session that passed the code step,
    or an API token whose owner has set up an authenticator."""
    if not organization.require_two_factor:
        return True
    if token_user is not None:
        return has_two_factor(user=token_user)
    return session_verified(request)
