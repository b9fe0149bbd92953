"""Reads of the price catalogs for one organization: public rows plus its own, never another's.

Which offers count (``offers_for``):
- only published catalog versions effective on the given day count, and of each catalog (one
  owner and name) only its latest such version: older versions stay for audit and for the runs
  that cited them, and a run "as of" a past day is priced with the versions in force then;
- within a version, a row dated by its source (``valid_from``/``valid_until``) counts only on
  the days it holds;
- an organization's own offer overrides the public offers for the same thing, for that
  organization only: same provider, instance and region (cloud GPU), same provider and model
  (API), same system (server). Every public offer of that key is then hidden, its dated
  history included; all other public offers stay visible, history and disagreeing sources too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from costing.models import CATALOG_ROW_MODELS, Catalog, CatalogStatus, FxRate, GpuSpec
from portal.models import Organization

# What makes two offers "the same thing" for the override rule.
OVERRIDE_KEYS = {
    "cloud_gpu": ("provider", "instance", "region"),
    "api": ("provider", "model_name"),
    "server": ("system",),
}
_RELATED = {"cloud_gpu": ("provider", "gpu", "catalog"), "api": ("provider", "catalog")}


def catalogs_for(*, organization: Organization) -> models.QuerySet:
    """Every catalog the organization may see: public ones and its own, drafts included."""
    return Catalog.objects.for_organization(organization)


def catalog_get(*, organization: Organization, pk: int) -> Catalog | None:
    """One catalog, or None when it does not exist or belongs to another organization."""
    return catalogs_for(organization=organization).filter(pk=pk).first()


def current_catalogs(*, organization: Organization, on: date | None = None) -> list[Catalog]:
    """The latest published version of each public catalog and of each of the organization's."""
    on = on or timezone.localdate()
    latest: dict[tuple[int | None, str], Catalog] = {}
    published = (
        catalogs_for(organization=organization)
        .filter(status=CatalogStatus.PUBLISHED, effective_date__lte=on)
        .order_by("effective_date", "published_at", "pk")
    )
    for catalog in published:
        latest[(catalog.organization_id, catalog.name)] = catalog
    return list(latest.values())


class NoCatalogInForce(ValueError):
    """No published catalog version holds on the day prices are asked for."""


def catalogs_in_force(*, organization: Organization, on: date) -> list[Catalog]:
    """``current_catalogs`` on the day, or NoCatalogInForce saying from when there are any."""
    found = current_catalogs(organization=organization, on=on)
    if found:
        return found
    first = (
        catalogs_for(organization=organization)
        .filter(status=CatalogStatus.PUBLISHED)
        .order_by("effective_date")
        .first()
    )
    if first is None:
        raise NoCatalogInForce(
            "No price catalog is published yet: load the public catalog "
            "(manage.py load_public_catalog) or publish one of your own."
        )
    raise NoCatalogInForce(
        f"No published price catalog is in force on {on.isoformat()}: the earliest, "
        f"{first.name} {first.version}, takes effect on {first.effective_date.isoformat()}. "
        "Choose a 'prices as of' date on or after it."
    )


def in_force(on: date) -> Q:
    """Rows whose own dates (empty: their version's) hold on the day."""
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=on)) & (
        Q(valid_until__isnull=True) | Q(valid_until__gt=on)
    )


def _rows_in(model, organization: Organization, catalogs: list[int], on: date):
    return (
        model.objects.for_organization(organization)
        .filter(catalog__in=catalogs)
        .filter(in_force(on))
    )


def rows_in_force(*, organization: Organization, kind: str, on: date) -> models.QuerySet:
    """Rows of ``kind`` in the catalog versions in force on the day that hold on it."""
    current = [catalog.pk for catalog in current_catalogs(organization=organization, on=on)]
    return _rows_in(CATALOG_ROW_MODELS[kind], organization, current, on)


def offers_for(*, organization: Organization, kind: str, on: date | None = None) -> models.QuerySet:
    """Offers of ``kind`` ('cloud_gpu', 'api', 'server') that count for the organization."""
    if kind not in OVERRIDE_KEYS:
        raise ValueError(f"Unknown offer kind {kind!r}; expected one of {sorted(OVERRIDE_KEYS)}.")
    model = CATALOG_ROW_MODELS[kind]
    on = on or timezone.localdate()
    current = current_catalogs(organization=organization, on=on)
    visible = _rows_in(model, organization, [c.pk for c in current], on)
    # The organization's own versions by id: the override test then reads its own rows alone,
    # not every public row joined to its catalog (tens of thousands once feeds are imported).
    own_catalogs = [c.pk for c in current if c.organization_id == organization.pk]
    own = _rows_in(model, organization, own_catalogs, on)
    same_key = {name: OuterRef(name) for name in OVERRIDE_KEYS[kind]}
    overridden = Exists(own.filter(**same_key))
    # Prefetched, not joined: thousands of offers share a few catalogs, providers and GPUs, and
    # a join would build (and parse the dates of) one copy of each per row.
    return (
        visible.filter(Q(catalog__in=own_catalogs) | ~overridden)
        .prefetch_related(*_RELATED.get(kind, ("catalog",)))
        .order_by(*model._meta.ordering, "pk")
    )


