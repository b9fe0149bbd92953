"""The account's two-factor sign-in: set up an authenticator, recovery codes, turn it off."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView, View
from django_otp import login as otp_login

from portal.services.two_factor import (
    has_two_factor,
    recovery_codes_issue,
    recovery_codes_left,
    totp_enrolment_confirm,
    totp_enrolment_start,
    totp_secret_text,
    two_factor_disable,
    two_factor_required_for,
)
from portal.two_factor import CODE_REFUSED, code_check, enrol_url, session_verified
from portal.web.forms import TwoFactorCodeForm, add_service_errors
from portal.web.views.common import PAGE_METHODS


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as inline SVG, drawn here: no image service sees the secret."""
    return segno.make(text, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title="QR code to scan", svgclass="qr-code"
    )


class _AccountPage(LoginRequiredMixin):
    http_method_names = PAGE_METHODS

    def dispatch(self, request, *args, **kwargs):
        allowed = request.method.lower() in self.http_method_names
        if allowed and request.user.is_authenticated:
            elsewhere = self.elsewhere(request.user)
            if elsewhere is not None:
                return redirect(elsewhere)
        return super().dispatch(request, *args, **kwargs)

    def elsewhere(self, user) -> str | None:
        """Where to send a signed-in user this page is not for (before any method runs)."""
        return None

    def next_url(self) -> str:
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        allowed = url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        return target if allowed else ""


class TwoFactorView(_AccountPage, FormView):
    """Where two-factor sign-in stands; a session signed in elsewhere enters a code here."""

    template_name = "two_factor/status.html"
    form_class = TwoFactorCodeForm

    def get(self, request, *args, **kwargs):
        user = request.user
        if not has_two_factor(user=user) and two_factor_required_for(user=user):
            return redirect(enrol_url(self.next_url()))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            enabled=has_two_factor(user=user),
            verified=session_verified(self.request),
            required=two_factor_required_for(user=user),
            recovery_left=recovery_codes_left(user=user),
            next=self.next_url(),
        )
        return context

    def form_valid(self, form):
        user = code_check(self.request, self.request.user, form.cleaned_data["code"])
        if user is None:
            form.add_error("code", CODE_REFUSED)
            return self.form_invalid(form)
        otp_login(self.request, user.otp_device)
        return redirect(self.next_url() or "two-factor")


class TwoFactorEnrolView(_AccountPage, FormView):
    """Scan the QR code (or type the secret), then confirm with a code: recovery codes follow."""

    template_name = "two_factor/enrol.html"
    form_class = TwoFactorCodeForm

    def elsewhere(self, user):
        return reverse("two-factor") if has_two_factor(user=user) else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = totp_enrolment_start(user=self.request.user)
        context.update(
            qr_svg=qr_svg(device.config_url),
            secret=totp_secret_text(device),
            required=two_factor_required_for(user=self.request.user),
            next=self.next_url(),
        )
        return context

    def form_valid(self, form):
        try:
            device, codes = totp_enrolment_confirm(
                user=self.request.user, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        otp_login(self.request, device)
        # Rendered, not redirected: the codes are shown this once and stored nowhere else.
        return render(
            self.request,
            "two_factor/recovery_codes.html",
            {"codes": codes, "next": self.next_url()},
        )


class RecoveryCodesView(_AccountPage, View):
    """A new set of recovery codes (the old ones stop working), from a verified session."""

    http_method_names = ["post", "options"]

    def post(self, request):
        if not has_two_factor(user=request.user) or not session_verified(request):
            return redirect("two-factor")
        codes = recovery_codes_issue(user=request.user)
        return render(request, "two_factor/recovery_codes.html", {"codes": codes, "next": ""})


class TwoFactorDisableView(_AccountPage, FormView):
    """Turn two-factor sign-in off with a current code, unless an organization requires it."""

    template_name = "two_factor/disable.html"
    form_class = TwoFactorCodeForm

    def elsewhere(self, user):
        return None if has_two_factor(user=user) else reverse("two-factor")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["required"] = two_factor_required_for(user=self.request.user)
        return context

    def form_valid(self, form):
        if code_check(self.request, self.request.user, form.cleaned_data["code"]) is None:
            form.add_error("code", CODE_REFUSED)
            return self.form_invalid(form)
        try:
            two_factor_disable(user=self.request.user)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, "Two-factor sign-in is off for your account.")
        return redirect("two-factor")
