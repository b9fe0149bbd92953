"""Organization settings: everyone reads them, admins and owners change them."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import FormView

from portal.models import Role
from portal.models.organization import CLASSIFICATIONS, library_seal_minimums
from portal.services.organizations import organization_update
from portal.tenancy import OrgScopedView
from portal.web.forms import OrganizationSettingsForm, add_service_errors, seal_level_label


class OrganizationSettingsView(OrgScopedView, FormView):
    """Name, country, currency and default assumptions; a form for admins, facts for others."""

    section = "settings"
    write_role = Role.ADMIN
    template_name = "organizations/settings.html"
    form_class = OrganizationSettingsForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # A copy, so a rejected edit never shows up in the page's header and navigation.
        kwargs["instance"] = copy.copy(self.organization)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = self.organization
        context["facts"] = [
            (org._meta.get_field(name).verbose_name, value, org._meta.get_field(name).help_text)
            for name, value in [
                ("name", org.name),
                ("slug", org.slug),
                ("country", org.country.name),
                ("currency", org.get_currency_display()),
                ("discount_rate_pct", org.discount_rate_pct),
                ("horizon_years", org.horizon_years),
                ("electricity_price_per_kwh", org.electricity_price_per_kwh),
                ("pue", org.pue),
                ("staff_cost_per_fte_year", org.staff_cost_per_fte_year),
                ("sovereignty_weight_pct", org.sovereignty_weight_pct),
            ]
        ]
        defaults = library_seal_minimums()
        for classification in CLASSIFICATIONS:
            field = org._meta.get_field(f"min_seal_{classification}")
            level = getattr(org, field.name)
            context["facts"].append(
                (
                    field.verbose_name,
                    seal_level_label(level, default=defaults.get(classification)),
                    field.help_text,
                )
            )
        return context

    def form_valid(self, form):
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            organization_update(organization=form.instance, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Settings saved.")
        return redirect("org-settings", org_slug=self.organization.slug)
