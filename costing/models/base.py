"""What every catalog row shares: its source, its date, and a manager scoped through its catalog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.core.validators import RegexValidator
from django.db import models

from portal.models.tenancy import SharedOrTenantManager, UnscopedQueryError

if TYPE_CHECKING:
    from portal.models import Organization

# Money and rates: Decimal in the database, six places for prices quoted per hour, per token or
# per audio minute (e.g. 21.957642 USD/h, 0.0375 USD per 1M tokens).
MONEY = {"max_digits": 16, "decimal_places": 6}


currency_code = RegexValidator(r"^[A-Z]{3}$", "Use an ISO 4217 code such as EUR or USD.")


class SourceKind(models.TextChoices):
    """How far to trust a row: the provider's own page, or someone quoting it."""

    PRIMARY = "primary", "Primary (provider's own page)"
    SECONDARY = "secondary", "Secondary (tracker, reseller, press)"
    NOT_STATED = "", "Not stated"


class CatalogRowManager(SharedOrTenantManager):
    """Rows of a catalog: public when their catalog is public, else their catalog's organization's.

    Tenancy follows the catalog (one place holds the organization, so a row cannot drift away
    from its catalog's owner); the manager fails closed like every tenant manager.
    """

    def _scoped(self, organization: Organization) -> models.QuerySet:
        return models.Manager.get_queryset(self).filter(
            models.Q(catalog__organization__isnull=True)
            | models.Q(catalog__organization=organization)
        )

    def public(self) -> models.QuerySet:
        return models.Manager.get_queryset(self).filter(catalog__organization__isnull=True)

    def in_catalog(self, catalog) -> models.QuerySet:
        """Rows of one catalog, which the caller has already loaded through a scoped query."""
        if catalog is None or getattr(catalog, "pk", None) is None:
            raise UnscopedQueryError(f"{self.model.__name__}: no catalog to scope to.")
        return models.Manager.get_queryset(self).filter(catalog=catalog)

    def bulk_create_in(self, catalog, rows: list[models.Model]) -> list[models.Model]:
        """Insert rows into one catalog (the catalog is the scope: it names the owner)."""
        self.in_catalog(catalog)  # refuses a missing catalog
        for row in rows:
            row.catalog = catalog
        return models.Manager.get_queryset(self).bulk_create(rows)

    def create_in(self, organization, **fields):
        raise TypeError("Catalog rows belong to a catalog: use costing.services.catalog_row_add.")


@dataclass(frozen=True, slots=True)
class Validity:
    """The days a price holds: from ``start`` to the day before ``end`` (None: still in force)."""

    start: date
    end: date | None

    def __str__(self) -> str:
        if self.end is None:
            return f"in force from {self.start.isoformat()}"
        return f"in force {self.start.isoformat()} to {self.end.isoformat()} (superseded)"


class Sourced(models.Model):
    """Currency, date and source of a figure, as the source states them."""

    currency = models.CharField(
        max_length=3,
        blank=True,
        validators=[currency_code],
        help_text="ISO 4217; empty only where the row holds no money (e.g. a power spec).",
    )
    date = models.DateField(
        null=True,
        blank=True,
        help_text="Date of the price as the source states it (first day when only a month).",
    )
    date_text = models.CharField(
        "date as published",
        max_length=60,
        blank=True,
        help_text="The date exactly as the source gave it ('2024-08', 'undated', ...).",
    )
    # When the price holds, where the source dates it (a feed's dated prices, a price change
    # announced ahead): empty means from its catalog version's effective date, and until a
    # later version supersedes it. A row counts on a day only inside both.
    valid_from = models.DateField(
        null=True, blank=True, help_text="First day the price holds; empty: the version's date."
    )
    valid_until = models.DateField(
        null=True,
        blank=True,
        help_text="First day it no longer holds; empty: until a later version supersedes it.",
    )
    source_url = models.TextField("source", blank=True)
    source_kind = models.CharField(
        max_length=10, choices=SourceKind.choices, blank=True, default=SourceKind.NOT_STATED
    )
    source_row = models.CharField(
        max_length=80,
        blank=True,
        help_text="File and line the row was loaded from (e.g. 'servers.csv:14').",
    )
    notes = models.TextField(blank=True)

    class Meta:
        abstract = True

    @property
    def validity(self) -> Validity:
        """Its own dates within its catalog version's: the days the price counts."""
        catalog = self.catalog
        start = max(filter(None, (catalog.effective_date, self.valid_from)))
        ends = [day for day in (catalog.valid_until, self.valid_until) if day is not None]
        return Validity(start, min(ends) if ends else None)


def sourced_constraints(prefix: str) -> list[models.BaseConstraint]:
    """Every row names a source address or says where it came from in a note."""
    return [
        models.CheckConstraint(
            condition=~models.Q(source_url="") | ~models.Q(notes=""),
            name=f"{prefix}_has_source_or_note",
        ),
        models.UniqueConstraint(
            fields=["catalog", "source_row"],
            condition=~models.Q(source_row=""),
            name=f"{prefix}_uniq_source_row",
        ),
        models.CheckConstraint(
            condition=models.Q(valid_from__isnull=True)
            | models.Q(valid_until__isnull=True)
            | models.Q(valid_until__gt=models.F("valid_from")),
            name=f"{prefix}_valid_until_after_from",
            violation_error_message="'Valid until' must come after 'valid from'.",
        ),
    ]


def positive_when_present(prefix: str, *fields: str) -> list[models.BaseConstraint]:
    """A missing price is NULL; a present one is above zero (0 never stands in for 'unknown')."""
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"{field}__isnull": True}) | models.Q(**{f"{field}__gt": 0}),
            name=f"{prefix}_{field}_gt_0",
        )
        for field in fields
    ]


def currency_with_money(prefix: str, *fields: str) -> models.CheckConstraint:
    """A row that carries any money must say which currency."""
    no_money = models.Q()
    for field in fields:
        no_money &= models.Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(
        condition=no_money | ~models.Q(currency=""), name=f"{prefix}_currency_with_money"
    )
