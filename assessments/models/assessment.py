"""An assessment: which workloads, which deployment options, which prices and constraints."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from costing.engine.deployment_options import DEPLOYMENT_OPTIONS, OPTIONS
from portal.models.tenancy import TenantModel
from portal.validators import validate_no_control_chars, validate_single_line, validate_tags

TEXT_VALIDATORS = [validate_no_control_chars]

# The engine's deployment options, in its order, with the names forms show.
OPTION_IDS = OPTIONS
OPTION_CHOICES = [(option.id, option.form_label) for option in DEPLOYMENT_OPTIONS]


def all_options() -> list[str]:
    return list(OPTION_IDS)


class OfferLocations(models.TextChoices):
    """Which cloud and API offers may serve the workloads, by where their data is processed."""

    ANY = "any", "Any location"
    EEA = "eea", "Only offers established in the EU/EEA"
    COUNTRY = "country", "Only offers in the organization's country"


class Assessment(TenantModel):
    """The question: which workloads, which options, horizon, prices, constraints, recipients.

    Runs copy everything they use into their snapshot, so editing an assessment never changes a
    run that was computed before.
    """

    # One line: the name is the Subject of every report e-mail.
    name = models.CharField(max_length=200, validators=[validate_single_line])
    description = models.TextField(blank=True, max_length=5000, validators=TEXT_VALIDATORS)
    workloads = models.ManyToManyField(
        "portal.Workload",
        blank=True,
        related_name="+",
        help_text="Workloads chosen one by one; with the tags below, their union is assessed. "
        "Neither given: every workload of the organization.",
    )
    workload_tags = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_tags],
        help_text="Workloads carrying any of these tags are assessed.",
    )
    options = models.JSONField(
        default=all_options, help_text="Deployment options compared (engine option ids)."
    )
    horizon_years = models.PositiveSmallIntegerField(
        "horizon (years)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(15)],
        help_text="Empty: the organization's horizon.",
    )
    prices_as_of = models.DateField(
        null=True,
        blank=True,
        help_text="Catalog versions in force on this date; empty: the date of each run.",
    )
    offer_locations = models.CharField(
        max_length=10, choices=OfferLocations.choices, default=OfferLocations.ANY
    )
    assumption_overrides = models.JSONField(
        default=dict,
        blank=True,
        help_text="Scenario assumptions that differ from the engine's defaults "
        "(e.g. demand_growth_per_year, owned_utilisation_target).",
    )
    monte_carlo_samples = models.PositiveIntegerField(
        default=2000, validators=[MinValueValidator(0), MaxValueValidator(20000)]
    )
    random_seed = models.PositiveIntegerField(
        default=42, help_text="Seed of the Monte Carlo: the same seed gives the same figures."
    )
    sovereignty_weight_pct = models.PositiveSmallIntegerField(
        "sovereignty weight (%)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="Weight of sovereignty against cost in the ranking; empty: the organization's.",
    )
    sovereign_min_seal = models.PositiveSmallIntegerField(
        "sovereign from SEAL level",
        default=3,
        validators=[MaxValueValidator(4)],
        help_text="Options at this SEAL level or above count as sovereign for the minimum share.",
    )
    budget_cap = models.DecimalField(
        "budget cap (NPV)",
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Most the portfolio may cost over the horizon (NPV, organization currency).",
    )
    power_limit_kw = models.DecimalField(
        "power limit (kW)",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Most power the owned servers may draw at their maximum.",
    )
    rack_units_limit = models.PositiveIntegerField(
        "rack units limit",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Most rack units the owned servers may take.",
    )
    min_sovereign_share_pct = models.DecimalField(
        "minimum sovereign share (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Least share of the workloads placed on sovereign options.",
    )
    recipients = models.JSONField(
        default=list, blank=True, help_text="Addresses that receive each finished run's report."
    )
    email_message = models.TextField(blank=True, max_length=2000, validators=TEXT_VALIDATORS)
    callback_url = models.URLField(
        blank=True,
        max_length=500,
        help_text="Called (POST, signed with HMAC-SHA256) when a run finishes.",
    )
    callback_secret = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["organization", "-updated_at"])]

    def __str__(self) -> str:
        return self.name
