"""Bodies of the assessments API: assessments, runs (small, for polling), emails, comparisons."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import Assessment, AssessmentRun, ReportEmail, RunStatus
from assessments.models.assessment import OPTION_CHOICES
from assessments.services.assessments import clean_callback_url
from assessments.services.runs import STEP_LABELS
from portal.api.fields import StrictModelSerializer, StrictSerializer, UsernameField
from portal.models import Workload
from portal.validators import MAX_TAG_LENGTH, MAX_TAGS, validate_tags

MAX_WORKLOADS_NAMED = 10_000
MAX_UNKNOWN_LISTED = 20


class WorkloadExternalIdsField(serializers.ListField):
    """Workloads named by their external ids, among the request's organization's only."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.CharField(max_length=100))
        kwargs.setdefault("max_length", MAX_WORKLOADS_NAMED)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        external_ids = list(dict.fromkeys(super().to_internal_value(data)))
        organization = self.context["organization"]
        # Another organization's workloads are simply not found: their ids say nothing.
        found = {
            w.external_id: w
            for w in Workload.objects.for_organization(organization).filter(
                external_id__in=external_ids
            )
        }
        unknown = [i for i in external_ids if i not in found]
        if unknown:
            listed = ", ".join(repr(i) for i in unknown[:MAX_UNKNOWN_LISTED])
            more = f" and {len(unknown) - MAX_UNKNOWN_LISTED} more" if len(unknown) > 20 else ""
            raise serializers.ValidationError(
                f"No workload with external ID {listed}{more} in this organization.",
                code="unknown_workload",
            )
        return [found[i] for i in external_ids]

    def to_representation(self, value):
        return sorted(w.external_id for w in value.all())


class AssessmentSerializer(StrictModelSerializer):
    """An assessment: the workloads, options, horizon, prices, constraints and recipients."""

    workloads = WorkloadExternalIdsField(
        required=False,
        help_text="External IDs of workloads chosen one by one. With `workload_tags`, their "
        "union is assessed; neither given: every workload of the organization.",
    )
    workload_tags = serializers.ListField(
        child=serializers.CharField(max_length=MAX_TAG_LENGTH),
        max_length=MAX_TAGS,
        required=False,
        validators=[validate_tags],
        help_text="Workloads carrying any of these tags are assessed.",
    )
    options = serializers.ListField(
        child=serializers.ChoiceField(choices=OPTION_CHOICES),
        min_length=1,
        required=False,
        help_text="Deployment options compared; default: all of them.",
    )
    assumption_overrides = serializers.DictField(
        required=False,
        help_text="Scenario assumptions that differ from the engine's defaults, such as "
        "`demand_growth_per_year` (a fraction) or `commitment_term` (`reserved_1y`).",
    )
    recipients = serializers.ListField(
        child=serializers.CharField(max_length=254),
        required=False,
        help_text="Addresses that receive each succeeded run's report (at most 50).",
    )
    created_by = UsernameField()
    run_count = serializers.SerializerMethodField()
    runs_url = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "name",
            "description",
            "workloads",
            "workload_tags",
            "options",
            "horizon_years",
            "prices_as_of",
            "offer_locations",
            "assumption_overrides",
            "monte_carlo_samples",
            "random_seed",
            "sovereignty_weight_pct",
            "sovereign_min_seal",
            "budget_cap",
            "power_limit_kw",
            "rack_units_limit",
            "min_sovereign_share_pct",
            "recipients",
            "email_message",
            "callback_url",
            "created_by",
            "created_at",
            "updated_at",
            "run_count",
            "runs_url",
        ]
        read_only_fields = ["id", "created_by", "created_at", "updated_at"]
        # Money keeps exact decimal strings; limits and shares are measurements.
        extra_kwargs = {
            "power_limit_kw": {"coerce_to_string": False},
            "min_sovereign_share_pct": {"coerce_to_string": False},
        }

    def validate_callback_url(self, url: str) -> str:
        try:
            return clean_callback_url(url)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error

    def get_run_count(self, assessment) -> int:
        return getattr(assessment, "run_count", 0)

    def get_runs_url(self, assessment) -> str:
        return _absolute(self, "api:assessment-runs", assessment.pk)


class AssessmentCreatedSerializer(AssessmentSerializer):
    """The created assessment, with the callback secret: shown this once, never again."""

    callback_secret = serializers.CharField(
        read_only=True,
        help_text="Key of the HMAC-SHA256 signature of callbacks (`X-Sovra-Signature`). "
        "Store it now: no later answer shows it.",
    )

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "callback_secret"]


def _absolute(serializer, name: str, pk: int) -> str:
    """An absolute URL within the request's organization (slug from the context, no query)."""
    slug = serializer.context["org_slug"]
    path = reverse(name, kwargs={"org_slug": slug, "pk": pk})
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class RunLinksSerializer(serializers.Serializer):
    """Where to fetch the rest of a run; null while that part does not exist."""

    self = serializers.URLField()
    results = serializers.URLField(allow_null=True, help_text="Once the run has succeeded.")
    xlsx = serializers.URLField(
        allow_null=True, help_text="The results as a spreadsheet, once the run has succeeded."
    )
    snapshot = serializers.URLField(allow_null=True, help_text="Once the inputs are frozen.")
    pdf = serializers.URLField(allow_null=True, help_text="Once the report is rendered.")
    emails = serializers.URLField()
    assessment = serializers.URLField()


