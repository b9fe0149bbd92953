"""LiteLLM's model cost map (model_prices_and_context_window.json) as managed-API offers.

One JSON object keyed by model; every ``*_cost_*`` figure is USD (LiteLLM's convention, no
currency field). Per-token prices become prices per 1M tokens; audio billed by the second
becomes a price per audio minute; speech per character, per 1M characters; images per image.
A record priced only in units the catalog has no column for (per query, per page, per pixel,
per second of video, Databricks DBUs) is refused and named.
"""

from __future__ import annotations

import re
from datetime import date
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

SOURCE = "litellm"
FILE_URL = "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"
MILLION = Decimal(1_000_000)
MINUTE = Decimal(60)

# LiteLLM provider ids -> our providers (costing/data/providers.csv); any other id is imported
# under its own name with nothing established about it.
PROVIDERS = {
    "openai": "OpenAI",
    "text-completion-openai": "OpenAI",
    "anthropic": "Anthropic",
    "azure": "Azure OpenAI (Microsoft)",
    "azure_text": "Azure OpenAI (Microsoft)",
    "azure_ai": "Microsoft Azure",
    "bedrock": "AWS Bedrock",
    "bedrock_converse": "AWS Bedrock",
    "bedrock_mantle": "AWS Bedrock",
    "amazon_nova": "AWS Bedrock",
    "sagemaker": "AWS",
    "aws_polly": "AWS",
    "transcribe": "AWS",
    "gemini": "Google (Gemini API)",
    "oci": "Oracle Cloud (OCI)",
    "mistral": "Mistral AI",
    "codestral": "Mistral AI",
    "text-completion-codestral": "Mistral AI",
    "cohere": "Cohere",
    "cohere_chat": "Cohere",
    "together_ai": "Together AI",
    "fireworks_ai": "Fireworks AI",
    "fireworks_ai-embedding-models": "Fireworks AI",
    "groq": "Groq",
    "elevenlabs": "ElevenLabs",
    "nebius": "Nebius",
    "lambda_ai": "Lambda",
    "crusoe": "Crusoe",
    "scaleway": "Scaleway",
    "ovhcloud": "OVHcloud",
    "black_forest_labs": "Black Forest Labs",
}
# Where a provider processes API requests at the list price, which LiteLLM does not state: the
# provider's own page, default place first and options after a semicolon (as
# assessments/sovereignty/regions.py reads it), and the page saying so. Where that default place
# is in the EU, the list price is the EU price: the regional uplift is 0, sourced to that page.
# A provider that states no one place for every model gets none: its offers stay "not
# established", never presumed in the EU, and their uplift unknown.
PROCESSING = {
    "mistral": (
        "Processing in EU; US region for supported models",
        "https://mistral.ai/cloud/inference/",
    ),
    "scaleway": (
        "fr-par; Generative APIs served from Paris, France",
        "https://www.scaleway.com/en/docs/generative-apis/reference-content/data-privacy/",
    ),
    "ovhcloud": (
        "GRA; AI Endpoints infrastructure in Gravelines, France",
        "https://docs.ovhcloud.com/en/guides/public-cloud/ai-machine-learning/"
        "endpoints-guide-02-capabilities",
    ),
}
# Stated, but not one EU place: Black Forest Labs routes api.bfl.ai across clusters globally
# (an EU-only endpoint exists, its price unstated: docs.bfl.ai/integration_guidelines); Nebius
# states EU-North1 for Data Lab, not per model for inference, and has a US region.
NOT_ONE_PLACE = {
    "black_forest_labs": "Global (api.bfl.ai); EU-only endpoint api.eu.bfl.ai",
    "nebius": "eu-north1 or us-central1, not stated per model",
}
# Every Vertex AI family ("vertex_ai-anthropic_models", ...) is Google Cloud's endpoint.
_VERTEX = re.compile(r"^vertex_ai(-|$)")
_ABOVE = re.compile(r"^(input|output)_cost_per_token_above_(\d+)k_tokens$")
# Fields that hold a price in a unit no catalog column holds, and what that unit is.
_FOREIGN_UNITS = (
    (re.compile(r"dbu"), "Databricks DBUs per token, not money"),
    (re.compile(r"per_pixel"), "per pixel"),
    (re.compile(r"per_query|search_context_cost|tiered_pricing"), "per query"),
    (re.compile(r"per_page"), "per page"),
    (re.compile(r"per_second_\d|per_video|video"), "per second of video"),
    (re.compile(r"per_request"), "per request"),
    (re.compile(r"^cost_per_second$|input_cost_per_second|output_cost_per_second"), "per second"),
    (re.compile(r"per_audio_token"), "per audio token"),
    (re.compile(r"per_character"), "per character"),
    (re.compile(r"per_image"), "per image"),
)


