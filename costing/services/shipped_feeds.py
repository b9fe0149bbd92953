"""The price feed subsets Sovra ships (costing/data/feeds/), read into the public catalog.

Each file listed in ``MANIFEST.csv`` goes through the same reader as ``catalog_sync`` (no
reader of its own), dated as the feed states its prices, and every row it makes names in its
notes the shipped file, its upstream and its licence. Which subsets are shipped, and why
SkyPilot's catalogs are not, is in costing/data/feeds/README.md.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction

from costing.feeds import CATALOG_SOURCES, FeedRows, ecb, read_feed
from costing.models import FxRate
from costing.services.rows import RowError

MANIFEST = "MANIFEST.csv"
MANIFEST_COLUMNS = ("file", "source", "as_of", "upstream", "upstream_url", "licence", "notes")


@dataclass(frozen=True, slots=True)
class ShippedFeed:
    """One shipped feed file: what reads it, the date its prices hold from, where it came from."""

    path: Path
    source: str
    as_of: date
    upstream: str
    upstream_url: str
    licence: str

    @property
    def provenance(self) -> str:
        """What every row of this file says about where it came from and on what terms."""
        return (
            f"Shipped in costing/data/feeds/{self.path.name}: subset of {self.upstream}, "
            f"licence {self.licence}."
        )


def shipped_feeds(feeds_dir: Path, errors: list[RowError]) -> list[ShippedFeed]:
    """The manifest's feeds; a line naming an unknown reader, a bad date or a missing file is
    an error (file, line, field), so the whole load is refused."""
    path = feeds_dir / MANIFEST
    if not path.exists():
        return []
    feeds = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in MANIFEST_COLUMNS if name not in (reader.fieldnames or [])]
        if missing:
            errors.append(RowError(MANIFEST, 1, ", ".join(missing), "missing column(s)"))
            return []
        for line, row in enumerate(reader, start=2):
            source = row["source"].strip()
            if source not in (*CATALOG_SOURCES, ecb.SOURCE):
                errors.append(RowError(MANIFEST, line, "source", f"no feed reader {source!r}"))
                continue
            try:
                as_of = date.fromisoformat(row["as_of"].strip())
            except ValueError:
                errors.append(RowError(MANIFEST, line, "as_of", "not a date (YYYY-MM-DD)"))
                continue
            file = feeds_dir / row["file"].strip()
            if not file.is_file():
                errors.append(RowError(MANIFEST, line, "file", f"{file.name} is not shipped"))
                continue
            if not row["licence"].strip():
                errors.append(RowError(MANIFEST, line, "licence", "required: no licence, no row"))
                continue
            feeds.append(
                ShippedFeed(
                    path=file,
                    source=source,
                    as_of=as_of,
                    upstream=row["upstream"].strip(),
                    upstream_url=row["upstream_url"].strip(),
                    licence=row["licence"].strip(),
                )
            )
    return feeds


def shipped_feed_rows(feed: ShippedFeed) -> FeedRows:
    """The catalog rows of one shipped feed, each noting the file, upstream and licence."""
    rows = read_feed(
        feed.source, feed.path.read_bytes(), as_of=feed.as_of, file_url=feed.upstream_url
    )
    for row in rows.rows:
        row["notes"] = f"{row['notes']} {feed.provenance}".strip()
    return rows


def fx_rates_store(rates: list[dict]) -> None:
    """Store FX rows (ECB reference rates); a rate already stored for its day is updated."""
    with transaction.atomic():
        FxRate.objects.bulk_create(
            [FxRate(**fields) for fields in rates],
            update_conflicts=True,
            unique_fields=["base", "quote", "date", "source_url"],
            update_fields=["rate"],
            batch_size=5000,
        )


def shipped_rates(feed: ShippedFeed) -> list[dict]:
    """The FX rows of a shipped ECB file, sourced to the ECB's own address."""
    return ecb.read(feed.path.read_bytes(), file_url=feed.upstream_url)
