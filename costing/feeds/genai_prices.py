"""pydantic/genai-prices (``prices/data.json``, v1 or v2) as managed-API offers, dated.

Prices are USD per million tokens (``*_mtok``); a price may be tiered by prompt size
(``{"base", "tiers": [{"start", "price"}]}``, the first tier becomes the long-context price).
A model's conditional prices become one dated row each: a ``start_date`` constraint dates its
row; the unconstrained price holds before the earliest start (dated with the feed only when that
start is still to come). Time-of-day prices, and prices per request, search, image or video,
have no catalog column: refused and named.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from costing.feeds.base import (
    FeedError,
    FeedRows,
    Missing,
    Refusal,
    load_json,
    price,
    source_row,
    sourced,
)

SOURCE = "genai-prices"
FILE_URL = "https://github.com/pydantic/genai-prices/blob/main/prices/new_data/v2/data.json"
# genai-prices provider ids -> our providers (costing/data/providers.csv). The Hugging Face
# router ids (huggingface_nebius, ...) are Hugging Face's service, not the backend's own.
PROVIDERS = {
    "anthropic": "Anthropic",
    "aws": "AWS Bedrock",
    "azure": "Azure OpenAI (Microsoft)",
    "cohere": "Cohere",
    "fireworks": "Fireworks AI",
    "google": "Google (Gemini API)",
    "groq": "Groq",
    "mistral": "Mistral AI",
    "openai": "OpenAI",
    "ovhcloud": "OVHcloud",
    "together": "Together AI",
}
# Price fields the catalog holds; the rest of the schema's fields are refused when present.
_HELD = {"input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok"}
MILLION_TOKENS = Decimal(1)  # already per 1M tokens


def _tiered(value, *, where: str, name: str) -> tuple[Decimal | None, int | None, Decimal | None]:
    """(base price, first tier's start in tokens, first tier's price)."""
    if isinstance(value, dict):
        base = price(value.get("base"), where=where, name=f"{name}.base")
        tiers = value.get("tiers") or []
        if not isinstance(tiers, list):
            raise FeedError("tiers must be a list", where=where, field=name)
        if not tiers:
            return base, None, None
        first = tiers[0]
        if not isinstance(first, dict) or not isinstance(first.get("start"), int):
            raise FeedError("a tier needs a whole-number start", where=where, field=name)
        return base, first["start"], price(first.get("price"), where=where, name=f"{name}.tiers")
    return price(value, where=where, name=name), None, None


def _row_prices(prices: dict, *, where: str, refused: list[Refusal]) -> dict:
    if not isinstance(prices, dict):
        raise FeedError(
            f"expected an object, got {type(prices).__name__}", where=where, field="prices"
        )
    for name in sorted(set(prices) - _HELD):
        refused.append(Refusal(where, name, "no catalog column for this unit"))
    input_price, threshold, long_input = _tiered(
        prices.get("input_mtok"), where=where, name="input_mtok"
    )
    output_price, out_threshold, long_output = _tiered(
        prices.get("output_mtok"), where=where, name="output_mtok"
    )
    cached, _, _ = _tiered(prices.get("cache_read_mtok"), where=where, name="cache_read_mtok")
    write, _, _ = _tiered(prices.get("cache_write_mtok"), where=where, name="cache_write_mtok")
    threshold = threshold or out_threshold
    return {
        "input_price": input_price,
        "output_price": output_price,
        "cached_input_price": cached,
        "long_context_threshold_tokens": threshold,
        "long_context_input_price": long_input if threshold else None,
        "long_context_output_price": long_output if threshold else None,
        "_cache_write": write,
    }


def _start(constraint, *, where: str) -> tuple[date | None, str]:
    """(start date, why the price cannot be held) of a conditional price."""
    if constraint is None:
        return None, ""
    if not isinstance(constraint, dict):
        raise FeedError("expected an object", where=where, field="constraint")
    if "start_date" in constraint:
        try:
            return date.fromisoformat(str(constraint["start_date"])), ""
        except ValueError as exc:
            raise FeedError("not an ISO date", where=where, field="constraint.start_date") from exc
    if "start_time" in constraint or "end_time" in constraint:
        window = f"{constraint.get('start_time', '')}-{constraint.get('end_time', '')}"
        return None, f"time-of-day price ({window} UTC) has no catalog column"
    return None, f"constraint {sorted(constraint)} not understood"


def _conditional(model: dict, where: str) -> list[tuple[date | None, dict]]:
    prices = model.get("prices")
    if isinstance(prices, dict):
        return [(None, prices)]
    if not isinstance(prices, list) or not prices:
        raise FeedError(
            "expected an object or a list of conditional prices", where=where, field="prices"
        )
    found = []
    for number, item in enumerate(prices):
        if not isinstance(item, dict) or "prices" not in item:
            raise FeedError("a conditional price needs 'prices'", where=f"{where}[{number}]")
        start, problem = _start(item.get("constraint"), where=f"{where}[{number}]")
        if problem:
            found.append((problem, item["prices"]))
            continue
        found.append((start, item["prices"]))
    return found


def read(data: bytes, *, as_of: date, file_url: str = FILE_URL) -> FeedRows:
    """Every model's prices as API offer rows, one per dated price (module docstring)."""
    document = load_json(data, list, "a list of providers")
    result = FeedRows(source=SOURCE, kind="api")
    for index, provider in enumerate(document):
        if not isinstance(provider, dict):
            raise FeedError("expected an object", where=f"provider #{index + 1}")
        feed_id = provider.get("id")
        if not isinstance(feed_id, str) or not feed_id:
            raise FeedError("required", where=f"provider #{index + 1}", field="id")
        models = provider.get("models")
        if not isinstance(models, list):
            raise FeedError("expected a list", where=feed_id, field="models")
        name = PROVIDERS.get(feed_id, provider.get("name") or feed_id)
        result.providers[feed_id] = name
        urls = provider.get("pricing_urls") or [file_url]
        for model in models:
            if not isinstance(model, dict) or not isinstance(model.get("id"), str):
                raise FeedError("a model needs an id", where=feed_id, field="models")
            where = f"{feed_id}/{model['id']}"
            dated = _conditional(model, where)
            starts = sorted(start for start, _ in dated if isinstance(start, date))
            for start, prices in dated:
                if isinstance(start, str):
                    result.refused.append(Refusal(where, "constraint", start))
                    continue
                cells = _row_prices(prices, where=where, refused=result.refused)
                write = cells.pop("_cache_write")
                notes = [f"genai-prices {feed_id} model {model['id']!r}."]
                if write is not None:
                    notes.append(f"Cache write {write.normalize()} per 1M tokens.")
                # When the price holds: from its start until the next start (the first day it
                # no longer holds); the unconstrained price until the earliest start.
                later = [day for day in starts if start is None or day > start]
                valid_from, valid_until = start, later[0] if later else None
                if start is not None:
                    day, day_text, ref_key = start, f"from {start.isoformat()}", f"{where}@{start}"
                elif starts and starts[0] <= as_of:
                    until = starts[0] - timedelta(days=1)
                    day, day_text = None, f"until {until.isoformat()} (superseded)"
                    ref_key = f"{where}@until-{until.isoformat()}"
                else:
                    day, day_text, ref_key = as_of, f"genai-prices as of {as_of.isoformat()}", where
                if cells["input_price"] is None and cells["output_price"] is None:
                    result.missing.append(Missing(where, "no input or output price"))
                context = model.get("context_window")
                result.rows.append(
                    {
                        "provider": name,
                        "model_name": model["id"][:160],
                        "unit": "1m_tokens",
                        **cells,
                        "currency": "USD",
                        "context_tokens": context
                        if isinstance(context, int) and context > 0
                        else None,
                        "open_weights": None,
                        **sourced(
                            url=urls[0] if isinstance(urls, list) and urls else file_url,
                            as_of=as_of,
                            date_text=day_text,
                            ref=source_row(SOURCE, ref_key),
                            notes=" ".join(notes),
                        ),
                        "date": day,
                        "valid_from": valid_from,
                        "valid_until": valid_until,
                    }
                )
    return result