def provider_name(feed_id: str) -> str:
    if feed_id in PROVIDERS:
        return PROVIDERS[feed_id]
    if _VERTEX.match(feed_id):
        return "Google Cloud"
    return feed_id


def _regions(key: str, entry: dict) -> str:
    """Where the offer processes, as the key or the entry states it."""
    if key.startswith("azure/eu/"):
        return "EU Data Zone (Azure)"
    if key.startswith("azure/us/"):
        return "US Data Zone (Azure)"
    prefix = key.split(".", 1)[0] if "/" not in key.split(".", 1)[0] else ""
    if prefix in ("eu", "us", "apac", "jp", "global"):
        return f"{prefix.upper()} cross-region inference (Bedrock)"
    match = re.match(r"^bedrock/([a-z]{2}-[a-z]+-\d)/", key)
    if match:
        return match[1]
    regions = entry.get("supported_regions")
    if isinstance(regions, list):
        return ", ".join(str(region) for region in regions)
    feed_provider = entry.get("litellm_provider", "")
    if feed_provider in PROCESSING:
        return PROCESSING[feed_provider][0]
    return NOT_ONE_PLACE.get(feed_provider, "")


def _uplift(key: str, entry: dict, as_of: date, file_url: str) -> dict:
    """LiteLLM's regional multipliers (EU data residency, regional endpoints) as a surcharge;
    0 where the provider's list price already processes in the EU (``PROCESSING``)."""
    home = PROCESSING.get(entry.get("litellm_provider", ""))
    if home is not None:
        return {
            "regional_uplift_pct": Decimal(0),
            "regional_uplift_source_url": home[1],
            "regional_uplift_date": None,
        }
    for name in ("regional_processing_uplift_multiplier_eu", "regional_endpoint_uplift_multiplier"):
        multiplier = price(entry.get(name), where=key, name=name)
        if multiplier is None:
            continue
        pct = ((multiplier - 1) * 100).quantize(Decimal("0.01"))
        if pct < 0 or pct > 100:
            raise FeedError(f"multiplier {multiplier} is no uplift", where=key, field=name)
        return {
            "regional_uplift_pct": pct,
            "regional_uplift_source_url": f"{entry.get('source') or file_url} ({key}: {name})",
            "regional_uplift_date": as_of,
        }
    return {}


def _long_context(key: str, entry: dict) -> dict:
    """The lowest published 'above N k tokens' tier, or the second range of tiered pricing."""
    tiers: dict[int, dict[str, Decimal | None]] = {}
    for name, value in entry.items():
        match = _ABOVE.match(name)
        if match:
            side = "input" if match[1] == "input" else "output"
            tiers.setdefault(int(match[2]) * 1000, {})[side] = price(
                value, where=key, name=name, scale=MILLION
            )
    if tiers:
        threshold = min(tiers)
        return {
            "long_context_threshold_tokens": threshold,
            "long_context_input_price": tiers[threshold].get("input"),
            "long_context_output_price": tiers[threshold].get("output"),
        }
    tiered = entry.get("tiered_pricing")
    if (
        isinstance(tiered, list)
        and len(tiered) > 1
        and isinstance(tiered[1], dict)
        and "input_cost_per_token" in tiered[1]
    ):
        bounds = tiered[1].get("range")
        if not (isinstance(bounds, list) and bounds and isinstance(bounds[0], int | float)):
            raise FeedError("range must be [from, to] in tokens", where=key, field="tiered_pricing")
        return {
            "long_context_threshold_tokens": int(bounds[0]),
            "long_context_input_price": price(
                tiered[1].get("input_cost_per_token"),
                where=key,
                name="tiered_pricing",
                scale=MILLION,
            ),
            "long_context_output_price": price(
                tiered[1].get("output_cost_per_token"),
                where=key,
                name="tiered_pricing",
                scale=MILLION,
            ),
        }
    return {}


def _batch_discount(key: str, entry: dict, input_price: Decimal | None) -> Decimal | None:
    batch = price(
        entry.get("input_cost_per_token_batches"),
        where=key,
        name="input_cost_per_token_batches",
        scale=MILLION,
    )
    if batch is None or input_price is None or batch >= input_price:
        return None
    return ((1 - batch / input_price) * 100).quantize(Decimal("0.01"))


