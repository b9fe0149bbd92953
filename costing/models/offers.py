"""Offers in a catalog: cloud GPU instances, managed model APIs and on-premises servers."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from costing.models.base import (
    MONEY,
    CatalogRowManager,
    Sourced,
    currency_with_money,
    positive_when_present,
    sourced_constraints,
)


class OfferBase(Sourced):
    """What every offer has: its catalog and the manager that scopes it through that catalog."""

    catalog = models.ForeignKey("costing.Catalog", on_delete=models.CASCADE, related_name="+")

    objects = CatalogRowManager()
    dangerously_unscoped = models.Manager()

    # Fields holding money; a NULL one is a missing price, reported as such, never priced at 0.
    PRICE_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True
        default_manager_name = "dangerously_unscoped"
        base_manager_name = "dangerously_unscoped"

    @property
    def missing_prices(self) -> list[str]:
        return [name for name in self.PRICE_FIELDS if getattr(self, name) is None]

    def clean(self) -> None:
        # The database refuses these too; saying which field, and what to do, helps forms.
        errors = {
            name: "Must be above 0: leave it empty when the price is missing."
            for name in self.PRICE_FIELDS
            if isinstance(getattr(self, name), Decimal | int) and getattr(self, name) <= 0
        }
        if errors:
            raise ValidationError(errors)


CLOUD_PRICE_FIELDS = (
    "on_demand_per_hour",
    "reserved_1y_per_hour",
    "reserved_3y_per_hour",
    "spot_per_hour",
)
# Published regional uplifts are 10-20% (OpenAI data residency, Azure Data Zone EU); above a
# doubling of the price the figure is a typing error, not a surcharge.
REGIONAL_UPLIFT_MAX_PCT = 100

API_PRICE_FIELDS = (
    "input_price",
    "output_price",
    "cached_input_price",
    "long_context_input_price",
    "long_context_output_price",
)


class CloudGpuOffer(OfferBase):
    """Rented GPU capacity: one instance type (or one GPU, where ``gpu_count`` is 1) by the hour.

    Prices are for the whole ``gpu_count``: an 8-GPU instance's price covers 8 GPUs.
    """

    provider = models.ForeignKey("costing.Provider", on_delete=models.RESTRICT, related_name="+")
    instance = models.CharField(max_length=160)
    region = models.CharField(max_length=160, blank=True)
    gpu_name = models.CharField("GPU", max_length=120, help_text="As the source names it.")
    gpu = models.ForeignKey(
        "costing.GpuSpec",
        null=True,
        blank=True,
        # A published offer never changes, not even by losing its GPU link; RESTRICT still lets
        # an organization go with its catalogs.
        on_delete=models.RESTRICT,
        related_name="+",
        help_text="The GPU spec the name resolves to, where it resolves to exactly one.",
    )
    gpu_count = models.PositiveIntegerField()
    on_demand_per_hour = models.DecimalField(null=True, blank=True, **MONEY)
    reserved_1y_per_hour = models.DecimalField(
        "1-year committed per hour", null=True, blank=True, **MONEY
    )
    reserved_3y_per_hour = models.DecimalField(
        "3-year committed per hour", null=True, blank=True, **MONEY
    )
    spot_per_hour = models.DecimalField(null=True, blank=True, **MONEY)
    egress_per_gb = models.DecimalField(
        null=True, blank=True, help_text="0 where the provider charges no egress.", **MONEY
    )
    # Set when the version is published (costing.cloud_candidates): scenario builds then read
    # the few offers that can price an option instead of comparing the version's thousands.
    undercut_in_place = models.BooleanField(
        null=True,
        editable=False,
        help_text="A newer row of the same offer, or an offer of the same provider, region, GPU, "
        "count and currency, costs as much or less on every price; empty until published.",
    )

    PRICE_FIELDS = CLOUD_PRICE_FIELDS

    class Meta(OfferBase.Meta):
        ordering = ["provider__name", "instance", "region", "date"]
        indexes = [
            models.Index(
                fields=["catalog"],
                condition=models.Q(undercut_in_place=False),
                name="cloudgpuoffer_priced_in_place",
            )
        ]
        constraints = [
            *sourced_constraints("cloudgpuoffer"),
            *positive_when_present("cloudgpuoffer", *CLOUD_PRICE_FIELDS),
            models.CheckConstraint(
                condition=models.Q(egress_per_gb__isnull=True) | models.Q(egress_per_gb__gte=0),
                name="cloudgpuoffer_egress_per_gb_gte_0",
            ),
            models.CheckConstraint(condition=models.Q(gpu_count__gt=0), name="cloudgpuoffer_gpus"),
            currency_with_money("cloudgpuoffer", *CLOUD_PRICE_FIELDS, "egress_per_gb"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.instance} ({self.region or 'region not stated'})"


class ApiUnit(models.TextChoices):
    """What one price of a managed API buys (the notes' ``UNIT:`` convention in the data)."""

    TOKENS_1M = "1m_tokens", "per 1M tokens"
    CHARACTERS_1M = "1m_characters", "per 1M characters"
    # Transcription bills the minutes of audio it is sent; speech synthesis the minutes of
    # speech it produces, which no transcription workload can be priced with.
    AUDIO_MINUTE = "audio_minute", "per audio minute"
    AUDIO_HOUR = "audio_hour", "per audio hour"
    SPEECH_MINUTE = "speech_minute", "per minute of speech generated"
    IMAGE = "image", "per image"


class ApiOffer(OfferBase):
    """A managed model API: price per unit of input and output, with its tiers and terms.

    For token offers the unit is 1M tokens; speech and image offers say their unit (minute,
    hour, character, image) and put the price in the input (or output) column as published.
    """

    provider = models.ForeignKey("costing.Provider", on_delete=models.RESTRICT, related_name="+")
    model_name = models.CharField(max_length=160)
    # Set when the version is published (costing.api_candidates).
    served_as = models.CharField(
        max_length=255,
        blank=True,
        editable=False,
        help_text="The name's significant words, as the engine reads them: the model it serves.",
    )
    unit = models.CharField(max_length=16, choices=ApiUnit.choices, default=ApiUnit.TOKENS_1M)
    input_price = models.DecimalField(null=True, blank=True, **MONEY)
    output_price = models.DecimalField(null=True, blank=True, **MONEY)
    cached_input_price = models.DecimalField(null=True, blank=True, **MONEY)
    batch_discount_pct = models.DecimalField(
        "batch discount (%)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    context_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    long_context_threshold_tokens = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Prompts above this many tokens are billed higher."
    )
    long_context_input_price = models.DecimalField(null=True, blank=True, **MONEY)
    long_context_output_price = models.DecimalField(null=True, blank=True, **MONEY)
    regions = models.TextField("regions or residency", blank=True)
    regional_uplift_pct = models.DecimalField(
        "regional processing uplift (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(REGIONAL_UPLIFT_MAX_PCT)],
        help_text="Surcharge on every price for processing held in a region (EU data zone, "
        "regional endpoint): 0 where the list price already processes there; empty where none "
        "is published, so the offer cannot price work that must stay in a region.",
    )
    regional_uplift_source_url = models.TextField(
        "regional uplift source",
        blank=True,
        help_text="Where the uplift was published, or the file and entries it was derived from.",
    )
    regional_uplift_date = models.DateField(
        null=True, blank=True, help_text="Date of the uplift as its source states it."
    )
    data_terms = models.TextField("data retention and training terms", blank=True)
    open_weights = models.BooleanField(null=True, blank=True)

    PRICE_FIELDS = API_PRICE_FIELDS

    class Meta(OfferBase.Meta):
        ordering = ["provider__name", "model_name", "date"]
        constraints = [
            *sourced_constraints("apioffer"),
            *positive_when_present("apioffer", *API_PRICE_FIELDS),
            models.CheckConstraint(
                condition=models.Q(batch_discount_pct__isnull=True)
                | models.Q(batch_discount_pct__gt=0, batch_discount_pct__lte=100),
                name="apioffer_batch_discount_range",
            ),
            currency_with_money("apioffer", *API_PRICE_FIELDS),
            models.CheckConstraint(
                condition=models.Q(regional_uplift_pct__isnull=True)
                | models.Q(
                    regional_uplift_pct__gte=0, regional_uplift_pct__lte=REGIONAL_UPLIFT_MAX_PCT
                ),
                name="apioffer_regional_uplift_range",
            ),
            # An uplift is a price: it carries where it was published.
            models.CheckConstraint(
                condition=models.Q(regional_uplift_pct__isnull=True)
                | ~models.Q(regional_uplift_source_url=""),
                name="apioffer_regional_uplift_sourced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.model_name}"

    def clean(self) -> None:
        errors = {}
        try:
            super().clean()
        except ValidationError as error:
            errors = error.message_dict
        if self.regional_uplift_pct is not None and not self.regional_uplift_source_url.strip():
            errors["regional_uplift_source_url"] = [
                "Say where the regional uplift was published (an uplift is a price)."
            ]
        if errors:
            raise ValidationError(errors)


class PriceKind(models.TextChoices):
    """How firm a server price is."""

    LIST = "list", "List price"
    STREET = "street", "Street price (quote, reseller)"
    ESTIMATE = "estimate", "Estimate from a source"


class ServerOffer(OfferBase):
    """An on-premises system to buy: GPUs, price, power, space, support and useful life."""

    system = models.CharField(max_length=200)
    gpu_name = models.CharField("GPU", max_length=120, blank=True)
    gpu = models.ForeignKey(
        "costing.GpuSpec", null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    gpu_count = models.PositiveIntegerField(null=True, blank=True)
    price = models.DecimalField(null=True, blank=True, **MONEY)
    price_kind = models.CharField(max_length=10, choices=PriceKind.choices, blank=True)
    power_typical_kw = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    power_max_kw = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    rack_units = models.PositiveIntegerField(null=True, blank=True)
    support_pct_per_year = models.DecimalField(
        "support (% of price per year)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    useful_life_years = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    year = models.PositiveIntegerField(null=True, blank=True, help_text="Year of the figure.")

    PRICE_FIELDS = ("price",)

    class Meta(OfferBase.Meta):
        ordering = ["system", "date"]
        constraints = [
            *sourced_constraints("serveroffer"),
            *positive_when_present(
                "serveroffer",
                "price",
                "power_typical_kw",
                "power_max_kw",
                "rack_units",
                "support_pct_per_year",
                "useful_life_years",
                "gpu_count",
            ),
            models.CheckConstraint(
                condition=models.Q(price__isnull=True) | ~models.Q(price_kind=""),
                name="serveroffer_price_has_kind",
            ),
            currency_with_money("serveroffer", "price"),
        ]

    def __str__(self) -> str:
        return self.system
