"""Run pages: progress (live), results, the PDF and the spreadsheet, emailing the report,
comparing two runs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.generic import DetailView

from assessments.compare import runs_compare
from assessments.models import AssessmentRun, RunReport, RunStatus
from assessments.reports.workbook import results_file_stem, run_results_workbook
from assessments.selectors import (
    emails_for,
    run_inputs,
    run_results,
    run_results_compared,
    runs_for,
)
from assessments.services.emails import report_downloaded, report_email_queue
from assessments.services.run_report import report_meta
from assessments.services.runs import STEP_LABELS, not_succeeded_message
from assessments.web.forms import RunEmailForm
from assessments.web.results import run_page_context
from portal.models import Role
from portal.tenancy import OrgScopedView
from portal.web.forms import add_service_errors
from portal.web.views.common import download


def _full_runs(organization):
    """Runs with their snapshot and results, for the pages that show them."""
    return AssessmentRun.objects.for_organization(organization).select_related(
        "assessment", "requested_by", "organization"
    )


def progress_payload(run: AssessmentRun) -> dict:
    return {
        "id": run.pk,
        "number": run.number,
        "status": run.status,
        "status_label": run.get_status_display(),
        "progress_pct": run.progress_pct,
        "step": run.step,
        "step_label": STEP_LABELS.get(run.step, run.step or ""),
        "finished": run.finished,
        "error": run.error if run.status == RunStatus.FAILED else "",
    }


class RunEmailMixin:
    """The email form and the emails already sent of one run."""

    def email_context(self, run: AssessmentRun, form: RunEmailForm | None = None) -> dict:
        if form is None:
            form = RunEmailForm(initial={"recipients": run.assessment.recipients})
        emails = (
            emails_for(organization=self.organization)
            .filter(run=run)
            .select_related("requested_by")
            .order_by("-created_at", "-pk")
        )
        return {
            "email_form": form,
            "emails": list(emails),
            "can_email": self.membership.has_role(Role.ANALYST)
            and run.status == RunStatus.SUCCEEDED,
        }


class RunDetailView(OrgScopedView, RunEmailMixin, DetailView):
    """A run: live progress while it computes, the error when it failed, the results when done."""

    section = "assessments"
    template_name = "assessments/pages/run_detail.html"
    context_object_name = "run"

    def scoped_queryset(self, organization):
        return _full_runs(organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        context["progress"] = progress_payload(run)
        context["can_run"] = self.membership.has_role(Role.ANALYST)
        context["has_report"] = (
            RunReport.objects.for_organization(self.organization).filter(run=run).exists()
        )
        results = run_results(run) if run.status == RunStatus.SUCCEEDED else None
        if results is not None:
            context["report"] = run_page_context(
                results=results, snapshot=run_inputs(run), meta=report_meta(run)
            )
        context.update(self.email_context(run))
        return context


class RunProgressView(OrgScopedView, DetailView):
    """The run's status, step and progress as JSON, polled by the run page every second."""

    def scoped_queryset(self, organization):
        return runs_for(organization=organization).only(
            "pk", "number", "status", "progress_pct", "step", "error", "organization", "assessment"
        )

    def get(self, request, *args, **kwargs):
        run = self.get_object()
        response = JsonResponse(progress_payload(run))
        response["Cache-Control"] = "private, no-store"
        return response


class RunPdfView(OrgScopedView, DetailView):
    """The run's PDF report as a download, never cached by shared caches."""

    def scoped_queryset(self, organization):
        return RunReport.objects.for_organization(organization).select_related(
            "run", "run__organization"
        )

    def get(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        report = queryset.filter(run__pk=self.kwargs["pk"]).first()
        if report is None:
            raise Http404("This run has no report.")
        report_downloaded(run=report.run, file_format="pdf")
        response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
        filename = f"sovra-{self.organization.slug}-run-{report.run.pk}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Content-Length"] = str(report.size_bytes)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class RunResultsXlsxView(OrgScopedView, DetailView):
    """The run's results as a spreadsheet download; 409 until the run has succeeded."""

    def scoped_queryset(self, organization):
        return _full_runs(organization)

    def get(self, request, *args, **kwargs):
        run = self.get_object()
        if run.status != RunStatus.SUCCEEDED:
            back = reverse("run-detail", kwargs={"org_slug": self.organization.slug, "pk": run.pk})
            context = {"message": not_succeeded_message(run, "results"), "back_url": back}
            return TemplateResponse(request, "409.html", context, status=409)
        report_downloaded(run=run, file_format="xlsx")
        return download(
            run_results_workbook(run=run),
            stem=results_file_stem(run=run),
            file_format="xlsx",
            dated=False,
        )


class RunEmailView(OrgScopedView, RunEmailMixin, DetailView):
    """Email the run's report (analysts and above): GET shows the form, POST queues the email."""

    section = "assessments"
    read_role = Role.ANALYST
    template_name = "assessments/pages/run_email.html"
    context_object_name = "run"

    def scoped_queryset(self, organization):
        return runs_for(organization=organization).select_related("requested_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.email_context(self.object, kwargs.get("email_form")))
        return context

    def post(self, request, *args, **kwargs):
        self.object = run = self.get_object()
        form = RunEmailForm(request.POST)
        if form.is_valid():
            try:
                email = report_email_queue(
                    run=run,
                    recipients=form.cleaned_data["recipients"],
                    message=form.cleaned_data["message"],
                    requested_by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                count = len(email.recipients)
                messages.success(
                    request,
                    f"The report is on its way to {count} recipient{'s' if count != 1 else ''}.",
                )
                url = reverse(
                    "run-detail", kwargs={"org_slug": self.organization.slug, "pk": run.pk}
                )
                return redirect(url + "#emails")
        return self.render_to_response(self.get_context_data(email_form=form))


class RunCompareView(OrgScopedView, DetailView):
    """Two runs side by side: NPV per option and the workloads whose recommendation changed."""

    section = "assessments"
    template_name = "assessments/pages/run_compare.html"
    context_object_name = "run"

    def scoped_queryset(self, organization):
        return _full_runs(organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            other = self.get_queryset().get(pk=self.kwargs["other"])
        except (AssessmentRun.DoesNotExist, ValueError, TypeError) as error:
            raise Http404("Not found.") from error
        # Older run first, so the differences read as "what changed since".
        old, new = sorted((self.object, other), key=lambda r: (r.created_at, r.pk))
        comparison = runs_compare(
            (old.snapshot, run_results_compared(old)),
            (new.snapshot, run_results_compared(new)),
        )
        results = comparison["results"]
        context.update(
            {
                "first": old,
                "second": new,
                "comparison": comparison,
                "has_results": bool(old.results) and bool(new.results),
                "recommendation_rows": [
                    r for r in results["recommendations"] if r["changed"] or r["placement_changed"]
                ],
            }
        )
        return context