class RunSerializer(serializers.ModelSerializer):
    """A run's progress and headline figures: small enough to poll (never its results)."""

    assessment_name = serializers.CharField(source="assessment.name", read_only=True)
    step_label = serializers.SerializerMethodField()
    requested_by = UsernameField()
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)
    has_report = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentRun
        fields = [
            "id",
            "assessment",
            "assessment_name",
            "number",
            "status",
            "step",
            "step_label",
            "progress_pct",
            "timings",
            "error",
            "attempts",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "currency",
            "cheapest_option",
            "cheapest_npv",
            "recommended_option",
            "callback_status",
            "has_report",
            "links",
        ]
        read_only_fields = fields

    def get_step_label(self, run) -> str:
        return STEP_LABELS.get(run.step, run.step)

    def get_has_report(self, run) -> bool:
        return bool(getattr(run, "has_report", False))

    @extend_schema_field(RunLinksSerializer)
    def get_links(self, run) -> dict:
        def url(name: str, pk: int = run.pk) -> str:
            return _absolute(self, name, pk)

        return {
            "self": url("api:run-detail"),
            "results": url("api:run-results") if run.status == RunStatus.SUCCEEDED else None,
            "xlsx": url("api:run-xlsx") if run.status == RunStatus.SUCCEEDED else None,
            "snapshot": url("api:run-snapshot") if getattr(run, "has_snapshot", False) else None,
            "pdf": url("api:run-pdf") if self.get_has_report(run) else None,
            "emails": url("api:run-emails"),
            "assessment": url("api:assessment-detail", run.assessment_id),
        }


class RunStartSerializer(StrictSerializer):
    """Starting a run takes no body: the assessment says everything."""


class ReportEmailSerializer(serializers.ModelSerializer):
    """One sending of a run's report, and how its delivery went."""

    requested_by = UsernameField()

    class Meta:
        model = ReportEmail
        fields = [
            "id",
            "run",
            "recipients",
            "message",
            "automatic",
            "status",
            "attempts",
            "last_error",
            "attached",
            "requested_by",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"recipients": {"help_text": "The addresses it went (or goes) to."}}


class ReportEmailRequestSerializer(StrictSerializer):
    """Who receives the report, and an optional note placed above its summary."""

    recipients = serializers.ListField(
        child=serializers.CharField(max_length=254),
        help_text="Email addresses (1 to 50); an invalid one is named in the error.",
    )
    message = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", trim_whitespace=True
    )


# --------------------------------------------------------------------------- comparison
# These describe the answer of runs/{id}/compare/{other_id}/ for clients; the view returns
# what assessments.compare computes.


class RunRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    # Plain text here: one enum component per choice set keeps the schema's names stable.
    status = serializers.CharField(help_text="queued, running, succeeded or failed.")
    finished_at = serializers.DateTimeField(allow_null=True)


class NamedChangeSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Dotted path of the setting.")
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class WorkloadRefSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="External ID.")
    name = serializers.CharField(allow_null=True)


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class WorkloadChangeSerializer(WorkloadRefSerializer):
    fields = FieldChangeSerializer(many=True)


class WorkloadChangesSerializer(serializers.Serializer):
    added = WorkloadRefSerializer(many=True)
    removed = WorkloadRefSerializer(many=True)
    changed = WorkloadChangeSerializer(many=True)


class OfferRefSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="cloud_gpu, api, servers, fx, facility_..., staff.")
    offer = serializers.CharField()


class PriceChangeSerializer(OfferRefSerializer):
    figure = serializers.CharField(help_text="Which price or figure of the offer.")
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)
    old_currency = serializers.CharField(allow_null=True)
    new_currency = serializers.CharField(allow_null=True)
    delta_pct = serializers.FloatField(allow_null=True)


class PriceChangesSerializer(serializers.Serializer):
    added = OfferRefSerializer(many=True)
    removed = OfferRefSerializer(many=True)
    changed = PriceChangeSerializer(many=True)


class InputChangesSerializer(serializers.Serializer):
    workloads = WorkloadChangesSerializer()
    prices = PriceChangesSerializer()
    assumptions = NamedChangeSerializer(many=True)
    versions = NamedChangeSerializer(many=True)
    changed = serializers.BooleanField(help_text="Whether any input differs.")


class OldNewSerializer(serializers.Serializer):
    old = serializers.CharField(allow_null=True)
    new = serializers.CharField(allow_null=True)


class NpvChangeSerializer(serializers.Serializer):
    option = serializers.CharField()
    old = serializers.FloatField(allow_null=True)
    new = serializers.FloatField(allow_null=True)
    delta = serializers.FloatField(allow_null=True, help_text="Null across currencies.")
    delta_pct = serializers.FloatField(allow_null=True)


class RecommendationChangeSerializer(serializers.Serializer):
    workload = serializers.CharField()
    old = serializers.CharField(allow_null=True)
    new = serializers.CharField(allow_null=True)
    changed = serializers.BooleanField()
    old_placement = serializers.CharField(allow_null=True)
    new_placement = serializers.CharField(allow_null=True)
    placement_changed = serializers.BooleanField()


class ResultChangesSerializer(serializers.Serializer):
    currency = OldNewSerializer()
    headline = NamedChangeSerializer(many=True)
    npv_by_option = NpvChangeSerializer(many=True)
    recommendations = RecommendationChangeSerializer(many=True)
    recommendations_changed = serializers.IntegerField()


class RunComparisonSerializer(serializers.Serializer):
    """Two runs of one assessment: ``old`` is the earlier, whichever order the URL names them."""

    old = RunRefSerializer()
    new = RunRefSerializer()
    inputs = InputChangesSerializer()
    results = ResultChangesSerializer()
