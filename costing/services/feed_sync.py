"""Import a public price feed into a draft catalog version, with its diff; never publish.

``feed_sync`` copies the current published version (public, or the organization's own) into a
new draft, replaces the feed's own rows there (rows whose source_row starts with the feed's
name) through the all-or-nothing ``catalog_import``, keeps every other row, and stores the
diff against that published version: offers added and removed, prices changed (old, new, per
cent), rows left without a price, prices refused for their unit or currency, and the feed's
providers whose jurisdiction is not established (created as such, never presumed safe).
``feed_rates_sync`` stores ECB reference rates as dated FX rows (reference data, unversioned).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from costing.feeds import FeedError, FeedRows, ecb, read_feed
from costing.models import CATALOG_ROW_MODELS, Catalog, CatalogStatus, FeedImport, Provider
from costing.models.provider import CloudActExposure
from costing.services.catalog_io import catalog_import
from costing.services.catalogs import (
    FeedNeedsConfirmation,
    catalog_version_create,
    check_owner,
)
from costing.services.feed_fetch import feed_fetch, refuse_size
from costing.services.public_catalog import PUBLIC_CATALOG_NAME
from costing.services.shipped_feeds import fx_rates_store
from portal.models import Organization

# What names an offer in the diff, per kind.
_LABEL = {"api": ("model_name", "unit"), "cloud_gpu": ("instance", "region")}


@dataclass(frozen=True)
class RatesReport:
    """What an ECB import stored."""

    count: int
    first: date | None
    last: date | None
    currencies: int


def _text(value) -> str | None:
    return (
        None if value is None else str(value.normalize() if isinstance(value, Decimal) else value)
    )


def _pct(old: Decimal, new: Decimal | None) -> str | None:
    if new is None or not old:
        return None
    return str(((new - old) / old * 100).quantize(Decimal("0.1")))


def _base_catalog(*, organization: Organization | None, catalog: Catalog | None) -> Catalog:
    """The version to build on: the one given; else the public catalog's draft pending review
    (copied from its latest published version), so that feeds imported one after the other are
    reviewed and published together; else its latest published version."""
    if catalog is not None:
        check_owner(catalog=catalog, organization=organization)
        return catalog
    public = Catalog.objects.public().filter(name=PUBLIC_CATALOG_NAME)
    found = (
        public.filter(status=CatalogStatus.PUBLISHED)
        .order_by("-effective_date", "-published_at", "-pk")
        .first()
    )
    if found is None:
        raise ValidationError(
            f"No published {PUBLIC_CATALOG_NAME!r} to build on: run load_public_catalog first."
        )
    pending = public.filter(status=CatalogStatus.DRAFT, based_on=found).order_by("-pk").first()
    return pending or found


def _free_version(*, base: Catalog, source: str, as_of: date) -> str:
    scope = (
        Catalog.objects.public()
        if base.organization_id is None
        else (
            Catalog.objects.for_organization(base.organization).filter(
                organization=base.organization
            )
        )
    )
    taken = set(scope.filter(name=base.name).values_list("version", flat=True))
    stem = f"{as_of.isoformat()} {source}"
    version, number = stem, 1
    while version in taken:
        number += 1
        version = f"{stem} ({number})"
    return version


def _providers(feed: FeedRows, organization: Organization | None) -> list[dict]:
    """Create the feed's providers we do not know, with nothing established (jurisdiction
    unknown, CLOUD Act exposure unknown); return every provider whose jurisdiction needs review."""
    scope = (
        Provider.objects.public()
        if organization is None
        else Provider.objects.for_organization(organization)
    )
    known = {p.name: p for p in scope.filter(name__in=set(feed.providers.values()))}
    review = []
    for feed_id, name in sorted(feed.providers.items()):
        provider = known.get(name)
        created = provider is None
        if created:
            provider = Provider.dangerously_unscoped.create(
                organization=organization,
                name=name,
                us_cloud_act_exposure=CloudActExposure.UNKNOWN,
                notes=f"Named by the {feed.source} feed as {feed_id!r}: headquarters, "
                "jurisdiction and terms not established. Review before relying on it.",
            )
            known[name] = provider
        if (
            created
            or not provider.headquarters_country
            or provider.us_cloud_act_exposure == (CloudActExposure.UNKNOWN)
        ):
            review.append(
                {
                    "name": name,
                    "feed_id": feed_id,
                    "created": created,
                    "headquarters_country": provider.headquarters_country or "unknown",
                    "us_cloud_act_exposure": provider.us_cloud_act_exposure,
                }
            )
    return review


def _label(kind: str, row) -> str:
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    provider = get("provider")
    provider = provider if isinstance(provider, str) else provider.name
    return " · ".join(str(part) for part in (provider, *(get(n) for n in _LABEL[kind])) if part)


def _diff(feed: FeedRows, previous: list) -> tuple[dict, Decimal]:
    """The feed's new rows against its rows in the published version, keyed by source_row."""
    fields = CATALOG_ROW_MODELS[feed.kind].PRICE_FIELDS
    old = {row.source_row: row for row in previous}
    new = {row["source_row"]: row for row in feed.rows}
    changed, price_count, moved = [], 0, 0
    for ref, before in old.items():
        after = new.get(ref)
        for name in fields:
            was = getattr(before, name)
            if was is None:
                continue
            price_count += 1
            now = after.get(name) if after is not None else None
            if after is None:
                moved += 1
            elif now != was:
                moved += 1
                changed.append(
                    {
                        "record": ref,
                        "label": _label(feed.kind, after),
                        "field": name,
                        "old": _text(was),
                        "new": _text(now),
                        "pct": _pct(was, now),
                    }
                )
    added = [{"record": r, "label": _label(feed.kind, new[r])} for r in new if r not in old]
    removed = [{"record": r, "label": _label(feed.kind, old[r])} for r in old if r not in new]
    share = Decimal(moved) / Decimal(price_count) if price_count else Decimal(0)
    diff = {
        "kind": feed.kind,
        "counts": {
            "rows": len(feed.rows),
            "added": len(added),
            "removed": len(removed),
            "prices_changed": len(changed),
            "prices_compared": price_count,
            "missing": len(feed.missing),
            "refused": len(feed.refused),
            "providers": len(set(feed.providers.values())),
        },
        "added": added,
        "removed": removed,
        "changed": changed,
        "missing": [m.as_dict() for m in feed.missing],
        "refused": [r.as_dict() for r in feed.refused],
    }
    return diff, share.quantize(Decimal("0.0001"))


