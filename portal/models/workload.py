"""The workload inventory: each AI workload an organization runs or plans, with its demand."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from portal.models.tenancy import TenantModel
from portal.ranges import WORKLOAD_RANGES
from portal.validators import validate_no_control_chars, validate_no_formula, validate_tags

TEXT_VALIDATORS = [validate_no_formula, validate_no_control_chars]


class WorkloadKind(models.TextChoices):
    CHAT = "chat", "Chat / completion inference"
    BATCH = "batch", "Batch inference"
    EMBEDDINGS = "embeddings", "Embeddings"
    FINE_TUNING = "fine_tuning", "Fine-tuning"
    TRAINING = "training", "Training"
    SPEECH = "speech", "Speech / audio"
    IMAGE_VIDEO = "image_video", "Image / video generation"
    OTHER_GPU = "other_gpu", "Other GPU work"


class Precision(models.TextChoices):
    FP32 = "fp32", "FP32"
    BF16 = "bf16", "BF16"
    FP16 = "fp16", "FP16"
    FP8 = "fp8", "FP8"
    INT8 = "int8", "INT8"
    INT4 = "int4", "INT4"
    FP4 = "fp4", "FP4"
    MXFP4 = "mxfp4", "MXFP4 (4-bit, one 8-bit scale per 32)"
    NVFP4 = "nvfp4", "NVFP4 (4-bit, one FP8 scale per 16)"


class FineTuningMethod(models.TextChoices):
    NONE = "", "Not applicable"
    FULL = "full", "Full fine-tuning"
    LORA = "lora", "LoRA / adapters"


class DataClassification(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"


class SectorRegulation(models.TextChoices):
    NONE = "none", "None"
    HEALTH = "health", "Health (e.g. HIPAA, health-data hosting)"
    FINANCE = "finance", "Financial services (e.g. DORA)"
    PUBLIC_SECTOR = "public_sector", "Public sector"
    CRITICAL_INFRASTRUCTURE = "critical_infrastructure", "Essential / important entity (NIS2)"
    DEFENCE = "defence", "Defence and security"


class Residency(models.TextChoices):
    NONE = "none", "No requirement"
    EU_EEA = "eu_eea", "EU / EEA"
    COUNTRY = "country", "Organization's country"
    ON_PREMISES = "on_premises", "Own premises only"


external_id_validator = RegexValidator(
    r"^[^\x00-\x1f\x7f=][^\x00-\x1f\x7f]*$",
    "Use printable characters only, not starting with '='.",
)


class Workload(TenantModel):
    """One AI workload of an organization: what runs, how much, and what its data demands."""

    external_id = models.CharField(
        "external ID",
        max_length=100,
        validators=[external_id_validator],
        help_text="Your inventory's key (CMDB or asset ID); imports upsert by it.",
    )
    name = models.CharField(max_length=200, validators=TEXT_VALIDATORS)
    owner_team = models.CharField(
        max_length=120, blank=True, validators=TEXT_VALIDATORS, help_text="Team accountable for it."
    )
    kind = models.CharField(max_length=20, choices=WorkloadKind.choices)
    model = models.ForeignKey(
        "portal.ModelSpec",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="workloads",
        help_text="The model it runs; empty for GPU work sized in GPU-hours.",
    )
    precision = models.CharField(
        max_length=8,
        choices=Precision.choices,
        default=Precision.BF16,
        help_text="Numeric format of the weights when self-hosted.",
    )
    avg_input_tokens = models.PositiveIntegerField(
        "average input (tokens/request)",
        default=0,
        validators=WORKLOAD_RANGES["avg_input_tokens"].validators,
        help_text="Prompt plus context per request, in tokens.",
    )
    avg_output_tokens = models.PositiveIntegerField(
        "average output (tokens/request)",
        default=0,
        validators=WORKLOAD_RANGES["avg_output_tokens"].validators,
        help_text="Generated tokens per request.",
    )
    requests_per_day = models.PositiveBigIntegerField(
        "requests per day",
        default=0,
        validators=WORKLOAD_RANGES["requests_per_day"].validators,
        help_text="Average requests per day today.",
    )
    peak_factor = models.DecimalField(
        "peak factor",
        max_digits=6,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=WORKLOAD_RANGES["peak_factor"].validators,
        help_text="Peak hourly load over the average hourly load.",
    )
    ttft_target_ms = models.PositiveIntegerField(
        "time to first token target (ms)",
        null=True,
        blank=True,
        validators=WORKLOAD_RANGES["ttft_target_ms"].validators,
        help_text="Latency target for the first token, in milliseconds; empty if none.",
    )
    output_tokens_per_second_target = models.PositiveIntegerField(
        "output speed target (tokens/s per request)",
        null=True,
        blank=True,
        validators=WORKLOAD_RANGES["output_tokens_per_second_target"].validators,
        help_text="Generation speed each user must see; empty if none.",
    )
    fine_tuning_method = models.CharField(
        max_length=8, choices=FineTuningMethod.choices, default="", blank=True
    )
    training_tokens_per_month = models.PositiveBigIntegerField(
        "training tokens per month",
        null=True,
        blank=True,
        validators=WORKLOAD_RANGES["training_tokens_per_month"].validators,
        help_text="Tokens processed by fine-tuning or training each month.",
    )
    gpu_hours_per_month = models.DecimalField(
        "GPU-hours per month",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=WORKLOAD_RANGES["gpu_hours_per_month"].validators,
        help_text="For work sized directly in GPU-hours (audio, image, other GPU work).",
    )
    peak_gpus = models.PositiveIntegerField(
        "peak GPUs",
        null=True,
        blank=True,
        validators=WORKLOAD_RANGES["peak_gpus"].validators,
        help_text="GPUs needed at the same time at peak, for work sized in GPU-hours.",
    )
    gpu_class = models.CharField(
        "GPU class",
        max_length=40,
        blank=True,
        validators=TEXT_VALIDATORS,
        help_text="Accelerator the GPU-hours refer to, as named on the Accelerators page or in "
        "a price list, e.g. 'H100 SXM' or 'L40S' (a name that fits several parts, such as 'H100', "
        "cannot be priced).",
    )
    audio_minutes_per_month = models.PositiveBigIntegerField(
        "audio minutes per month",
        null=True,
        blank=True,
        validators=WORKLOAD_RANGES["audio_minutes_per_month"].validators,
        help_text="Speech work: minutes of audio a month, what a transcription API bills.",
    )
    images_per_month = models.PositiveBigIntegerField(
        "images per month",
        null=True,
        blank=True,
        validators=WORKLOAD_RANGES["images_per_month"].validators,
        help_text="Image work: images generated a month, what an image API bills.",
    )
    cached_input_pct = models.DecimalField(
        "cached input (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=WORKLOAD_RANGES["cached_input_pct"].validators,
        help_text="Share of input tokens repeated across requests (system prompts, shared "
        "documents) that an API's prompt cache bills at its cached price.",
    )
    growth_pct_per_year = models.DecimalField(
        "growth (%/year)",
        max_digits=7,
        decimal_places=2,
        default=Decimal("0"),
        validators=WORKLOAD_RANGES["growth_pct_per_year"].validators,
        help_text="Expected yearly change in demand, in percent.",
    )
    data_classification = models.CharField(
        max_length=16, choices=DataClassification.choices, default=DataClassification.INTERNAL
    )
    personal_data = models.BooleanField(default=False, help_text="Processes personal data (GDPR).")
    special_category_data = models.BooleanField(
        "special-category data",
        default=False,
        help_text="Health, biometric (voices, faces) or other GDPR Article 9 data.",
    )
    sector_regulation = models.CharField(
        max_length=24, choices=SectorRegulation.choices, default=SectorRegulation.NONE
    )
    residency_requirement = models.CharField(
        max_length=16,
        choices=Residency.choices,
        default=Residency.NONE,
        help_text="Where the data and the processing must stay.",
    )
    tags = models.JSONField(
        default=list, blank=True, validators=[validate_tags], help_text="Free labels for grouping."
    )
    notes = models.TextField(blank=True, max_length=5000, validators=TEXT_VALIDATORS)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"], name="uniq_workload_external_id"
            ),
            models.CheckConstraint(
                condition=models.Q(peak_factor__gte=1), name="workload_peak_factor_gte_1"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "name", "id"], name="workload_org_name"),
            models.Index(fields=["organization", "kind"], name="workload_org_kind"),
            models.Index(fields=["organization", "-updated_at"], name="workload_org_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"

    def clean(self) -> None:
        errors = workload_consistency_errors(
            kind=self.kind,
            requests_per_day=self.requests_per_day,
            avg_input_tokens=self.avg_input_tokens,
            personal_data=self.personal_data,
            special_category_data=self.special_category_data,
        )
        if errors:
            raise ValidationError(errors)

    @property
    def tokens_per_day(self) -> int:
        return self.requests_per_day * (self.avg_input_tokens + self.avg_output_tokens)


# Whether a GPU class names an accelerator the organization has. The costing app, which owns the
# accelerators, registers its check when it starts (portal never imports costing): given an
# organization, a check of one name answering '' when it is known, else why not.
GPU_CLASS_CHECKS: list[Callable[[object], Callable[[str], str]]] = []


def gpu_class_checker(organization) -> Callable[[str], str]:
    """The registered checks of a GPU class for ``organization``: '' or the first problem.

    Each check resolves names through its own cached table, so many rows cost one lookup each."""
    checks = [make(organization) for make in GPU_CLASS_CHECKS]
    return lambda name: next((why for check in checks if (why := check(name))), "")


TOKEN_KINDS = frozenset({WorkloadKind.CHAT, WorkloadKind.BATCH, WorkloadKind.EMBEDDINGS})
TRAINING_KINDS = frozenset({WorkloadKind.FINE_TUNING, WorkloadKind.TRAINING})
GPU_HOUR_KINDS = frozenset({WorkloadKind.SPEECH, WorkloadKind.IMAGE_VIDEO, WorkloadKind.OTHER_GPU})
# The fields each kind of work is sized from, and those an API bills it by: the form shows a
# kind's own fields only, and a workload missing one it is sized from is refused at entry.
KIND_FIELDS = {
    "model": TOKEN_KINDS | TRAINING_KINDS | GPU_HOUR_KINDS,
    "precision": TOKEN_KINDS | TRAINING_KINDS,
    "avg_input_tokens": TOKEN_KINDS,
    "avg_output_tokens": TOKEN_KINDS,
    "requests_per_day": TOKEN_KINDS,
    "peak_factor": TOKEN_KINDS,
    "ttft_target_ms": TOKEN_KINDS,
    "output_tokens_per_second_target": TOKEN_KINDS,
    "cached_input_pct": TOKEN_KINDS,
    "fine_tuning_method": frozenset({WorkloadKind.FINE_TUNING}),
    "training_tokens_per_month": TRAINING_KINDS,
    "gpu_hours_per_month": GPU_HOUR_KINDS,
    "peak_gpus": GPU_HOUR_KINDS,
    "gpu_class": GPU_HOUR_KINDS,
    "audio_minutes_per_month": frozenset({WorkloadKind.SPEECH}),
    "images_per_month": frozenset({WorkloadKind.IMAGE_VIDEO}),
}


def workload_sizing_errors(workload) -> dict[str, str]:
    """What the engine needs to size this kind of work and the workload lacks (field -> why).

    The form refuses such a workload at entry. The API and imports keep taking partial rows (an
    inventory feeds them what it knows); a run leaves such a workload out, saying why and how
    to include it."""
    kind, errors = workload.kind, {}
    if kind in TOKEN_KINDS | TRAINING_KINDS and workload.model_id is None:
        errors["model"] = "This kind of work is sized from its model: choose one."
    if (
        kind in TOKEN_KINDS
        and (workload.avg_input_tokens or 0) + (workload.avg_output_tokens or 0) <= 0
    ):
        errors["avg_input_tokens"] = (
            "Token work is sized from its tokens per request: give the average input tokens, "
            "the output tokens, or both."
        )
    if kind in TRAINING_KINDS and not workload.training_tokens_per_month:
        errors["training_tokens_per_month"] = (
            "Training and fine-tuning are sized from the tokens trained on a month: give them."
        )
    if kind in GPU_HOUR_KINDS:
        if not workload.gpu_hours_per_month:
            errors["gpu_hours_per_month"] = (
                "This kind of work is sized in GPU-hours a month: give them (an API bills audio "
                "minutes or images besides, where it offers such work)."
            )
        if not workload.gpu_class:
            errors["gpu_class"] = "GPU-hours need the GPU class they are measured on."
    return errors


def workload_consistency_errors(
    *, kind, requests_per_day, avg_input_tokens, personal_data, special_category_data
) -> dict[str, str]:
    """Rules across fields, shared by forms, the API and imports (field -> message)."""
    errors: dict[str, str] = {}
    if kind in TOKEN_KINDS and (requests_per_day or 0) > 0 and not avg_input_tokens:
        errors["avg_input_tokens"] = (
            "A token workload with requests needs the average input tokens per request."
        )
    if special_category_data and not personal_data:
        errors["personal_data"] = (
            "Special-category data is personal data: tick personal data as well."
        )
    return errors
