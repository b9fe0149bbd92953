"""Assessment pages: the list, the five-step wizard (create and edit), detail, delete, run."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.generic import CreateView, DeleteView, DetailView, ListView, UpdateView

from assessments.models import AssessmentRun, RunStatus
from assessments.reports.formatting import option_label
from assessments.selectors import assessments_for, runs_for
from assessments.services.assessments import assessment_delete, assessment_save
from assessments.services.run_start import RunJustStarted, assessment_run_start
from assessments.web.forms import AssessmentForm, CompareForm, engine_defaults
from portal.models import Role
from portal.tenancy import OrgScopedView

# Columns of a run that run history lists show (never the large snapshot and results).
LAST_RUN_FIELDS = ("pk", "number", "status", "cheapest_option", "recommended_option", "currency")


def _last_run(organization, field: str) -> Subquery:
    latest = (
        AssessmentRun.objects.for_organization(organization)
        .filter(assessment=OuterRef("pk"))
        .order_by("-number")
    )
    return Subquery(latest.values(field)[:1])


class AssessmentListView(OrgScopedView, ListView):
    """Every assessment with its workloads, options and last run, in three queries."""

    section = "assessments"
    template_name = "assessments/pages/assessment_list.html"
    context_object_name = "assessments"
    paginate_by = 50

    def scoped_queryset(self, organization):
        return (
            assessments_for(organization=organization)
            .annotate(
                workload_count=Count("workloads", distinct=True),
                **{f"last_run_{name}": _last_run(organization, name) for name in LAST_RUN_FIELDS},
            )
            .order_by("-updated_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for assessment in context["assessments"]:
            assessment.option_labels = [option_label(o) for o in assessment.options]
        return context


class AssessmentFormMixin:
    """The wizard: one form in five steps; 'Save and run' also starts a run."""

    section = "assessments"
    form_class = AssessmentForm
    template_name = "assessments/pages/assessment_form.html"
    context_object_name = "assessment"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["organization"] = self.organization
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["defaults"] = engine_defaults()
        return context

    def form_valid(self, form):
        created = form.instance.pk is None
        form.instance.assumption_overrides = form.assumption_overrides()
        try:
            self.object = assessment_save(
                organization=self.organization,
                assessment=form.instance,
                workloads=form.cleaned_data["workloads"],
                user=self.request.user,
            )
        except ValidationError as error:
            form.add_service_errors(error)
            return self.form_invalid(form)
        run = None
        if self.request.POST.get("action") == "run":
            try:
                run = assessment_run_start(assessment=self.object, requested_by=self.request.user)
            except RunJustStarted as repeat:  # a double click: show the run the first started
                run = repeat.run
        if created and self.object.callback_url:
            # The signing secret is shown once, in this response, and never again.
            return TemplateResponse(
                self.request,
                "assessments/pages/assessment_created.html",
                {
                    "organization": self.organization,
                    "membership": self.membership,
                    "assessment": self.object,
                    "run": run,
                    "secret": self.object.callback_secret,
                },
            )
        verb = "created" if created else "saved"
        if run is not None:
            messages.success(
                self.request, f"Assessment '{self.object.name}' {verb}; run #{run.number} started."
            )
            return redirect("run-detail", org_slug=self.organization.slug, pk=run.pk)
        messages.success(self.request, f"Assessment '{self.object.name}' {verb}.")
        return redirect("assessment-detail", org_slug=self.organization.slug, pk=self.object.pk)


class AssessmentCreateView(OrgScopedView, AssessmentFormMixin, CreateView):
    """A new assessment through the wizard (analysts and above)."""

    read_role = Role.ANALYST  # the form is of no use to viewers

    def scoped_queryset(self, organization):
        return assessments_for(organization=organization)


class AssessmentUpdateView(OrgScopedView, AssessmentFormMixin, UpdateView):
    """Change an assessment; runs already made keep their own copy of the settings."""

    read_role = Role.ANALYST

    def scoped_queryset(self, organization):
        return assessments_for(organization=organization)


def settings_rows(assessment, organization) -> list[tuple[str, object]]:
    """The assessment's settings as (label, text) rows, saying where a default applies."""
    constraints = [
        ("Budget cap (NPV)", assessment.budget_cap, organization.currency),
        ("Power limit", assessment.power_limit_kw, "kW"),
        ("Rack units limit", assessment.rack_units_limit, "U"),
        ("Minimum sovereign share", assessment.min_sovereign_share_pct, "%"),
    ]
    overrides = assessment.assumption_overrides or {}
    return [
        ("Options", ", ".join(option_label(o) for o in assessment.options)),
        (
            "Horizon",
            f"{assessment.horizon_years} years"
            if assessment.horizon_years
            else f"{organization.horizon_years} years (the organization's)",
        ),
        ("Prices as of", assessment.prices_as_of or "the date of each run"),
        ("Offer locations", assessment.get_offer_locations_display()),
        ("Workload tags", "; ".join(assessment.workload_tags) or "none"),
        (
            "Assumptions changed",
            ", ".join(f"{k} = {v}" for k, v in overrides.items()) or "none: the engine's defaults",
        ),
        (
            "Monte Carlo",
            f"{assessment.monte_carlo_samples:,} samples, seed {assessment.random_seed}",
        ),
        (
            "Sovereignty weight",
            f"{assessment.sovereignty_weight_pct}%"
            if assessment.sovereignty_weight_pct is not None
            else f"{organization.sovereignty_weight_pct}% (the organization's)",
        ),
        ("Sovereign from SEAL level", assessment.sovereign_min_seal),
        *[
            (label, f"{value} {unit}" if value is not None else "none")
            for label, value, unit in constraints
        ],
        ("Recipients", ", ".join(assessment.recipients) or "none"),
        ("Callback URL", assessment.callback_url or "none"),
    ]


