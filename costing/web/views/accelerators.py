"""Accelerators: the public list and the organization's own, of any vendor."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.views.generic import CreateView, DeleteView, DetailView, UpdateView
from django_filters.views import FilterView

from costing.filters import VENDOR_LIST_ID, AcceleratorPageFilter
from costing.models.reference import EDITABLE_FIELDS
from costing.price_display import KIND_SLUGS
from costing.selectors import accelerator_offers, accelerators_for
from costing.services.accelerators import (
    AcceleratorInUse,
    accelerator_create,
    accelerator_delete,
    accelerator_update,
)
from costing.templatetags.accelerator_figures import figure
from costing.web.forms import AcceleratorForm
from portal.models import Role
from portal.tenancy import OrgScopedView
from portal.web.forms import add_service_errors

# The figures the detail page lists, in this order (their labels carry their units).
FIGURES = EDITABLE_FIELDS[EDITABLE_FIELDS.index("memory_gb") : EDITABLE_FIELDS.index("source_url")]
PUBLIC_READ_ONLY = "Public accelerators are shared and read-only: add your own instead."
SLUG_OF = {kind: slug for slug, kind in KIND_SLUGS.items()}


def _shown(spec, name: str) -> str | None:
    """A figure as the detail page shows it: a year as a year, the rest as the list does."""
    value = getattr(spec, name)
    if value is None:
        return None
    return str(value) if name == "launch_year" else figure(value)


class AcceleratorListView(OrgScopedView, FilterView):
    """Public accelerators and the organization's own, with what sizing reads from them."""

    section = "accelerators"
    template_name = "accelerators/list.html"
    filterset_class = AcceleratorPageFilter
    paginate_by = 50
    context_object_name = "accelerators"

    def scoped_queryset(self, organization):
        return accelerators_for(organization=organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        vendors = accelerators_for(organization=self.organization).order_by("vendor")
        context["vendors"] = vendors.values_list("vendor", flat=True).distinct()
        context["vendor_list_id"] = VENDOR_LIST_ID
        return context


class AcceleratorDetailView(OrgScopedView, DetailView):
    """One accelerator: its figures with their units, its sources, and the offers naming it."""

    section = "accelerators"
    template_name = "accelerators/detail.html"
    context_object_name = "accelerator"

    def scoped_queryset(self, organization):
        return accelerators_for(organization=organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        spec = self.object
        context["figures"] = [
            {
                "label": spec._meta.get_field(name).verbose_name,
                "value": _shown(spec, name),
                "help": spec._meta.get_field(name).help_text,
            }
            for name in FIGURES
        ]
        # Only web addresses become links: a 'javascript:' source must stay inert text.
        context["sources"] = [
            (source, source.lower().startswith(("https://", "http://")))
            for source in spec.source_url.split()
        ]
        offers = accelerator_offers(organization=self.organization, spec=spec)
        context["offers"] = [
            {"kind": kind, "slug": SLUG_OF[kind], "rows": rows, "count": count}
            for kind, (rows, count) in offers.items()
        ]
        context["offer_count"] = sum(count for _, count in offers.values())
        return context


class OwnAcceleratorOnly:
    """Public accelerators are shared: their edit and delete pages answer 403."""

    def get_form_kwargs(self):
        # Every GET and POST of these pages builds its form from the loaded object.
        if self.object.is_public:
            raise PermissionDenied(PUBLIC_READ_ONLY)
        return super().get_form_kwargs()


class AcceleratorCreateView(OrgScopedView, CreateView):
    """Add the organization's own accelerator (analysts and above)."""

    section = "accelerators"
    read_role = Role.ANALYST  # the form is of no use to viewers
    template_name = "accelerators/form.html"
    form_class = AcceleratorForm

    def scoped_queryset(self, organization):
        return accelerators_for(organization=organization)

    def form_valid(self, form):
        try:
            self.object = accelerator_create(organization=self.organization, spec=form.instance)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Accelerator '{self.object.name}' added.")
        return redirect("accelerator-detail", org_slug=self.organization.slug, pk=self.object.pk)


class AcceleratorUpdateView(OrgScopedView, OwnAcceleratorOnly, UpdateView):
    """Change one of the organization's own accelerators (analysts and above)."""

    section = "accelerators"
    read_role = Role.ANALYST
    template_name = "accelerators/form.html"
    form_class = AcceleratorForm
    context_object_name = "accelerator"

    def scoped_queryset(self, organization):
        return accelerators_for(organization=organization)

    def form_valid(self, form):
        try:
            self.object = accelerator_update(organization=self.organization, spec=form.instance)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Accelerator '{self.object.name}' saved.")
        return redirect("accelerator-detail", org_slug=self.organization.slug, pk=self.object.pk)


class AcceleratorDeleteView(OrgScopedView, OwnAcceleratorOnly, DeleteView):
    """GET asks for confirmation; POST deletes the accelerator unless offers still name it."""

    section = "accelerators"
    read_role = Role.ANALYST
    template_name = "accelerators/delete.html"
    context_object_name = "accelerator"

    def scoped_queryset(self, organization):
        return accelerators_for(organization=organization)

    def form_valid(self, form):
        spec = self.object
        try:
            accelerator_delete(organization=self.organization, spec=spec)
        except AcceleratorInUse as exc:
            messages.error(self.request, " ".join(exc.messages))
            return redirect("accelerator-detail", org_slug=self.organization.slug, pk=spec.pk)
        messages.success(self.request, f"Accelerator '{spec.name}' deleted.")
        return redirect("accelerator-list", org_slug=self.organization.slug)
