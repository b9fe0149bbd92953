"""genai-prices: USD per 1M tokens, tiers as long-context prices, conditional prices dated."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from costing.feeds import FeedError, genai_prices
from tests.costing.feeds.conftest import feed_bytes

AS_OF = date(2026, 8, 21)


@pytest.fixture(scope="module", params=["genai-prices-v2-data.json", "genai-prices-data.json"])
def feed(request):
    return genai_prices.read(feed_bytes(request.param), as_of=AS_OF)


def rows_of(feed, provider, model):
    return [r for r in feed.rows if r["provider"] == provider and r["model_name"] == model]


def test_every_provider_and_dated_price_is_read(feed):
    # v2: 36 providers, 1,466 models, 15 of them with conditional prices (2 time-of-day).
    assert len(feed.providers) in (34, 36)
    assert len(feed.rows) in (1449, 1479)
    assert len({row["source_row"] for row in feed.rows}) == len(feed.rows)


def test_a_start_date_constraint_makes_a_dated_row(feed):
    before, after = rows_of(feed, "OpenAI", "o3")
    assert (before["input_price"], before["output_price"]) == (Decimal("10"), Decimal("40"))
    assert before["date"] is None and before["date_text"] == "until 2025-06-09 (superseded)"
    assert (after["input_price"], after["output_price"]) == (Decimal("2"), Decimal("8"))
    assert after["date"] == date(2025, 6, 10)
    # The catalog holds each price on its own days: prices as of a date pick the right one.
    assert (before["valid_from"], before["valid_until"]) == (None, date(2025, 6, 10))
    assert (after["valid_from"], after["valid_until"]) == (date(2025, 6, 10), None)


def test_a_future_price_keeps_the_current_one_dated_with_the_feed(feed):
    current, future = rows_of(feed, "Anthropic", "claude-sonnet-5")
    assert current["date"] == AS_OF and current["input_price"] == Decimal("2")
    assert future["date"] == date(2026, 9, 1) and future["input_price"] == Decimal("3")
    assert current["valid_until"] == future["valid_from"] == date(2026, 9, 1)


def test_a_tier_becomes_the_long_context_price(feed):
    row = rows_of(feed, "Anthropic", "claude-sonnet-4-6")[0]
    assert row["input_price"] == Decimal("3")
    assert row["long_context_threshold_tokens"] == 200_000
    assert row["long_context_input_price"] == Decimal("6")


def test_time_of_day_prices_are_refused_by_name(feed):
    refused = [r for r in feed.refused if r.record == "deepseek/deepseek-chat"]
    assert [r.reason for r in refused] == [
        "time-of-day price (00:30:00Z-16:30:00Z UTC) has no catalog column"
    ]


def test_eu_providers_map_to_ours_and_router_ids_stay_unknown(feed):
    assert feed.providers["mistral"] == "Mistral AI"
    assert feed.providers["ovhcloud"] == "OVHcloud"
    assert feed.providers["huggingface_nebius"] == "HuggingFace (nebius)"
    assert len([r for r in feed.rows if r["provider"] == "Mistral AI"]) == 31


def doc(prices):
    return json.dumps([{"id": "p", "models": [{"id": "m", "prices": prices}]}]).encode()


def test_malformed_variants_name_record_and_field():
    with pytest.raises(FeedError, match="expected a list of providers"):
        genai_prices.read(b"{}", as_of=AS_OF)
    with pytest.raises(FeedError, match="p/m input_mtok: negative price"):
        genai_prices.read(doc({"input_mtok": -1}), as_of=AS_OF)
    with pytest.raises(FeedError, match="p/m input_mtok: expected a number, got str"):
        genai_prices.read(doc({"input_mtok": "3"}), as_of=AS_OF)
    with pytest.raises(FeedError, match="provider #1 id: required"):
        genai_prices.read(b'[{"models": []}]', as_of=AS_OF)
    with pytest.raises(FeedError, match="truncated"):
        genai_prices.read(feed_bytes("genai-prices-data.json")[:5000], as_of=AS_OF)
    unknown = genai_prices.read(doc({"input_mtok": 1, "per_fortnight": 2}), as_of=AS_OF)
    assert [(r.field, r.reason) for r in unknown.refused] == [
        ("per_fortnight", "no catalog column for this unit")
    ]
