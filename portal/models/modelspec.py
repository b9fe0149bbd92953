"""Model architectures that workloads run: public entries shared, private ones per organization."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from portal.models.tenancy import SharedOrTenantModel, unique_per_owner

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
)
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
