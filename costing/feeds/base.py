"""What every feed reader returns: catalog rows, the records left unpriced, the prices refused.

A feed module maps one public price file to the cells ``catalog_import`` reads (one dict per
row, the provider by its name) and nothing else: no database, no network. What it cannot read
is named, never guessed: a price in a unit the catalog has no column for is *refused*; a record
without a price (or priced 0, a free tier or a placeholder) is *missing*, stored with an empty
price, never as 0.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

# source_row holds 80 characters (CatalogRowManager's unique key per catalog).
SOURCE_ROW_MAX = 80
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class FeedError(ValueError):
    """The file cannot be read as this feed at all: nothing is imported.

    ``where`` names the record (key, line) and ``field`` the field, as every import error does.
    """

    def __init__(self, message: str, *, where: str = "", field: str = ""):
        self.where = where
        self.field = field
        prefix = " ".join(part for part in (where, field) if part)
        super().__init__(f"{prefix}: {message}" if prefix else message)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A price the feed gives in a unit or currency the catalog cannot hold."""

    record: str
    field: str
    reason: str

    def as_dict(self) -> dict:
        return {"record": self.record, "field": self.field, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Missing:
    """A record imported without a price, and why."""

    record: str
    reason: str

    def as_dict(self) -> dict:
        return {"record": self.record, "reason": self.reason}


@dataclass
class FeedRows:
    """Rows of one kind (``api`` or ``cloud_gpu``) read from one feed file."""

    source: str
    kind: str
    rows: list[dict] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    # Feed provider id -> the provider name the rows carry (ours where we know it).
    providers: dict[str, str] = field(default_factory=dict)
    # The day the file says its prices were taken, where it says (else the import's day).
    stated_on: date | None = None

    @property
    def prefix(self) -> str:
        """Every row of this feed has a source_row starting so: an import replaces those."""
        return f"{self.source}:"


def source_row(source: str, key: str) -> str:
    """``source:key``, shortened with a digest where it would pass the column's 80 characters
    (a digest keeps two long keys with one beginning apart)."""
    text = f"{source}:{key}"
    if len(text) <= SOURCE_ROW_MAX:
        return text
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    return f"{text[: SOURCE_ROW_MAX - 11]}~{digest}"


def price(
    value, *, where: str, name: str, scale: Decimal = Decimal(1), text: bool = False
) -> Decimal | None:
    """A price from a JSON number (or CSV text, with ``text``), times ``scale``, rounded to the
    catalog's 6 places.

    None and "" are missing; 0 is missing too (a free tier or placeholder is not a price);
    a negative price, a value of another type, or text that is no number refuses the file.
    """
    if value is None or value == "":
        return None
    allowed = int | float | str if text else int | float
    if isinstance(value, bool) or not isinstance(value, allowed):
        raise FeedError(f"expected a number, got {type(value).__name__}", where=where, field=name)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise FeedError(f"not a number ({value!r})", where=where, field=name) from exc
    if not amount.is_finite():
        raise FeedError("not a finite number", where=where, field=name)
    if amount < 0:
        raise FeedError(f"negative price ({value!r})", where=where, field=name)
    if amount == 0:
        return None
    scaled = (amount * scale).quantize(Decimal("0.000001"))
    # A price so small that six places round it to 0 is kept as the smallest step, not as 0.
    return scaled if scaled > 0 else Decimal("0.000001")


def currency(code, *, where: str, name: str = "currency") -> str:
    """An ISO 4217 code, or FeedError naming what was found."""
    if not isinstance(code, str) or not _CURRENCY.match(code.strip()):
        raise FeedError(f"currency {code!r} is not an ISO 4217 code", where=where, field=name)
    return code.strip()


def sourced(*, url: str, as_of: date, date_text: str, ref: str, notes: str = "") -> dict:
    """The source cells every feed row carries: where, when, which record."""
    return {
        "source_url": url,
        "source_kind": "secondary",
        "date": as_of,
        "date_text": date_text,
        "source_row": ref,
        "notes": notes,
    }


# A cloud GPU row's prices per hour (the row's egress price no feed gives): the catalog's
# CLOUD_PRICE_FIELDS, named again because settings import the feeds before any model loads.
HOURLY_PRICES = (
    "on_demand_per_hour",
    "reserved_1y_per_hour",
    "reserved_3y_per_hour",
    "spot_per_hour",
)


def cloud_row(
    *, provider: str, instance: str, region: str, gpu: tuple[str, int], currency: str,
    prices: dict, source: dict,
) -> dict:  # fmt: skip
    """One cloud GPU offer as ``catalog_import`` reads it; a price not in ``prices`` is missing.
    ``gpu``: the accelerator's name as the feed writes it, and how many the instance has."""
    return {
        "provider": provider,
        "instance": instance,
        "region": region,
        "gpu_name": gpu[0],
        "gpu_count": gpu[1],
        **{name: prices.get(name) for name in HOURLY_PRICES},
        "currency": currency,
        "egress_per_gb": None,
        **source,
    }


def whole_lines(data: bytes, *, encoding: str = "utf-8") -> str:
    """The text of a feed whose writer ends every line, or FeedError: a file cut short by a
    failed download does not end its last line."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FeedError("not UTF-8 text") from exc
    if text and not text.endswith("\n"):
        raise FeedError("the last line has no line end (truncated?)")
    return text


def load_json(data: bytes, kind: type, expected: str):
    """The JSON document of a feed, of the type the feed publishes, or FeedError saying why."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"not a JSON document (truncated?): {exc}") from exc
    if not isinstance(document, kind):
        raise FeedError(f"expected {expected}, got {type(document).__name__}")
    return document
