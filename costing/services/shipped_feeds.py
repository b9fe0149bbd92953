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

from django.db import DEFAULT_DB_ALIAS, connections, transaction

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


_FX_COLUMNS = "base, quote, date, rate, source_url, notes"


def fx_rates_store(rates: list[dict], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Store FX rows (ECB reference rates); a rate already stored for its day is updated, and
    one that has not changed is left as it is.

    The ECB's history holds over 200,000 rates, which took 20 s to insert as model instances:
    PostgreSQL copies them into a scratch table and merges that in one statement; SQLite, in
    process, takes one statement per rate."""
    connection = connections[using]
    table = connection.ops.quote_name(FxRate._meta.db_table)
    rows = [
        (r["base"], r["quote"], r["date"], r["rate"], r["source_url"], r.get("notes", ""))
        for r in rates
    ]
    merge = (
        f"ON CONFLICT (base, quote, date, source_url) DO UPDATE SET rate = excluded.rate "
        f"WHERE {table}.rate <> excluded.rate"
    )
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
                f"INSERT INTO {table} ({_FX_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s) {merge}",  # noqa: S608 - the model's table; values are parameters
                rows,
            )
            return
        cursor.execute(
            "CREATE TEMPORARY TABLE incoming_fx_rate (base varchar(3), quote varchar(3), "
            "date date, rate numeric(18, 8), source_url text, notes text)"
        )
        with cursor.cursor.copy(f"COPY incoming_fx_rate ({_FX_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({_FX_COLUMNS}) SELECT {_FX_COLUMNS} FROM incoming_fx_rate "  # noqa: S608
            + merge
        )
        # Dropped here, not on commit: the caller's transaction may store more than once.
        cursor.execute("DROP TABLE incoming_fx_rate")


def shipped_rates(feed: ShippedFeed) -> list[dict]:
    """The FX rows of a shipped ECB file, sourced to the ECB's own address."""
    return ecb.read(feed.path.read_bytes(), file_url=feed.upstream_url)
