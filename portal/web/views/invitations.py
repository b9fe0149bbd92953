"""Invitations: admins invite, list and revoke; the invitee accepts (or signs up) from the link."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import View
from django.views.generic.base import TemplateResponseMixin

from portal.models import InvitationState
from portal.selectors import account_exists_for_address, invitation_for_link
from portal.services.invitations import (
    InvitationAccountExists,
    InvitationForAnotherAddress,
    InvitationUnusable,
    invitation_accept,
    invitation_sign_up,
)
from portal.web.current import remember_organization
from portal.web.forms import InvitationSignUpForm, add_service_errors

# The backend a new account's session records: it was just made here, no password was tried.
SIGN_UP_BACKEND = "django.contrib.auth.backends.ModelBackend"


class InvitationAcceptView(TemplateResponseMixin, View):
    """``/invitations/<token>/``: the link of the e-mail, for whoever holds it.

    Signed in with the invited address: a button accepts. Signed in otherwise: sign in as the
    invited address. Not signed in: sign in if that address has an account, else create one
    here. A link that is unknown, expired, withdrawn or used says so and does nothing.
    Nothing changes on GET (mail scanners open links); accepting is a POST.
    """

    http_method_names = ["get", "post", "head", "options"]
    template_name = "invitations/accept.html"

    def dispatch(self, request, *args, **kwargs):
        self.token = kwargs["token"]
        self.invitation = invitation_for_link(token=self.token)
        response = super().dispatch(request, *args, **kwargs)
        # The link's secret is in the URL: keep it out of caches. (Other sites never see it in
        # a Referer: the site's policy is same-origin; no-referrer would make browsers send
        # "Origin: null" with the page's own forms, which the CSRF check refuses.)
        response["Cache-Control"] = "no-store"
        return response

    def get(self, request, *args, **kwargs):
        return self._page()

    def post(self, request, *args, **kwargs):
        unusable = self._unusable()
        if unusable is not None:
            return unusable
        if request.user.is_authenticated:
            return self._accept()
        return self._sign_up()

    def _unusable(self):
        invitation = self.invitation
        if invitation is None:
            return self._render("unknown", status=404)
        state = invitation.state
        if state != InvitationState.PENDING:
            return self._render(state, status=410)
        return None

    def _page(self):
        unusable = self._unusable()
        if unusable is not None:
            return unusable
        user = self.request.user
        if user.is_authenticated:
            mine = (user.email or "").strip().casefold() == self.invitation.email.casefold()
            return self._render("confirm" if mine else "other_user")
        if account_exists_for_address(email=self.invitation.email):
            return self._render("sign_in")
        return self._render("sign_up", form=InvitationSignUpForm(initial=self._initial()))

    def _initial(self) -> dict:
        return {"username": self.invitation.email.lower()}

    def _accept(self):
        try:
            membership = invitation_accept(token=self.token, user=self.request.user)
        except InvitationUnusable as exc:
            return self._render(exc.reason, status=404 if exc.reason == "unknown" else 410)
        except InvitationForAnotherAddress:
            return self._render("other_user", status=403)
        return self._joined(membership)

    def _sign_up(self):
        form = InvitationSignUpForm(self.request.POST)
        if not form.is_valid():
            return self._render("sign_up", form=form)
        data = form.cleaned_data
        try:
            user, membership = invitation_sign_up(
                token=self.token,
                username=data["username"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except InvitationUnusable as exc:
            return self._render(exc.reason, status=404 if exc.reason == "unknown" else 410)
        except InvitationAccountExists:
            return self._render("sign_in", status=409)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self._render("sign_up", form=form)
        login(self.request, user, backend=SIGN_UP_BACKEND)
        return self._joined(membership)

    def _joined(self, membership):
        organization = membership.organization
        remember_organization(self.request, organization.slug)
        messages.success(
            self.request,
            f"Welcome to {organization.name}: you are a member as "
            f"{membership.get_role_display().lower()}.",
        )
        return redirect("dashboard", org_slug=organization.slug)

    def _render(self, step: str, *, status: int = 200, form=None):
        path = self.request.get_full_path()
        context = {
            "step": step,
            "invitation": self.invitation,
            "form": form,
            "login_url": reverse("login") + "?" + urlencode({"next": path}),
            "this_url": path,
        }
        return self.render_to_response(context, status=status)
