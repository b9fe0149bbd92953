"""ECB reference rates: daily XML, one-day CSV and the history zip, as dated EUR rates."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest

from costing.feeds import FeedError, ecb
from tests.costing.feeds.conftest import feed_bytes


def rate(rates, quote, day):
    return next(r["rate"] for r in rates if r["quote"] == quote and r["date"] == day)


def test_daily_xml():
    rates = ecb.read(feed_bytes("ecb-eurofxref-daily.xml"))
    assert len(rates) == 30
    assert rate(rates, "USD", date(2025, 5, 9)) == Decimal("1.1252")
    assert rates[0]["source_url"] == ecb.DAILY_URL


def test_one_day_csv_with_its_trailing_separators():
    rates = ecb.read(feed_bytes("ecb-eurofxref.csv"))
    assert len(rates) == 29
    assert rate(rates, "USD", date(2026, 4, 13)) == Decimal("1.1684")
    assert rate(rates, "IDR", date(2026, 4, 13)) == Decimal("20082.05")


def test_history_zip_skips_currencies_not_quoted_that_day():
    rates = ecb.read(feed_bytes("ecb-eurofxref-hist.zip"))
    assert len(rates) == 217_555
    assert rate(rates, "USD", date(2026, 4, 10)) == Decimal("1.1711")
    assert not [r for r in rates if r["quote"] == "CYP" and r["date"] == date(2026, 4, 13)]
    assert min(r["date"] for r in rates) == date(1999, 1, 4)


def test_malformed_variants():
    with pytest.raises(FeedError, match="line 2 USD: a rate must be above 0"):
        ecb.read(b"Date,USD,\n2026-04-13,-1.1,\n")
    with pytest.raises(FeedError, match="line 2 Date: date '13/04/2026'"):
        ecb.read(b"Date,USD,\n13/04/2026,1.1,\n")
    with pytest.raises(FeedError, match="currency: 'Dollar'"):
        ecb.read(b"Date,Dollar,\n2026-04-13,1.1,\n")
    with pytest.raises(FeedError, match="truncated"):
        ecb.read(feed_bytes("ecb-eurofxref-daily.xml")[:800])
    with pytest.raises(FeedError, match="document type declaration"):
        ecb.read(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    with pytest.raises(FeedError, match="truncated"):
        ecb.read(feed_bytes("ecb-eurofxref-hist.zip")[:10_000])
    two = io.BytesIO()
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.csv", "Date,USD,\n")
        archive.writestr("b.csv", "Date,USD,\n")
    with pytest.raises(FeedError, match="expected one CSV in the zip, found 2"):
        ecb.read(two.getvalue())
