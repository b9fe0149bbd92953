"""Invitations: admins invite, list and revoke; the invitee accepts (or signs up) from the link."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.generic import DetailView, FormView, ListView, View
from django.views.generic.base import TemplateResponseMixin

from portal.models import InvitationState, Role
from portal.selectors import account_exists_for_address, invitation_for_link, invitations_of
from portal.services.invitations import (
    InvitationAccountExists,
    InvitationForAnotherAddress,
    InvitationUnusable,
    invitation_accept,
    invitation_create,
    invitation_revoke,
    invitation_sign_up,
)
from portal.tenancy import OrgScopedView
from portal.web.current import remember_organization
from portal.web.forms import InvitationForm, InvitationSignUpForm, add_service_errors

# The backend a new account's session records: it was just made here, no password was tried.
SIGN_UP_BACKEND = "portal.lockout.UsernameOrEmailBackend"


class InvitationCreateView(OrgScopedView, FormView):
    """Invite an address (owners and admins); inviting it again refreshes its invitation.

    What the admin sees next is the same whether or not the address has an account.
    """

    section = "members"
    read_role = Role.ADMIN
    write_role = Role.ADMIN
    template_name = "invitations/create.html"
    form_class = InvitationForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["actor_role"] = self.membership.role_enum
        return kwargs

    def form_valid(self, form):
        try:
            invitation = invitation_create(
                organization=self.organization,
                actor=self.membership,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error("role", str(exc))
            return self.form_invalid(form)
        expires = date_format(timezone.localtime(invitation.expires_at), "j F Y")
        messages.success(
            self.request,
            f"Invitation sent to {invitation.email} as {invitation.get_role_display().lower()}; "
            f"the link works until {expires}.",
        )
        return redirect("member-list", org_slug=self.organization.slug)


class InvitationListView(OrgScopedView, ListView):
    """Every invitation with its state, newest first (owners and admins)."""

    section = "members"
    read_role = Role.ADMIN
    template_name = "invitations/list.html"
    context_object_name = "invitations"
    paginate_by = 50

    def scoped_queryset(self, organization):
        return invitations_of(organization=organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_manage_owners"] = self.membership.has_role(Role.OWNER)
        return context


class InvitationRevokeView(OrgScopedView, DetailView):
    """GET asks for confirmation; POST withdraws the invitation, whose link stops working."""

    section = "members"
    read_role = Role.ADMIN
    write_role = Role.ADMIN
    template_name = "invitations/revoke.html"
    context_object_name = "invitation"

    def scoped_queryset(self, organization):
        return invitations_of(organization=organization)

    def post(self, request, *args, **kwargs):
        invitation = self.get_object()
        try:
            invitation_revoke(actor=self.membership, invitation=invitation)
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
        else:
            messages.success(request, f"The invitation of {invitation.email} was withdrawn.")
        return redirect("invitation-list", org_slug=self.organization.slug)


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