def accelerators_for(*, organization: Organization) -> models.QuerySet:
    """Public accelerators and the organization's own; another organization's stay unseen."""
    return GpuSpec.objects.for_organization(organization)


def accelerator_offers(
    *, organization: Organization, spec: GpuSpec, limit: int = 50
) -> dict[str, tuple[list, int]]:
    """Offers naming the accelerator, by kind, as (first ``limit`` rows, how many in all): the
    current public catalogs' and every version of the organization's own, drafts included
    (those are what keep an own accelerator from being deleted)."""
    public_current = [c.pk for c in current_catalogs(organization=organization) if c.is_public]
    found = {}
    for kind in ("cloud_gpu", "server"):
        model = CATALOG_ROW_MODELS[kind]
        rows = (
            model.objects.for_organization(organization)
            .filter(gpu=spec)
            .filter(Q(catalog__in=public_current) | Q(catalog__organization=organization))
            .select_related(*_RELATED.get(kind, ("catalog",)))
            .order_by("catalog__organization", "catalog__name", "-catalog__effective_date", "pk")
        )
        first = list(rows[:limit])
        found[kind] = (first, len(first) if len(first) < limit else rows.count())
    return found


def offer_get(*, organization: Organization, kind: str, pk: int) -> models.Model | None:
    """One catalog row (any version) the organization may see, or None: another organization's
    row answers exactly like a missing one."""
    model = CATALOG_ROW_MODELS[kind]
    return model.objects.for_organization(organization).filter(pk=pk).first()


@dataclass(frozen=True, slots=True)
class FxQuote:
    """1 ``base`` = ``rate`` ``quote``, with the date and sources it rests on (shown beside a
    converted price). ``via`` names the currency a cross rate went through, if any."""

    base: str
    quote: str
    rate: Decimal
    date: date | None
    sources: tuple[str, ...]
    via: str = ""

    def convert(self, amount: Decimal) -> Decimal:
        return amount * self.rate


def _leg(base: str, quote: str, on: date) -> FxQuote | None:
    """The latest published rate between two currencies on or before ``on``, either way round.

    Among rates of the same day the first source in alphabetical order wins, so the answer
    does not depend on load order.
    """
    rows = FxRate.objects.filter(
        Q(base=base, quote=quote) | Q(base=quote, quote=base), date__lte=on
    ).order_by("-date", "source_url", "base")
    row = rows.first()
    if row is None:
        return None
    rate = row.rate if row.base == base else 1 / row.rate
    return FxQuote(base, quote, rate, row.date, (row.source_url,))


def fx_rate(*, base: str, quote: str, on: date | None = None) -> FxQuote | None:
    """How to turn ``base`` into ``quote`` on a day: direct, inverse, or across a third currency.

    None when no published rate connects them: a price that cannot be converted is missing,
    never taken at 1:1.
    """
    on = on or timezone.localdate()
    if base == quote:
        return FxQuote(base, quote, Decimal(1), None, ())
    direct = _leg(base, quote, on)
    if direct is not None:
        return direct
    # Cross rates: the ECB table quotes everything against EUR, the Fed against USD.
    for via in ("EUR", "USD"):
        if via in (base, quote):
            continue
        first, second = _leg(base, via, on), _leg(via, quote, on)
        if first is not None and second is not None:
            return FxQuote(
                base,
                quote,
                first.rate * second.rate,
                min(first.date, second.date),
                first.sources + second.sources,
                via=via,
            )
    return None


class FxConverter:
    """Turns prices into one currency at the latest published rates, one lookup per currency.

    A list page converts many rows; caching by currency keeps its query count independent of
    the number of rows. ``quote_for`` answers None when no rate connects the currencies.
    """

    def __init__(self, *, quote: str, on: date | None = None):
        self.quote = quote
        self.on = on or timezone.localdate()
        self._cache: dict[str, FxQuote | None] = {}

    def quote_for(self, base: str) -> FxQuote | None:
        if base not in self._cache:
            self._cache[base] = fx_rate(base=base, quote=self.quote, on=self.on)
        return self._cache[base]


def catalog_rows(*, catalog: Catalog, kind: str) -> models.QuerySet:
    """The rows of one kind in a catalog the caller loaded through ``catalog_get``."""
    model = CATALOG_ROW_MODELS[kind]
    return (
        model.objects.in_catalog(catalog)
        .select_related(*_RELATED.get(kind, ("catalog",)))
        .order_by(*model._meta.ordering, "pk")
    )


def offers_across_versions(*, organization: Organization, kind: str) -> models.QuerySet:
    """Every offer of ``kind`` in every version the organization may see (for comparisons)."""
    model = CATALOG_ROW_MODELS[kind]
    return (
        model.objects.for_organization(organization)
        .select_related(*_RELATED.get(kind, ("catalog",)))
        .order_by(*model._meta.ordering, "pk")
    )


def feed_imports_of(*, catalog: Catalog) -> models.QuerySet:
    """The feed imports of a catalog the caller loaded through a scoped query, newest first."""
    from costing.models import FeedImport

    if catalog is None or catalog.pk is None:
        raise ValueError("feed_imports_of needs a stored catalog, loaded through a scope.")
    return FeedImport.objects.filter(catalog=catalog).select_related("compared_with")
