"""Model architectures that workloads run: public entries shared, private ones per organization."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from portal.models.tenancy import SharedOrTenantModel, unique_per_owner
from portal.models.workload import Precision

# Fields that size a self-hosted model; empty for closed API models.
ARCHITECTURE_FIELDS = (
    "params_b",
    "active_params_b",
    "layers",
    "hidden_size",
    "attention_heads",
    "kv_heads",
    "head_dim",
    "context_tokens",
    "mla_kv_lora_rank",
    "mla_rope_head_dim",
    "sliding_window_tokens",
    "sliding_window_layers",
    "experts",
    "experts_per_token",
    "shared_experts",
    "expert_params_b",
    "expert_precision",
)
# The fields of the engine's ModelArchitecture (attention_heads is shown, never used to size).
SIZING_FIELDS = tuple(name for name in ARCHITECTURE_FIELDS if name != "attention_heads")
# Checks that an open model can be sized, as (field, reason) pairs: the costing app, which
# owns the engine, registers its own when it starts (portal never imports costing).
SIZING_CHECKS: list[Callable[[ModelSpec], list[tuple[str, str]]]] = []
# What a user may set on an organization's own spec (pages, API and imports agree on it).
EDITABLE_FIELDS = (
    "name",
    "provider",
    "open_weights",
    *ARCHITECTURE_FIELDS,
    "license",
    "source_url",
    "notes",
)


class ModelSpec(SharedOrTenantModel):
    """An AI model's architecture (for sizing) or a closed API model (priced per token).

    ``organization`` is empty for the public entries seeded from the reference data; an
    organization's own entries are visible to it alone.
    """

    organization = models.ForeignKey(
        "portal.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        help_text="Empty for public entries.",
    )
    name = models.CharField(max_length=120, help_text="As users name it, e.g. 'Llama 3.1 70B'.")
    provider = models.CharField(
        max_length=120, blank=True, help_text="Who publishes the model or serves the API."
    )
    open_weights = models.BooleanField(
        default=True,
        help_text="Open weights can run anywhere; a closed model is reachable only as an API.",
    )
    params_b = models.DecimalField(
        "parameters (billions)",
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal("100000"))],
        help_text="Total parameters in billions; empty for closed API models.",
    )
    active_params_b = models.DecimalField(
        "active parameters (billions)",
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal("100000"))],
        help_text="Parameters used per token (less than the total for mixture-of-experts models).",
    )
    layers = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    hidden_size = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(1_000_000)]
    )
    attention_heads = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    kv_heads = models.PositiveIntegerField(
        "KV heads",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10_000)],
        help_text="Key/value heads (fewer than attention heads with grouped-query attention).",
    )
    head_dim = models.PositiveIntegerField(
        "head dimension",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10_000)],
    )
    context_tokens = models.PositiveIntegerField(
        "context (tokens)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100_000_000)],
        help_text="Longest input plus output the model accepts.",
    )
    mla_kv_lora_rank = models.PositiveIntegerField(
        "MLA latent rank",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1_000_000)],
        help_text="Multi-head latent attention (DeepSeek): the compressed KV latent cached per "
        "layer and token (kv_lora_rank in the config). Empty for grouped-query attention.",
    )
    mla_rope_head_dim = models.PositiveIntegerField(
        "MLA RoPE key dimension",
        null=True,
        blank=True,
        validators=[MaxValueValidator(100_000)],
        help_text="The decoupled RoPE key cached beside the latent (qk_rope_head_dim).",
    )
    sliding_window_tokens = models.PositiveIntegerField(
        "sliding window (tokens)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100_000_000)],
        help_text="Tokens the windowed or chunked attention layers keep in their KV cache.",
    )
    sliding_window_layers = models.PositiveIntegerField(
        "windowed layers",
        null=True,
        blank=True,
        validators=[MaxValueValidator(1000)],
        help_text="How many layers attend only to the window (the others see the whole context).",
    )
    experts = models.PositiveIntegerField(
        "routed experts",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text="Mixture of experts: routed experts per MoE layer. Empty for dense models.",
    )
    experts_per_token = models.PositiveIntegerField(
        "experts per token",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text="Routed experts each token uses (num_experts_per_tok).",
    )
    shared_experts = models.PositiveIntegerField(
        "shared experts",
        null=True,
        blank=True,
        validators=[MaxValueValidator(100_000)],
        help_text="Experts every token uses; their parameters count as active.",
    )
    expert_params_b = models.DecimalField(
        "routed expert parameters (billions)",
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal("100000"))],
        help_text="Parameters in the routed experts over all layers, where published; otherwise "
        "derived from total, active, experts and experts per token.",
    )
    expert_precision = models.CharField(
        "expert weights format",
        max_length=8,
        blank=True,
        choices=Precision.choices,
        help_text="Format the routed experts are published in when it differs from the rest "
        "(gpt-oss: MXFP4 experts, BF16 elsewhere); kept unless serving quantises further.",
    )
    license = models.CharField(max_length=120, blank=True)
    source_url = models.TextField(
        "source", blank=True, help_text="Where the figures come from (one or more addresses)."
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(SharedOrTenantModel.Meta):
        ordering = ["name"]
        constraints = [
            *unique_per_owner(
                "name",
                per_org_name="uniq_modelspec_name_per_org",
                public_name="uniq_public_modelspec_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_architecture(self) -> bool:
        return self.params_b is not None

    def clean(self):
        """An open-weights model is sized on our own hardware: refuse one the engine could not
        size, naming the field, rather than leave its workloads out of a run later."""
        super().clean()
        if not self.open_weights:
            return
        if self.params_b is None:
            raise ValidationError({"params_b": "An open-weights model needs its parameter count."})
        problems = [problem for check in SIZING_CHECKS for problem in check(self)]
        if problems:
            errors: dict[str, list[str]] = {}
            for name, why in problems:
                label = self._meta.get_field(name).verbose_name
                errors.setdefault(name, []).append(f"{label.capitalize()}: {why}.")
            raise ValidationError(errors)
