"""LiteLLM's cost map: per-token prices per 1M tokens, audio per minute, refusals named."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from costing.feeds import FeedError, litellm
from tests.costing.feeds.conftest import feed_bytes

AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="module")
def feed():
    return litellm.read(feed_bytes("litellm-model_prices_and_context_window.json"), as_of=AS_OF)


def by_key(feed, key):
    return next(row for row in feed.rows if row["model_name"] == key)


def test_every_model_entry_is_an_offer_refused_or_skipped(feed):
    # 4,878 keys: sample_spec, fallback_generalizations, 98 aliases, 10 without mode are no
    # models; of the 4,768 models, 285 are priced only in units the catalog has no column for.
    assert len(feed.rows) == 4483
    assert len(feed.refused) == 285
    assert len(feed.rows) + len(feed.refused) == 4878 - 2 - 98 - 10
    assert len({row["source_row"] for row in feed.rows}) == len(feed.rows)


def test_gpt_5_4_per_token_prices_become_per_million(feed):
    row = by_key(feed, "gpt-5.4")
    # input_cost_per_token 2.5e-06, output 1.5e-05, cache read 2.5e-07, batches 1.25e-06,
    # above 272k: 5e-06 / 2.25e-05, EU processing uplift multiplier 1.1.
    assert row["provider"] == "OpenAI"
    assert row["currency"] == "USD"
    assert row["unit"] == "1m_tokens"
    assert row["input_price"] == Decimal("2.5")
    assert row["output_price"] == Decimal("15")
    assert row["cached_input_price"] == Decimal("0.25")
    assert row["batch_discount_pct"] == Decimal("50.00")
    assert row["long_context_threshold_tokens"] == 272_000
    assert row["long_context_input_price"] == Decimal("5")
    assert row["long_context_output_price"] == Decimal("22.5")
    assert row["regional_uplift_pct"] == Decimal("10.00")
    assert row["date"] == AS_OF


def test_eu_provider_offers_keep_their_provider(feed):
    nebius = by_key(feed, "nebius/meta-llama/Llama-3.3-70B-Instruct")
    assert nebius["provider"] == "Nebius"
    assert (nebius["input_price"], nebius["output_price"]) == (Decimal("0.13"), Decimal("0.4"))
    mistral = [row for row in feed.rows if row["provider"] == "Mistral AI"]
    # mistral 79 + codestral 2 + text-completion-codestral 2, less the ones refused.
    assert 60 <= len(mistral) <= 83
    assert feed.providers["black_forest_labs"] == "Black Forest Labs"
    assert feed.providers["empiriolabs"] == "empiriolabs"  # not ours: unknown
    # LiteLLM states no processing place: the provider's own page does, where it states one.
    scaleway = by_key(feed, "scaleway/meta/llama-3.3-70b-instruct")
    assert scaleway["regions"].startswith("fr-par;")
    assert scaleway["regional_uplift_pct"] == 0
    assert "scaleway.com" in scaleway["regional_uplift_source_url"]
    assert "not stated" in nebius["regions"] and "regional_uplift_pct" not in nebius


def test_audio_per_second_becomes_per_minute(feed):
    whisper = by_key(feed, "whisper-1")
    assert whisper["unit"] == "audio_minute"
    assert whisper["input_price"] == Decimal("0.006")  # 0.0001 USD per second


def test_speech_per_character_becomes_per_million_characters(feed):
    tts = by_key(feed, "tts-1")
    assert (tts["unit"], tts["input_price"]) == ("1m_characters", Decimal("15"))


def test_zero_priced_entries_are_missing_not_free(feed):
    codestral = by_key(feed, "codestral/codestral-latest")
    assert codestral["input_price"] is None and codestral["output_price"] is None
    assert any(m.record == "codestral/codestral-latest" for m in feed.missing)


def test_units_without_a_column_are_refused_and_named(feed):
    reasons = {refusal.reason for refusal in feed.refused}
    assert {"per query", "per page", "per pixel"} <= reasons
    commitment = next(
        r for r in feed.refused if r.record.startswith("bedrock/eu-central-1/1-month-commitment/")
    )
    assert "input_cost_per_second" in commitment.field


def entry(**fields):
    return {"litellm_provider": "openai", "mode": "chat", **fields}


def test_wrong_type_refuses_the_file():
    with pytest.raises(FeedError, match="expected an object keyed by model"):
        litellm.read(b"[1, 2]", as_of=AS_OF)
    with pytest.raises(FeedError, match="m input_cost_per_token: expected a number"):
        litellm.read(json.dumps({"m": entry(input_cost_per_token="cheap")}).encode(), as_of=AS_OF)


def test_missing_provider_names_the_entry_and_field():
    data = json.dumps({"m": {"mode": "chat", "input_cost_per_token": 1e-6}}).encode()
    with pytest.raises(FeedError, match="m litellm_provider: required"):
        litellm.read(data, as_of=AS_OF)


def test_negative_price_refuses_the_file():
    data = json.dumps({"m": entry(input_cost_per_token=-1e-6)}).encode()
    with pytest.raises(FeedError, match="m input_cost_per_token: negative price"):
        litellm.read(data, as_of=AS_OF)


def test_unknown_unit_is_refused_by_name():
    data = json.dumps({"m": entry(input_cost_per_furlong=0.2)}).encode()
    result = litellm.read(data, as_of=AS_OF)
    assert result.rows == []
    assert [(r.record, r.field, r.reason) for r in result.refused] == [
        ("m", "input_cost_per_furlong", "unit not recognised")
    ]


def test_truncated_file_is_refused():
    data = feed_bytes("litellm-model_prices_and_context_window.json")[:100_000]
    with pytest.raises(FeedError, match="truncated"):
        litellm.read(data, as_of=AS_OF)
