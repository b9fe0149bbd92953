"""Versioned price catalogs, public or an organization's negotiated prices, and their parameters."""

from __future__ import annotations

from django.db import models

from costing.models.base import (
    CatalogRowManager,
    Sourced,
    currency_code,
    sourced_constraints,
)
from portal.models.tenancy import SharedOrTenantModel, unique_per_owner


class CatalogStatus(models.TextChoices):
    """A draft is edited; a published version is frozen."""

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Catalog(SharedOrTenantModel):
    """One version of a price list: public (shared, read-only) or one organization's own.

    A published version never changes: a new price is a new version, so every computation
    that cited a version can be reproduced.
    """

    organization = models.ForeignKey(
        "portal.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        help_text="Empty for public catalogs; set for an organization's negotiated prices.",
    )
    name = models.CharField(max_length=120)
    version = models.CharField(max_length=60)
    currency = models.CharField(
        max_length=3,
        validators=[currency_code],
        help_text="Main currency (ISO 4217); each price still carries its own.",
    )
    effective_date = models.DateField(help_text="First day its prices hold.")
    valid_until = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="Day a later published version took over; empty while it is the latest.",
    )
    source = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=CatalogStatus.choices, default=CatalogStatus.DRAFT
    )
    content_sha256 = models.CharField(
        max_length=64, blank=True, help_text="Digest of the files a public version was loaded from."
    )
    based_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The version this one was copied from.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    cloud_offers_compared = models.BooleanField(
        default=False,
        editable=False,
        help_text="Its cloud GPU offers were compared within each place when it was published "
        "(their undercut_in_place marks); a version whose rows hold only on some days is not.",
    )
    api_names_read_with = models.PositiveSmallIntegerField(
        null=True,
        editable=False,
        help_text="How its API model names were read when it was published (their served_as).",
    )

    class Meta(SharedOrTenantModel.Meta):
        ordering = ["name", "-effective_date", "-created_at"]
        constraints = [
            *unique_per_owner(
                "name",
                "version",
                per_org_name="uniq_catalog_version_per_org",
                public_name="uniq_public_catalog_version",
            ),
            models.CheckConstraint(
                condition=models.Q(status=CatalogStatus.DRAFT)
                | models.Q(published_at__isnull=False),
                name="catalog_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        owner = "public" if self.organization_id is None else "private"
        return f"{self.name} {self.version} ({owner}, {self.status})"

    @property
    def is_published(self) -> bool:
        return self.status == CatalogStatus.PUBLISHED


class ParameterKind(models.TextChoices):
    """What a catalog parameter is about."""

    LIFECYCLE = "lifecycle", "Useful life"
    RESIDUAL = "residual", "Residual value"
    SUPPORT = "support", "Support and maintenance"


class CatalogParameter(Sourced):
    """A sourced assumption that is not an offer: useful life, residual value, support cost.

    servers.csv carries these as rows whose system starts with ``Lifecycle:``, ``Residual:`` or
    ``Support:``; storing them as servers would put fake machines in front of the engine.
    """

    catalog = models.ForeignKey(Catalog, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ParameterKind.choices)
    key = models.CharField(max_length=200, help_text="What the value is, as the source names it.")
    gpu_name = models.CharField(max_length=120, blank=True, help_text="The hardware it is about.")
    gpu_count = models.PositiveIntegerField(null=True, blank=True)
    value = models.DecimalField(max_digits=18, decimal_places=6)
    unit = models.CharField(
        max_length=40, help_text="'years', 'percent_of_new_price', or a currency code."
    )
    year = models.PositiveIntegerField(null=True, blank=True)

    objects = CatalogRowManager()
    dangerously_unscoped = models.Manager()

    class Meta:
        default_manager_name = "dangerously_unscoped"
        base_manager_name = "dangerously_unscoped"
        ordering = ["kind", "key"]
        constraints = [
            *sourced_constraints("catalogparameter"),
            models.CheckConstraint(condition=models.Q(value__gt=0), name="catalogparameter_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.value} {self.unit}"