def feed_sync(
    *,
    source: str,
    data: bytes,
    as_of: date | None = None,
    organization: Organization | None = None,
    catalog: Catalog | None = None,
    file_name: str = "",
    file_url: str = "",
) -> FeedImport:
    """Read one feed file into a draft catalog with its stored diff (module docstring).

    ``catalog``: the version to build on (a published one is copied into a new draft; a draft
    is imported into); default the latest published public catalog. A bad file refuses the
    whole import (``FeedError`` names record and field); nothing is published.
    """
    refuse_size(len(data), name=file_name or "the file")
    as_of = as_of or timezone.localdate()
    feed = read_feed(source, data, as_of=as_of, file_url=file_url)
    base = _base_catalog(organization=organization, catalog=catalog)
    with transaction.atomic():
        if base.status == CatalogStatus.PUBLISHED:
            version = _free_version(base=base, source=source, as_of=as_of)
            draft = catalog_version_create(
                catalog=base,
                version=version,
                organization=organization,
                effective_date=max(as_of, base.effective_date),
            )
            compared_with = base
        else:
            draft, compared_with = base, base.based_on
        review = _providers(feed, organization)
        previous = []
        if compared_with is not None:
            previous = list(
                CATALOG_ROW_MODELS[feed.kind]
                .objects.in_catalog(compared_with)
                .filter(source_row__startswith=feed.prefix)
                .select_related("provider")
            )
        diff, share = _diff(feed, previous)
        diff["providers_review"] = review
        # A feed imported again into the same draft replaces its rows: its earlier diff with them.
        FeedImport.objects.filter(catalog=draft, source=source).delete()
        catalog_import(
            catalog=draft,
            rows={feed.kind: feed.rows},
            organization=organization,
            replacing=feed.prefix,
        )
        return FeedImport.objects.create(
            catalog=draft,
            compared_with=compared_with,
            source=source,
            file_name=(file_name or file_url)[:300],
            file_sha256=hashlib.sha256(data).hexdigest(),
            as_of=feed.stated_on or as_of,
            diff=diff,
            changed_share=share,
            flagged=share > Decimal(str(settings.SOVRA_FEED_MAX_CHANGED_SHARE)),
        )


def feed_rates_sync(*, data: bytes, file_name: str = "", file_url: str = "") -> RatesReport:
    """Store every ECB rate of the file as a dated FX row (a rate already stored is updated)."""
    refuse_size(len(data), name=file_name or "the file")
    rates = ecb.read(data, file_url=file_url)
    fx_rates_store(rates)
    days = [fields["date"] for fields in rates]
    return RatesReport(
        count=len(rates),
        first=min(days, default=None),
        last=max(days, default=None),
        currencies=len({fields["quote"] for fields in rates}),
    )


def feed_fetch_and_sync(*, source: str, url: str) -> FeedImport | RatesReport | None:
    """Fetch a feed (https, bounded) and import it; a file identical to the last one imported
    from this feed makes no new draft (None): a schedule leaves nothing new to review."""
    data = feed_fetch(url=url)
    if source == ecb.SOURCE:
        return feed_rates_sync(data=data, file_name=url, file_url=url)
    last = (
        FeedImport.objects.filter(source=source, catalog__organization__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    if last is not None and last.file_sha256 == hashlib.sha256(data).hexdigest():
        return None
    return feed_sync(source=source, data=data, file_name=url, file_url=url)


__all__ = [
    "FeedError",
    "FeedNeedsConfirmation",
    "RatesReport",
    "feed_fetch_and_sync",
    "feed_rates_sync",
    "feed_sync",
]
