"""Import a JSON or CSV file into a draft: a preview lists every bad row and field first."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import FormView

from costing.selectors import catalogs_for
from costing.web.exchange import import_run, rows_of
from costing.web.forms import CatalogImportForm
from costing.web.views.common import refuse_unless_draft
from portal.models import Role
from portal.tenancy import OrgScopedView


class ConfirmImportForm(forms.Form):
    """The checked file, sent back unchanged to be written."""

    content = forms.CharField(widget=forms.HiddenInput, strip=False)
    name = forms.CharField(widget=forms.HiddenInput)
    kind = forms.CharField(widget=forms.HiddenInput, required=False)


class CatalogImportView(OrgScopedView, FormView):
    """Upload, preview (a dry run: nothing written), then confirm (all or nothing)."""

    section = "catalogs"
    read_role = Role.ANALYST
    template_name = "catalogs/import.html"
    form_class = CatalogImportForm

    def scoped_queryset(self, organization):
        return catalogs_for(organization=organization)

    def get(self, request, *args, **kwargs):
        self.catalog = self.get_object()
        return refuse_unless_draft(request, self.catalog) or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.catalog = self.get_object()
        refused = refuse_unless_draft(request, self.catalog)
        if refused is not None:
            return refused
        if "content" in request.POST:
            return self.confirm(ConfirmImportForm(request.POST))
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(catalog=self.catalog, **kwargs)

    def _check(self, *, text: str, name: str, kind: str, dry_run: bool):
        rows, file_format, problem = rows_of(text=text, name=name, kind=kind)
        if problem:
            return None, problem, file_format
        check = import_run(
            catalog=self.catalog, organization=self.organization, rows=rows, dry_run=dry_run
        )
        return check, "", file_format

    def form_valid(self, form):
        name, text = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        check, problem, file_format = self._check(text=text, name=name, kind=kind, dry_run=True)
        if problem:
            form.add_error("file", problem)
            return self.form_invalid(form)
        confirm = ConfirmImportForm(initial={"content": text, "name": name, "kind": kind})
        return self.render_to_response(
            self.get_context_data(
                form=form, check=check, confirm=confirm, file_name=name, file_format=file_format
            )
        )

    def confirm(self, confirm: ConfirmImportForm):
        if not confirm.is_valid():
            messages.error(self.request, "The file was lost on the way: upload it again.")
            return redirect("catalog-import", org_slug=self.organization.slug, pk=self.catalog.pk)
        data = confirm.cleaned_data
        check, problem, file_format = self._check(
            text=data["content"], name=data["name"], kind=data["kind"], dry_run=False
        )
        if problem or not check.ok:
            return self.render_to_response(
                self.get_context_data(
                    form=self.get_form_class()(),
                    check=check,
                    confirm=None,
                    file_name=data["name"],
                    file_format=file_format,
                )
            )
        total = sum(check.counts.values())
        messages.success(self.request, f"Imported {total} row(s) from {data['name']}.")
        return redirect("catalog-detail", org_slug=self.organization.slug, pk=self.catalog.pk)