class AssessmentDetailView(OrgScopedView, DetailView):
    """Settings, chosen workloads and run history; picks two runs to compare."""

    section = "assessments"
    template_name = "assessments/pages/assessment_detail.html"
    context_object_name = "assessment"

    def scoped_queryset(self, organization):
        return assessments_for(organization=organization).select_related("created_by")

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.runs = list(
            runs_for(organization=self.organization)
            .filter(assessment=self.object)
            .select_related("requested_by")
            .order_by("-number")
        )
        for newer, older in zip(self.runs, self.runs[1:], strict=False):
            newer.previous = older
        self.compare_form = CompareForm(request.GET or None, runs=self.runs)
        if self.compare_form.is_bound and self.compare_form.is_valid():
            return redirect(
                "run-compare",
                org_slug=self.organization.slug,
                pk=self.compare_form.cleaned_data["run"],
                other=self.compare_form.cleaned_data["other"],
            )
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["runs"] = self.runs
        context["compare_form"] = self.compare_form
        context["settings_rows"] = settings_rows(self.object, self.organization)
        context["chosen_workloads"] = list(
            self.object.workloads.order_by("external_id").only("pk", "name", "external_id")
        )
        context["can_run"] = self.membership.has_role(Role.ANALYST)
        context["can_delete"] = self.membership.has_role(Role.ADMIN)
        context["running"] = any(
            r.status in (RunStatus.QUEUED, RunStatus.RUNNING) for r in self.runs
        )
        return context


class AssessmentDeleteView(OrgScopedView, DeleteView):
    """GET asks for confirmation; POST deletes the assessment with its runs (admins and above)."""

    section = "assessments"
    read_role = Role.ADMIN
    write_role = Role.ADMIN
    template_name = "assessments/pages/assessment_delete.html"
    context_object_name = "assessment"

    def scoped_queryset(self, organization):
        return assessments_for(organization=organization).annotate(run_count=Count("runs"))

    def form_valid(self, form):
        name = self.object.name
        assessment_delete(organization=self.organization, assessment=self.object)
        messages.success(self.request, f"Assessment '{name}' and its runs deleted.")
        return redirect("assessment-list", org_slug=self.organization.slug)


class AssessmentRunView(OrgScopedView, DetailView):
    """POST starts a new run of the assessment and goes to its page (analysts and above)."""

    http_method_names = ["post", "options"]

    def scoped_queryset(self, organization):
        return assessments_for(organization=organization)

    def post(self, request, *args, **kwargs):
        assessment = self.get_object()
        try:
            run = assessment_run_start(assessment=assessment, requested_by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, f"No run was started: {message}")
            return redirect("assessment-detail", org_slug=self.organization.slug, pk=assessment.pk)
        except RunJustStarted as repeat:  # a double click: show the run the first started
            messages.info(request, str(repeat))
            run = repeat.run
        else:
            messages.success(request, f"Run #{run.number} of '{assessment.name}' started.")
        return redirect(
            reverse("run-detail", kwargs={"org_slug": self.organization.slug, "pk": run.pk})
        )
