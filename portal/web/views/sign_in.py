"""Signing in: the password, the code of the second factor, and single sign-on."""

from __future__ import annotations

import logging

import requests
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.generic import FormView
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from portal.sso import SsoUnavailable, sso_enabled, sso_provider_name, sso_setting
from portal.two_factor import (
    CODE_REFUSED,
    code_check,
    pending_clear,
    pending_finish,
    pending_user,
    sign_in,
)
from portal.web.forms import SignInForm, TwoFactorCodeForm
from portal.web.views.common import PAGE_METHODS

logger = logging.getLogger(__name__)


class SignInView(auth_views.LoginView):
    """The password form (and the SSO button when configured); the code step follows if the
    account has an authenticator."""

    http_method_names = PAGE_METHODS
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_name"] = sso_provider_name()
        return context

    def form_valid(self, form):
        user = form.get_user()
        return sign_in(self.request, user, backend=user.backend, next_url=self.get_success_url())


class LoginCodeView(FormView):
    """The second step: the code of whoever passed the first factor in this session."""

    http_method_names = PAGE_METHODS
    template_name = "accounts/login_code.html"
    form_class = TwoFactorCodeForm

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        self.user = pending_user(request)
        if self.user is None:
            pending_clear(request)
            messages.info(request, "Sign in again: the code step waits a few minutes only.")
            return redirect("login")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = code_check(self.request, self.user, form.cleaned_data["code"])
        if user is None:
            # A locked-out account gets the lockout page from django-axes' middleware instead.
            form.add_error("code", CODE_REFUSED)
            return self.form_invalid(form)
        return redirect(pending_finish(self.request, user))


def _sso_page(request, *, title: str, text: str, status: int):
    return render(
        request,
        "accounts/sso_refused.html",
        {"title": title, "text": text, "sso_name": sso_provider_name()},
        status=status,
    )


class SsoStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider with a fresh state, nonce and PKCE challenge."""

    get_settings = staticmethod(sso_setting)

    def __init__(self, **kwargs):
        # The library reads the provider's endpoint here; it is read per request instead.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request):
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = sso_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except SsoUnavailable as exc:
            logger.warning("Single sign-on unavailable: %s", exc)
            return _sso_page(
                request,
                title="Single sign-on is unavailable",
                text="Sovra could not reach the identity provider. Try again in a moment, or "
                "sign in with your password.",
                status=503,
            )
        self.OIDC_RP_CLIENT_ID = sso_setting("OIDC_RP_CLIENT_ID")
        return super().get(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back: checks state, nonce and tokens, then signs in
    (through the code step when the account has an authenticator) or says why not."""

    get_settings = staticmethod(sso_setting)

    def get(self, request):
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            return super().get(request)
        except (SuspiciousOperation, SsoUnavailable, requests.RequestException) as exc:
            logger.warning("Single sign-on failed: %s", exc)
            return _sso_page(
                request,
                title="Sign-in could not be completed",
                text="The answer from the identity provider did not match the sign-in this "
                "browser started, or could not be checked. Start again from the sign-in page.",
                status=400,
            )

    def login_failure(self):
        refusal = getattr(self.request, "sso_refusal", None)
        if refusal is not None:
            return _sso_page(self.request, title="No access", text=str(refusal), status=403)
        return _sso_page(
            self.request,
            title="Sign-in could not be completed",
            text="The identity provider did not sign you in, or this account is disabled. "
            "Start again from the sign-in page.",
            status=403,
        )

    def login_success(self):
        return sign_in(
            self.request, self.user, backend=self.user.backend, next_url=self.success_url
        )
