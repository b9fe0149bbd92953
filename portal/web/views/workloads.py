"""The workload inventory: list with search, filters and sorting; detail; create, edit, delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import CreateView, DeleteView, DetailView, UpdateView
from django_filters.views import FilterView

from portal.api.pagination import DeferredJoinPaginator
from portal.models import Role, Workload
from portal.selectors import workloads_for
from portal.services.workloads import workload_delete, workload_save
from portal.tenancy import OrgScopedView
from portal.web.filters import WORKLOAD_SORTS, WorkloadFilter
from portal.web.forms import WORKLOAD_SECTIONS, WorkloadForm, add_service_errors
from portal.web.views.common import sort_headings


def _field_kind(field: models.Field) -> str:
    if field.name == "tags":
        return "tags"
    if field.choices:
        return "choice"
    if isinstance(field, models.BooleanField):
        return "bool"
    if isinstance(field, models.ForeignKey):
        return "model"
    if isinstance(field, models.IntegerField | models.DecimalField):
        return "number"
    return "text"


def workload_sections(workload: Workload) -> list[tuple[str, list[dict]]]:
    """Every field of a workload with its label (units included), value and help text."""
    sections = []
    for legend, names in WORKLOAD_SECTIONS:
        rows = []
        for name in names:
            field = Workload._meta.get_field(name)
            kind = _field_kind(field)
            value = getattr(workload, name)
            if kind == "choice":
                value = getattr(workload, f"get_{name}_display")()
            rows.append(
                {
                    "name": name,
                    "label": field.verbose_name,
                    "value": value,
                    "kind": kind,
                    "help": field.help_text,
                }
            )
        sections.append((legend, rows))
    return sections


class WorkloadListView(OrgScopedView, FilterView):
    """Workloads with search, filters, sortable columns and 50 rows a page."""

    section = "workloads"
    template_name = "workloads/list.html"
    filterset_class = WorkloadFilter
    paginate_by = 50
    paginator_class = DeferredJoinPaginator  # fast far pages on large inventories
    context_object_name = "workloads"

    def scoped_queryset(self, organization):
        return workloads_for(organization=organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["headings"] = sort_headings(self.request, WORKLOAD_SORTS)
        context["filters_active"] = self.filterset.is_active
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("sort", None)
        context["export_query"] = query.urlencode()
        return context


class WorkloadDetailView(OrgScopedView, DetailView):
    """One workload: every field with its unit and help, and its daily tokens."""

    section = "workloads"
    template_name = "workloads/detail.html"
    context_object_name = "workload"

    def scoped_queryset(self, organization):
        return workloads_for(organization=organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sections"] = workload_sections(self.object)
        return context


class WorkloadFormMixin:
    """Saving through ``workload_save``; errors from the service appear beside their fields."""

    section = "workloads"
    form_class = WorkloadForm
    template_name = "workloads/form.html"
    context_object_name = "workload"
    success_message = "Workload '%(name)s' saved."

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["organization"] = self.organization
        return kwargs

    def form_valid(self, form):
        try:
            self.object = workload_save(organization=self.organization, workload=form.instance)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message % {"name": self.object.name})
        return redirect(self.get_success_url())

    def get_success_url(self):
        return reverse(
            "workload-detail", kwargs={"org_slug": self.organization.slug, "pk": self.object.pk}
        )


class WorkloadCreateView(OrgScopedView, WorkloadFormMixin, CreateView):
    """Add a workload to the inventory (analysts and above)."""

    read_role = Role.ANALYST  # the form is of no use to viewers
    success_message = "Workload '%(name)s' added."

    def scoped_queryset(self, organization):
        return workloads_for(organization=organization)


class WorkloadUpdateView(OrgScopedView, WorkloadFormMixin, UpdateView):
    """Edit a workload (analysts and above)."""

    read_role = Role.ANALYST

    def scoped_queryset(self, organization):
        return workloads_for(organization=organization)


class WorkloadDeleteView(OrgScopedView, DeleteView):
    """GET asks for confirmation; POST deletes the workload (analysts and above)."""

    section = "workloads"
    read_role = Role.ANALYST
    template_name = "workloads/delete.html"
    context_object_name = "workload"

    def scoped_queryset(self, organization):
        return workloads_for(organization=organization)

    def form_valid(self, form):
        name = self.object.name
        workload_delete(organization=self.organization, workload=self.object)
        messages.success(self.request, f"Workload '{name}' deleted.")
        return redirect("workload-list", org_slug=self.organization.slug)
