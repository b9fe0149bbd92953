"""Inventory files: upload, preview, apply or discard an import; templates and exports."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import DetailView, FormView, View

from portal.models import Role, WorkloadImport
from portal.selectors import workloads_for
from portal.services import exports, imports
from portal.services.workload_rows import column_help
from portal.services.workloads import WorkloadRowsInvalid
from portal.tenancy import OrgScopedView
from portal.web.filters import WorkloadFilter
from portal.web.forms import ImportUploadForm
from portal.web.views.common import download

RECENT_IMPORTS = 10


def _imports_of(organization):
    return WorkloadImport.objects.for_organization(organization).select_related("uploaded_by")


class ImportUploadView(OrgScopedView, FormView):
    """Upload a CSV or XLSX file; it is checked and previewed before anything is written."""

    section = "workloads"
    read_role = Role.ANALYST  # viewers cannot import, so the form is no use to them
    template_name = "imports/upload.html"
    form_class = ImportUploadForm

    def scoped_queryset(self, organization):
        return _imports_of(organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recent_imports"] = self.get_queryset()[:RECENT_IMPORTS]
        context["columns"] = column_help()
        return context

    def form_valid(self, form):
        try:
            staged = imports.workload_import_stage(
                organization=self.organization,
                user=self.request.user,
                upload=form.cleaned_data["file"],
            )
        except imports.ImportFileError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        return redirect("import-preview", org_slug=self.organization.slug, pk=staged.pk)


class ImportPreviewView(OrgScopedView, DetailView):
    """What the staged file would create and update, and every bad row, before confirming."""

    section = "workloads"
    read_role = Role.ANALYST
    template_name = "imports/preview.html"
    context_object_name = "workload_import"

    def scoped_queryset(self, organization):
        return _imports_of(organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_pending"] = self.object.status == WorkloadImport.Status.PENDING
        if context["is_pending"]:
            try:
                context["preview"] = imports.workload_import_preview(workload_import=self.object)
            except imports.ImportFileError as exc:
                context["file_error"] = str(exc)
        return context


class ImportApplyView(OrgScopedView, View):
    """POST: write every row of the staged file, or nothing if a row is bad."""

    http_method_names = ["post"]

    def scoped_queryset(self, organization):
        return _imports_of(organization)

    def post(self, request, *args, **kwargs):
        staged = self.get_object()
        slug = self.organization.slug
        try:
            result = imports.workload_import_apply(workload_import=staged)
        except WorkloadRowsInvalid as exc:
            messages.error(request, f"Nothing was imported: {exc}")
            return redirect("import-preview", org_slug=slug, pk=staged.pk)
        except imports.ImportFileError as exc:
            messages.error(request, str(exc))
            return redirect("import-preview", org_slug=slug, pk=staged.pk)
        messages.success(
            request,
            f"Imported {staged.filename}: {result.created} workload(s) created, "
            f"{result.updated} updated.",
        )
        return redirect("workload-list", org_slug=slug)


class ImportDiscardView(OrgScopedView, View):
    """POST: drop the staged file without importing anything."""

    http_method_names = ["post"]

    def scoped_queryset(self, organization):
        return _imports_of(organization)

    def post(self, request, *args, **kwargs):
        staged = self.get_object()
        try:
            imports.workload_import_discard(workload_import=staged)
        except imports.ImportFileError as exc:
            messages.error(request, str(exc))
        else:
            messages.info(request, f"Discarded {staged.filename}; nothing was imported.")
        return redirect("import-upload", org_slug=self.organization.slug)


class ImportTemplateView(OrgScopedView, View):
    """The import template with example rows (CSV, or XLSX with allowed values and help)."""

    http_method_names = ["get", "head"]
    file_format = "csv"

    def get(self, request, *args, **kwargs):
        content = exports.template_csv() if self.file_format == "csv" else exports.template_xlsx()
        return download(
            content, stem="sovra-workloads-template", file_format=self.file_format, dated=False
        )


class WorkloadExportView(OrgScopedView, View):
    """The workloads the list shows with the same query string, as CSV or XLSX."""

    http_method_names = ["get", "head"]
    file_format = "csv"

    def scoped_queryset(self, organization):
        return workloads_for(organization=organization)

    def get(self, request, *args, **kwargs):
        filterset = WorkloadFilter(
            request.GET or None, queryset=self.get_queryset(), request=request
        )
        valid = not filterset.is_bound or filterset.is_valid()
        workloads = filterset.qs if valid else filterset.queryset.none()
        # Fetched in chunks and written as they come: a million-row inventory is never whole
        # in memory, and the first bytes leave before the last row is read.
        rows = workloads.iterator(chunk_size=exports.EXPORT_CHUNK_ROWS)
        if self.file_format == "csv":
            content = exports.workloads_csv_chunks(workloads=rows)
        else:
            content = exports.workloads_xlsx_chunks(workloads=rows)
        return download(
            content,
            stem=f"sovra-{self.organization.slug}-workloads",
            file_format=self.file_format,
        )
