"""The landing page and the organization switcher."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.views.generic import TemplateView, View

from portal.selectors import memberships_for_user
from portal.tenancy import membership_for
from portal.web.current import remember_organization, remembered_slug


class HomeView(LoginRequiredMixin, TemplateView):
    """'/': the current organization's dashboard, or a page for users without one."""

    template_name = "home/no_organization.html"

    def get(self, request, *args, **kwargs):
        memberships = list(memberships_for_user(user=request.user))
        if not memberships:
            return super().get(request, *args, **kwargs)
        slug = remembered_slug(request)
        chosen = next((m for m in memberships if m.organization.slug == slug), memberships[0])
        return redirect("dashboard", org_slug=chosen.organization.slug)


class OrganizationListView(LoginRequiredMixin, TemplateView):
    """The user's organizations with their role (the switcher's full page)."""

    # The rows come from the shell's context processor (``my_memberships``).
    template_name = "organizations/list.html"


class OrganizationSwitchView(LoginRequiredMixin, View):
    """POST: make another of the user's organizations the current one (else 404)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        membership = membership_for(request.user, request.POST.get("organization", ""))
        remember_organization(request, membership.organization.slug)
        messages.info(request, f"You are now working in {membership.organization.name}.")
        return redirect("dashboard", org_slug=membership.organization.slug)
