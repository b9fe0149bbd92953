"""Members of an organization: everyone sees them; owners and admins invite, re-role, remove."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.views.generic import DeleteView, ListView, View

from portal.models import Role
from portal.selectors import invitations_pending_of, members_of
from portal.services.organizations import membership_change_role, membership_remove
from portal.tenancy import OrgScopedView
from portal.web.current import forget_organization
from portal.web.forms import InvitationForm, MemberRoleForm, grantable_roles


def _messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


class MemberListView(OrgScopedView, ListView):
    """The members with their roles; admins get the controls to manage them."""

    section = "members"
    template_name = "members/list.html"
    context_object_name = "members"

    def scoped_queryset(self, organization):
        return members_of(organization=organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_manage"] = self.membership.has_role(Role.ADMIN)
        # Admins may not touch owners; only the service decides, this just hides dead controls.
        context["may_manage_owners"] = self.membership.has_role(Role.OWNER)
        context["role_choices"] = grantable_roles(self.membership.role_enum)
        if context["may_manage"]:
            context["invite_form"] = InvitationForm(actor_role=self.membership.role_enum)
            context["invitations"] = invitations_pending_of(organization=self.organization)
        return context


class MemberRoleView(OrgScopedView, View):
    """POST: change a member's role; refusals (last owner, owners only) come back as messages."""

    http_method_names = ["post"]
    write_role = Role.ADMIN

    def scoped_queryset(self, organization):
        return members_of(organization=organization)

    def post(self, request, *args, **kwargs):
        member = self.get_object()
        form = MemberRoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose one of the roles.")
            return redirect("member-list", org_slug=self.organization.slug)
        try:
            membership_change_role(
                actor=self.membership, membership=member, role=form.cleaned_data["role"]
            )
        except (ValidationError, PermissionDenied) as exc:
            text = _messages_of(exc) if isinstance(exc, ValidationError) else str(exc)
            role = member.get_role_display().lower()
            messages.error(request, f"{member.user.email} is still {role}: {text}")
        else:
            messages.success(
                request, f"{member.user.email} is now {member.get_role_display().lower()}."
            )
        if member.user_id == request.user.pk and not member.has_role(Role.ADMIN):
            # Having stepped down, the user can no longer use the controls on that page.
            return redirect("dashboard", org_slug=self.organization.slug)
        return redirect("member-list", org_slug=self.organization.slug)


class MemberRemoveView(OrgScopedView, DeleteView):
    """GET asks for confirmation; POST removes a member, or lets any member leave."""

    section = "members"
    template_name = "members/remove.html"
    context_object_name = "member"
    # Leaving is open to every role; removing someone else is checked by the service.
    method_roles = {"POST": Role.VIEWER}

    def scoped_queryset(self, organization):
        return members_of(organization=organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["leaving"] = self.object.pk == self.membership.pk
        return context

    def form_valid(self, form):
        member = self.object
        leaving = member.pk == self.membership.pk
        slug = self.organization.slug
        try:
            membership_remove(actor=self.membership, membership=member)
        except PermissionDenied as exc:
            if not self.membership.has_role(Role.ADMIN):
                raise  # a viewer or analyst removing someone else: a plain 403
            messages.error(self.request, str(exc))
            return redirect("member-list", org_slug=slug)
        except ValidationError as exc:
            messages.error(self.request, _messages_of(exc))
            return redirect("member-list", org_slug=slug)
        if leaving:
            forget_organization(self.request, slug)
            messages.success(self.request, f"You left {self.organization.name}.")
            return redirect("home")
        messages.success(self.request, f"{member.user.email} was removed.")
        return redirect("member-list", org_slug=slug)
