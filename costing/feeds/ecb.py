"""ECB euro reference rates (eurofxref-daily.xml, eurofxref.csv, eurofxref-hist.zip) as FX rows.

Every rate is "1 EUR = rate quote" on its day, as FxRate holds it. The one-day CSV writes its
date as '13 April 2026' and ends every field with ', '; the history writes ISO dates, 'N/A' for
a currency that did not exist that day (skipped: no rate, not 0) and a trailing comma.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree

from costing.feeds.base import FeedError

SOURCE = "ecb"
DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
CSV_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref.zip"
HIST_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_ECB_NS = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"
# The history's CSV inflates about three times from the zip; a member above this is refused.
MAX_MEMBER_BYTES = 64 * 1024 * 1024


def _rate(text: str, *, where: str, quote: str) -> Decimal | None:
    text = text.strip()
    if text in ("", "N/A"):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise FeedError(f"not a number ({text!r})", where=where, field=quote) from exc
    if not value.is_finite() or value <= 0:
        raise FeedError(f"a rate must be above 0 ({text!r})", where=where, field=quote)
    return value.quantize(Decimal("0.00000001"))


def _quote(code: str, *, where: str) -> str:
    code = code.strip()
    if not _CURRENCY.match(code):
        raise FeedError(f"{code!r} is not an ISO 4217 code", where=where, field="currency")
    return code


def _day(text: str, *, where: str) -> date:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d %B %Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise FeedError(
        f"date {text!r} is neither YYYY-MM-DD nor '13 April 2026'", where=where, field="Date"
    )


def _from_csv(text: str, url: str) -> list[dict]:
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    header = [cell.strip() for cell in next(reader, [])]
    if not header or header[0] != "Date":
        raise FeedError("first column must be 'Date'", where="line 1")
    quotes = [_quote(code, where="line 1") if code else "" for code in header[1:]]
    rates = []
    for number, cells in enumerate(reader, start=2):
        if not cells or not "".join(cells).strip():
            continue
        where = f"line {number}"
        if len(cells) < len(header) - 1 or len(cells) > len(header):
            raise FeedError(
                f"{len(cells)} cells for {len(header)} columns (truncated?)", where=where
            )
        day = _day(cells[0], where=where)
        for quote, text in zip(quotes, cells[1:], strict=False):
            if not quote:
                continue
            rate = _rate(text, where=where, quote=quote)
            if rate is not None:
                rates.append(
                    {"base": "EUR", "quote": quote, "rate": rate, "date": day, "source_url": url}
                )
    return rates


def _from_xml(data: bytes, url: str) -> list[dict]:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise FeedError("a document type declaration is not accepted")
    try:
        # No DTD reaches the parser (refused above), so no entity can expand.
        root = ElementTree.fromstring(data)  # noqa: S314
    except ElementTree.ParseError as exc:
        raise FeedError(f"not well-formed XML (truncated?): {exc}") from exc
    rates = []
    days = root.iter(f"{_ECB_NS}Cube")
    for cube in days:
        if "time" not in cube.attrib:
            continue
        day = _day(cube.attrib["time"], where="Cube")
        for item in cube:
            where = f"Cube time={day.isoformat()}"
            quote = _quote(item.attrib.get("currency", ""), where=where)
            rate = _rate(item.attrib.get("rate", ""), where=where, quote=quote)
            if rate is not None:
                rates.append(
                    {"base": "EUR", "quote": quote, "rate": rate, "date": day, "source_url": url}
                )
    if not rates:
        raise FeedError("no Cube with a time and rates: not an ECB reference-rate document")
    return rates


def read(data: bytes, *, file_url: str = "") -> list[dict]:
    """FxRate field values for every rate in a daily XML, a CSV or a zip holding one CSV."""
    if data[:2] == b"PK":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            members = [m for m in archive.infolist() if m.filename.endswith(".csv")]
        except zipfile.BadZipFile as exc:
            raise FeedError(f"not a readable zip (truncated?): {exc}") from exc
        if len(members) != 1:
            raise FeedError(f"expected one CSV in the zip, found {len(members)}")
        if members[0].file_size > MAX_MEMBER_BYTES:
            raise FeedError(f"{members[0].filename} inflates to {members[0].file_size} bytes")
        url = file_url or (HIST_URL if "hist" in members[0].filename else CSV_URL)
        try:
            text = archive.read(members[0]).decode("utf-8-sig")
        except (zipfile.BadZipFile, UnicodeDecodeError, EOFError) as exc:
            raise FeedError(f"cannot read {members[0].filename}: {exc}") from exc
        return _from_csv(text, url)
    if data.lstrip()[:1] == b"<":
        return _from_xml(data, file_url or DAILY_URL)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FeedError("not UTF-8 text") from exc
    return _from_csv(text, file_url or CSV_URL)
