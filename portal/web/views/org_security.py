"""An organization's sign-in rules (owners): two-factor requirement and verified e-mail domains."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import DetailView, FormView

from portal.models import Role
from portal.selectors import domains_of
from portal.services.domains import domain_add, domain_remove, domain_verify
from portal.services.two_factor import organization_two_factor_require
from portal.sso import sso_provider_name
from portal.tenancy import OrgScopedView
from portal.web.forms import VerifiedDomainForm, add_service_errors


class OrganizationSecurityView(OrgScopedView, FormView):
    """GET shows the rules and domains; POST adds a domain, or (``two_factor``) sets the rule."""

    section = "settings"
    read_role = Role.OWNER
    write_role = Role.OWNER
    template_name = "organizations/security.html"
    form_class = VerifiedDomainForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["domains"] = domains_of(organization=self.organization)
        context["sso_name"] = sso_provider_name()
        return context

    def post(self, request, *args, **kwargs):
        if "two_factor" in request.POST:
            required = request.POST["two_factor"] == "required"
            organization_two_factor_require(
                organization=self.organization, actor=self.membership, required=required
            )
            messages.success(
                request,
                "Members must now sign in with two factors."
                if required
                else "Two-factor sign-in is now up to each member.",
            )
            return redirect("org-security", org_slug=self.organization.slug)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            domain = domain_add(
                organization=self.organization,
                actor=self.membership,
                domain=form.cleaned_data["domain"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Publish the TXT record below for {domain.domain}, then verify it."
        )
        return redirect("org-security", org_slug=self.organization.slug)


class _DomainAction(OrgScopedView, DetailView):
    section = "settings"
    read_role = Role.OWNER
    write_role = Role.OWNER
    http_method_names = ["post", "options"]

    def scoped_queryset(self, organization):
        return domains_of(organization=organization)


class DomainVerifyView(_DomainAction):
    """Looks the domain's TXT record up now; verified, its people may join by single sign-on."""

    def post(self, request, *args, **kwargs):
        domain = self.get_object()
        try:
            domain_verify(actor=self.membership, domain=domain)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{domain.domain} is verified.")
        return redirect("org-security", org_slug=self.organization.slug)


class DomainRemoveView(_DomainAction):
    """Forgets the domain: nobody joins through it any more; members stay."""

    def post(self, request, *args, **kwargs):
        domain = self.get_object()
        domain_remove(actor=self.membership, domain=domain)
        messages.success(request, f"{domain.domain} was removed.")
        return redirect("org-security", org_slug=self.organization.slug)
