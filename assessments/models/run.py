"""Runs of an assessment: frozen inputs, progress, results, the PDF and the emails that sent it."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from portal.models.outbox import EmailStatus
from portal.models.tenancy import TenantModel


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


FINISHED = (RunStatus.SUCCEEDED, RunStatus.FAILED)


class FinishedRunError(RuntimeError):
    """A finished run was about to be changed: runs are immutable once they finish."""


class AssessmentRun(TenantModel):
    """One computation of an assessment, with a frozen snapshot of every input it used.

    Once succeeded or failed, a run never changes (``save`` refuses); running again makes a new
    run, so every report can be reproduced and audited.
    """

    assessment = models.ForeignKey(
        "assessments.Assessment", on_delete=models.CASCADE, related_name="runs"
    )
    number = models.PositiveIntegerField(help_text="1, 2, 3... within the assessment.")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    step = models.CharField(max_length=30, blank=True, help_text="The step running or last done.")
    progress_pct = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life from the worker computing the run."
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Times a worker started (or resumed) the run."
    )
    task_id = models.CharField(max_length=64, blank=True)
    timings = models.JSONField(default=dict, blank=True, help_text="Seconds per step.")
    snapshot = models.JSONField(null=True, blank=True, help_text="Every input, frozen.")
    results = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, help_text="What went wrong and what to do about it.")
    # Headline figures, copied from the results for lists and the dashboard.
    currency = models.CharField(max_length=3, blank=True)
    cheapest_option = models.CharField(max_length=20, blank=True)
    cheapest_npv = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    recommended_option = models.CharField(max_length=20, blank=True)
    callback_status = models.CharField(max_length=80, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "number"], name="run_number_unique"),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} #{self.number}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._finished_when_loaded = instance.__dict__.get("status") in FINISHED
        return instance

    def save(self, *args, **kwargs):
        if getattr(self, "_finished_when_loaded", False):
            raise FinishedRunError(f"Run {self.pk} has finished; start a new run instead.")
        super().save(*args, **kwargs)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class JSONTextField(models.TextField):
    """JSON kept as text, written once and read as it is.

    Its own placeholder keeps Django's bulk insert on PostgreSQL off the ``UNNEST(array)``
    form: psycopg escapes each element of a text array in Python, which took seconds for a
    thousand workloads' documents, while row placeholders are dumped by its C adapters.
    """

    def get_placeholder(self, value, compiler, connection) -> str:
        return "%s"


class RunSection(TenantModel):
    """One step's section of a running run's results, kept apart until the run finishes.

    Each step writes its own section once; the run's ``results`` are assembled from them in the
    database when the run finishes. Rewriting the one results document at every step would copy
    every earlier section again (tens of megabytes per step for a portfolio of thousands).
    """

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(max_length=30)
    # The section as JSON text: written once, parsed by the database when results are assembled.
    data = JSONTextField()

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["run", "name"], name="run_section_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} of {self.run}"


class RunWorkloadResult(TenantModel):
    """One workload's part of one section of a run's results (its engine costs, its sovereignty
    assessment), a row of its own so a portfolio's results never have to fit one document.

    The portfolio-level parts of each section stay in the run's ``results``; a succeeded run's
    whole results are these rows, in ``position`` order, set into their sections' ``workloads``.
    """

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="workload_rows")
    section = models.CharField(max_length=30, help_text="engine or sovereignty")
    position = models.PositiveIntegerField(help_text="The workload's place in the section, from 0.")
    workload_id = models.CharField(max_length=200, help_text="The workload's external id.")
    # JSON text, written once and sent on as it is: a page of the API is spliced, not re-parsed.
    data = JSONTextField()

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["run", "section", "position"], name="run_workload_result_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section} of {self.workload_id} in {self.run}"


class RunChunk(TenantModel):
    """One chunk of a split step of a large run (a slice of its workloads or of its Monte Carlo
    samples), computed by whichever worker claims it first and merged by the run's own task.

    The claim is a row update, so two workers never compute the same chunk at once; a claim
    whose worker stopped answering (``claimed_at`` older than SOVRA_RUN_STALE_SECONDS) may be
    taken over.
    """

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="chunks")
    step = models.CharField(max_length=30)
    index = models.PositiveIntegerField()
    start = models.PositiveIntegerField(help_text="First workload or sample of the chunk.")
    stop = models.PositiveIntegerField(help_text="One past its last.")
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    # The chunk's part of the step, as JSON text, until the run's task merges it.
    data = models.TextField(blank=True)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["run", "step", "index"], name="run_chunk_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.step} chunk {self.index} of {self.run}"


class RunReport(TenantModel):
    """A run's PDF, kept in the database: served only through authenticated, scoped views."""

    run = models.OneToOneField(AssessmentRun, on_delete=models.CASCADE, related_name="report")
    pdf = models.BinaryField()
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(default=0)
    rendered_at = models.DateTimeField(auto_now_add=True)
    render_seconds = models.FloatField(default=0.0)

    class Meta(TenantModel.Meta):
        ordering = ["-rendered_at"]

    def __str__(self) -> str:
        return f"Report of {self.run}"


class ReportEmail(TenantModel):
    """One sending of a run's report to recipients; sent at most once, retried on failure."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="emails")
    recipients = models.JSONField()
    message = models.TextField(blank=True, max_length=2000)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    automatic = models.BooleanField(
        default=False, help_text="Sent because the run finished (the assessment's recipients)."
    )
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    attached = models.BooleanField(
        null=True, help_text="PDF attached (True) or linked because of its size (False)."
    )
    message_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A redelivered "run finished" task cannot queue the automatic email twice.
            models.UniqueConstraint(
                fields=["run"], condition=models.Q(automatic=True), name="one_automatic_email"
            ),
        ]

    def __str__(self) -> str:
        return f"Email of {self.run} to {len(self.recipients)} recipient(s)"