def _priced(key: str, entry: dict) -> tuple[str, Decimal | None, Decimal | None]:
    """(unit, input, output) in the unit that fits the record's mode best."""
    mode = entry.get("mode", "")

    def get(name: str, scale: Decimal) -> Decimal | None:
        return price(entry.get(name), where=key, name=name, scale=scale)

    if mode == "audio_transcription" and entry.get("input_cost_per_second") is not None:
        return "audio_minute", get("input_cost_per_second", MINUTE), None
    if mode == "audio_speech":
        if entry.get("input_cost_per_character") is not None:
            return "1m_characters", get("input_cost_per_character", MILLION), None
        if entry.get("output_cost_per_second") is not None:
            return "speech_minute", None, get("output_cost_per_second", MINUTE)
    if mode in ("image_generation", "image_edit") and (
        entry.get("output_cost_per_image") is not None
        or entry.get("input_cost_per_image") is not None
    ):
        return (
            "image",
            get("input_cost_per_image", Decimal(1)),
            get("output_cost_per_image", Decimal(1)),
        )
    return (
        "1m_tokens",
        get("input_cost_per_token", MILLION),
        get("output_cost_per_token", MILLION),
    )


def _price_fields(entry: dict) -> list[str]:
    return sorted(
        name
        for name, value in entry.items()
        if ("cost" in name or name == "tiered_pricing") and value is not None
    )


def _has_price(value) -> bool:
    """A non-zero number, or a structure of prices (tiers, per-size objects)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return value != 0
    return bool(value)


def _foreign_unit(names: list[str]) -> str:
    for name in names:
        for pattern, unit in _FOREIGN_UNITS:
            if pattern.search(name):
                return unit
    return "unit not recognised"


def _notes(key: str, entry: dict) -> str:
    parts = [f"LiteLLM {entry.get('mode', 'model')} entry {key!r} ({entry['litellm_provider']})."]
    write = price(
        entry.get("cache_creation_input_token_cost"),
        where=key,
        name="cache_creation_input_token_cost",
        scale=MILLION,
    )
    if write is not None:
        parts.append(f"Cache write {write.normalize()} per 1M tokens.")
    write_1h = entry.get("cache_creation_input_token_cost_above_1hr")
    if write_1h is not None:
        hour = price(
            write_1h, where=key, name="cache_creation_input_token_cost_above_1hr", scale=MILLION
        )
        if hour is not None:
            parts.append(f"Cache write (1 h) {hour.normalize()} per 1M tokens.")
    tiers = sorted(
        {
            name.rsplit("_", 1)[1]
            for name in entry
            if re.match(r"^input_cost_per_token_(priority|flex|ultrafast|balanced)$", name)
        }
    )
    if tiers:
        parts.append(f"Also priced for service tiers: {', '.join(tiers)}.")
    if entry.get("deprecation_date"):
        parts.append(f"Deprecated from {entry['deprecation_date']}.")
    return " ".join(parts)


def read(data: bytes, *, as_of: date, file_url: str = FILE_URL) -> FeedRows:
    """Every model entry of the file as an API offer row (see the module's docstring)."""
    document = load_json(data, dict, "an object keyed by model")
    result = FeedRows(source=SOURCE, kind="api")
    for key, entry in document.items():
        if key in ("sample_spec", "fallback_generalizations"):
            continue
        if not isinstance(entry, dict):
            raise FeedError(f"expected an object, got {type(entry).__name__}", where=key)
        if "alias_of" in entry or "mode" not in entry:
            continue  # an alias or a size bracket, not a model
        feed_provider = entry.get("litellm_provider")
        if not isinstance(feed_provider, str) or not feed_provider:
            raise FeedError("required for a model entry", where=key, field="litellm_provider")
        unit, input_price, output_price = _priced(key, entry)
        ref = source_row(SOURCE, key)
        if input_price is None and output_price is None:
            names = _price_fields(entry)
            if any(_has_price(entry[name]) for name in names):
                result.refused.append(Refusal(key, ", ".join(names), _foreign_unit(names)))
                continue
            reason = "priced 0 in the feed (free tier or placeholder)" if names else "no price"
            result.missing.append(Missing(key, reason))
        name = provider_name(feed_provider)
        result.providers[feed_provider] = name
        tokens = unit == "1m_tokens"
        cached = price(
            entry.get("cache_read_input_token_cost"),
            where=key,
            name="cache_read_input_token_cost",
            scale=MILLION,
        )
        context = entry.get("max_input_tokens")
        result.rows.append(
            {
                "provider": name,
                "model_name": key[:160],
                "unit": unit,
                "input_price": input_price,
                "output_price": output_price,
                "cached_input_price": cached if tokens else None,
                "batch_discount_pct": _batch_discount(key, entry, input_price) if tokens else None,
                "currency": "USD",
                "context_tokens": int(context)
                if isinstance(context, int | float) and context > 0
                else None,
                "regions": _regions(key, entry),
                **(_long_context(key, entry) if tokens else {}),
                **_uplift(key, entry, as_of, file_url),
                **sourced(
                    url=entry.get("source") or file_url,
                    as_of=as_of,
                    date_text=f"LiteLLM cost map as of {as_of.isoformat()}",
                    ref=ref,
                    notes=_notes(key, entry),
                ),
            }
        )
    return result
