"""An organization's data is its own: its owner downloads all of it, or deletes all of it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView

from portal.downloads import organization_export_response
from portal.models import Role
from portal.services.organization_data import organization_delete
from portal.tenancy import OrgScopedView
from portal.web.forms import OrganizationDeleteForm, add_service_errors


class OrganizationExportView(OrgScopedView, View):
    """Everything the organization holds, as one zip archive, for its owners."""

    http_method_names = ["get", "head"]
    read_role = Role.OWNER

    def get(self, request, *args, **kwargs):
        return organization_export_response(request, self.organization, self.membership)


class OrganizationDeleteView(OrgScopedView, FormView):
    """The owner confirms, by typing its name, that the organization and its data go."""

    section = "settings"
    read_role = Role.OWNER
    write_role = Role.OWNER
    template_name = "organizations/delete.html"
    form_class = OrganizationDeleteForm

    def form_valid(self, form):
        name = self.organization.name
        try:
            organization_delete(
                organization=self.organization,
                actor=self.membership,
                confirm_name=form.cleaned_data["confirm_name"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{name} and all its data were deleted.")
        return redirect("home")
