"""Model specs: the public list and the organization's own entries."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import CreateView, DetailView
from django_filters.views import FilterView

from portal.models import Role
from portal.models.modelspec import ARCHITECTURE_FIELDS
from portal.selectors import model_specs_for, workloads_for
from portal.services.model_specs import model_spec_create
from portal.tenancy import OrgScopedView
from portal.web.filters import ModelSpecFilter
from portal.web.forms import ModelSpecForm, add_service_errors


class ModelSpecListView(OrgScopedView, FilterView):
    """Public models and the organization's own, with how they run and their size."""

    section = "models"
    template_name = "model_specs/list.html"
    filterset_class = ModelSpecFilter
    paginate_by = 50
    context_object_name = "specs"

    def scoped_queryset(self, organization):
        return model_specs_for(organization=organization)


class ModelSpecDetailView(OrgScopedView, DetailView):
    """One model: architecture figures used for sizing, licence, sources, and its workloads."""

    section = "models"
    template_name = "model_specs/detail.html"
    context_object_name = "spec"

    def scoped_queryset(self, organization):
        return model_specs_for(organization=organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        spec = self.object
        context["architecture"] = [
            {
                "label": spec._meta.get_field(name).verbose_name,
                "value": getattr(spec, name),
                "help": spec._meta.get_field(name).help_text,
            }
            for name in ARCHITECTURE_FIELDS
        ]
        # Only web addresses become links: a 'javascript:' source must stay inert text.
        context["sources"] = [
            (source, source.lower().startswith(("https://", "http://")))
            for source in spec.source_url.split()
        ]
        context["workload_count"] = (
            workloads_for(organization=self.organization).filter(model=spec).count()
        )
        return context


class ModelSpecCreateView(OrgScopedView, CreateView):
    """Add the organization's own model (analysts and above)."""

    section = "models"
    read_role = Role.ANALYST  # the form is of no use to viewers
    template_name = "model_specs/form.html"
    form_class = ModelSpecForm

    def scoped_queryset(self, organization):
        return model_specs_for(organization=organization)

    def form_valid(self, form):
        try:
            self.object = model_spec_create(organization=self.organization, spec=form.instance)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Model '{self.object.name}' added.")
        return redirect("model-detail", org_slug=self.organization.slug, pk=self.object.pk)
