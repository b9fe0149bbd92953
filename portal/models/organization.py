"""Organizations (the tenants), their default assumptions, and members with roles."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django_countries.fields import CountryField

# ISO 4217 codes the portal can price in (conversion rates live in the price catalogs).
CURRENCIES = [
    ("EUR", "EUR: euro"),
    ("USD", "USD: US dollar"),
    ("GBP", "GBP: pound sterling"),
    ("CHF", "CHF: Swiss franc"),
    ("JPY", "JPY: Japanese yen"),
    ("SEK", "SEK: Swedish krona"),
    ("NOK", "NOK: Norwegian krone"),
    ("DKK", "DKK: Danish krone"),
    ("PLN", "PLN: Polish zloty"),
    ("CAD", "CAD: Canadian dollar"),
    ("AUD", "AUD: Australian dollar"),
]


class Role(models.TextChoices):
    """What a member may do; each role includes the ones below it."""

    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    ANALYST = "analyst", "Analyst"
    VIEWER = "viewer", "Viewer"

    @property
    def rank(self) -> int:
        return ROLE_RANK[self.value]

    def at_least(self, other: Role | str) -> bool:
        return ROLE_RANK[self.value] >= ROLE_RANK[Role(other).value]


ROLE_RANK = {"viewer": 1, "analyst": 2, "admin": 3, "owner": 4}

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    "Use 1-50 lowercase letters, digits and hyphens, not starting or ending with a hyphen.",
)


# What owners and admins may change in an organization (pages and API agree on it).
SETTINGS_FIELDS = (
    "name",
    "country",
    "currency",
    "discount_rate_pct",
    "horizon_years",
    "electricity_price_per_kwh",
    "pue",
    "staff_cost_per_fte_year",
    "sovereignty_weight_pct",
    "min_seal_public",
    "min_seal_internal",
    "min_seal_confidential",
    "min_seal_restricted",
)


# The levels of the European Commission's Cloud Sovereignty Framework (SEAL: Sovereignty
# Effectiveness Assurance Level), in the words a reader meets them first.
SEAL_LEVELS = {
    0: "no sovereignty: exclusive non-EU control",
    1: "jurisdictional: EU law applies formally, control stays outside the EU",
    2: "data sovereignty: EU law enforceable, material non-EU dependencies",
    3: "digital resilience: marginal non-EU control",
    4: "full digital sovereignty: EU control and EU law only",
}
CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")

# The app that ships the sovereignty criteria library (portal may not import it) registers
# here how to read the library's minimum SEAL per classification, shown where a level is empty.
SEAL_DEFAULT_SOURCES: list[Callable[[], Mapping[str, int]]] = []


def library_seal_minimums() -> dict[str, int]:
    """The criteria library's minimum SEAL per classification, as its app registered it."""
    minimums: dict[str, int] = {}
    for source in SEAL_DEFAULT_SOURCES:
        minimums.update(source())
    return minimums


def _min_seal_field(classification: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        f"minimum SEAL for {classification} data",
        null=True,
        blank=True,
        validators=[MaxValueValidator(4)],
        help_text="EU Cloud Sovereignty Framework level 0-4 an option needs for such workloads; "
        "empty: the criteria library's default.",
    )


class Organization(models.Model):
    """A tenant: the company whose workloads are assessed, with its default assumptions."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=50, unique=True, validators=[slug_validator])
    country = CountryField(help_text="Where the organization is established (ISO 3166).")
    currency = models.CharField(
        max_length=3, choices=CURRENCIES, default="EUR", help_text="ISO 4217 reporting currency."
    )
    discount_rate_pct = models.DecimalField(
        "discount rate (%/year)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("8.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))],
        help_text="Yearly rate used to discount future cash flows to a net present value.",
    )
    horizon_years = models.PositiveSmallIntegerField(
        "horizon (years)",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(15)],
        help_text="How many years the cost comparison covers.",
    )
    electricity_price_per_kwh = models.DecimalField(
        "electricity price (per kWh)",
        max_digits=8,
        decimal_places=4,
        default=Decimal("0.1900"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("5"))],
        help_text="Tariff in the organization's currency per kWh, taxes included.",
    )
    pue = models.DecimalField(
        "PUE",
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.40"),
        validators=[MinValueValidator(Decimal("1.0")), MaxValueValidator(Decimal("3.0"))],
        help_text="Power usage effectiveness of the own facility (total power / IT power).",
    )
    staff_cost_per_fte_year = models.DecimalField(
        "staff cost (per FTE-year)",
        max_digits=12,
        decimal_places=2,
        default=Decimal("110000.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("5000000"))],
        help_text="Loaded yearly cost of one operations engineer, in the organization's currency.",
    )
    sovereignty_weight_pct = models.PositiveSmallIntegerField(
        "sovereignty weight (%)",
        default=50,
        validators=[MaxValueValidator(100)],
        help_text="How much sovereignty weighs against cost when options are ranked (0-100).",
    )
    min_seal_public = _min_seal_field("public")
    min_seal_internal = _min_seal_field("internal")
    min_seal_confidential = _min_seal_field("confidential")
    min_seal_restricted = _min_seal_field("restricted")
    require_two_factor = models.BooleanField(
        "require two-factor sign-in",
        default=False,
        help_text="Members must sign in with a code from an authenticator app to see anything "
        "of this organization; those without one are sent to set it up first.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def min_seal_by_classification(self) -> dict[str, int]:
        """The minimum SEAL levels this organization sets; classifications left empty are absent
        (the criteria library's default applies to them)."""
        levels = {name: getattr(self, f"min_seal_{name}") for name in CLASSIFICATIONS}
        return {name: level for name, level in levels.items() if level is not None}

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one organization; a user may belong to several."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="uniq_membership")
        ]
        ordering = ["organization__name", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} as {self.role}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def has_role(self, minimum: Role | str) -> bool:
        return self.role_enum.at_least(minimum)
