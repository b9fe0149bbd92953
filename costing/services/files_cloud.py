"""Parse providers.csv, cloud_gpu_offers.csv, api_offers.csv and api_regional_uplifts.csv into
model field values."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from costing.models import Answer, ApiUnit, CloudActExposure
from costing.models.base import SourceKind
from costing.models.offers import REGIONAL_UPLIFT_MAX_PCT
from costing.services.rows import Row, RowError, read_rows

PROVIDER_COLUMNS = (
    "provider",
    "headquarters_country",
    "parent_company_country",
    "subject_to_us_cloud_act",
    "eu_data_boundary_or_residency_offer",
    "certifications",
    "customer_managed_keys",
    "api_zero_data_retention_available",
    "trains_on_api_data_by_default",
    "source_urls",
    "notes",
)
CLOUD_COLUMNS = (
    "provider",
    "instance",
    "region",
    "gpu",
    "gpu_count",
    "on_demand_per_hour",
    "reserved_1y_per_hour",
    "reserved_3y_per_hour",
    "spot_per_hour",
    "currency",
    "egress_per_gb",
    "date",
    "source_url",
    "source_kind",
    "notes",
)
API_COLUMNS = (
    "provider",
    "model",
    "input_per_1m_tokens",
    "output_per_1m_tokens",
    "cached_input_per_1m",
    "batch_discount_pct",
    "currency",
    "context_tokens",
    "regions_or_residency",
    "data_retention_and_training_terms",
    "open_weights",
    "date",
    "source_url",
    "source_kind",
    "notes",
)
UPLIFT_COLUMNS = ("provider", "model", "regional_uplift_pct", "date", "source_url", "notes")

CLOUD_PRICE_CELLS = (
    "on_demand_per_hour",
    "reserved_1y_per_hour",
    "reserved_3y_per_hour",
    "spot_per_hour",
    "egress_per_gb",
)


# Blank cells in providers.csv mean "not established from stored sources": kept as UNKNOWN.
_EXPOSURE = {"yes": "yes", "no": "no", "unclear": "unclear", "": CloudActExposure.UNKNOWN}
_ANSWER = {"yes": "yes", "no": "no", "na": Answer.NOT_APPLICABLE, "": Answer.UNKNOWN}
_SOURCE_KIND = {"primary": SourceKind.PRIMARY, "secondary": SourceKind.SECONDARY, "": ""}
_YES_NO = {"yes": "yes", "no": "no", "": ""}
_UNIT_NOTE = re.compile(r"^\s*UNIT:\s*([^;(,]*)", re.IGNORECASE)
_SYNTHESIS = re.compile(r"\bTTS\b|text[- ]to[- ]speech|speech synthesis", re.IGNORECASE)
# Long-context tiers are not columns of api_offers.csv; the model name and notes state them
# in these forms: "(<=200k prompt)", "2.50 above 200k", "Above 200k: 4 input / 18 output".
_LC_NAME = re.compile(r"<=\s*(\d+)k\s+prompt", re.IGNORECASE)
_LC_INPUT = re.compile(r"(\d+(?:\.\d+)?) above (\d+)k\b", re.IGNORECASE)
_LC_BOTH = re.compile(
    r"above (\d+)k:\s*(\d+(?:\.\d+)?) input\s*/\s*(\d+(?:\.\d+)?) output", re.IGNORECASE
)
_LC_THRESHOLD = re.compile(r">\s*(\d+)k-token prompts billed higher", re.IGNORECASE)


def _sourced(row: Row, *, date_field: str = "date") -> dict:
    day, day_text = row.date(date_field)
    return {
        "date": day,
        "date_text": day_text,
        "source_url": row.text("source_url"),
        "source_kind": row.choice("source_kind", _SOURCE_KIND),
        "source_row": row.ref,
        "notes": row.text("notes"),
    }


def parse_providers(path: Path, errors: list[RowError]) -> list[dict]:
    providers = []
    for row in read_rows(path, PROVIDER_COLUMNS, errors):
        fields = {
            "name": row.text("provider", required=True),
            "headquarters_country": row.text("headquarters_country"),
            "parent_company_country": row.text("parent_company_country"),
            "us_cloud_act_exposure": row.choice("subject_to_us_cloud_act", _EXPOSURE),
            "eu_residency_offer": row.text("eu_data_boundary_or_residency_offer"),
            "certifications": row.text("certifications"),
            "customer_managed_keys": row.choice("customer_managed_keys", _ANSWER),
            "zero_data_retention": row.choice("api_zero_data_retention_available", _ANSWER),
            "trains_on_api_data_by_default": row.choice("trains_on_api_data_by_default", _ANSWER),
            "source_urls": "\n".join(
                url.strip() for url in row.text("source_urls").split(";") if url.strip()
            ),
            "notes": row.text("notes"),
        }
        if row.ok:
            providers.append(fields)
    return providers


def _money_needs_currency(row: Row, fields: dict, money: tuple[str, ...]) -> None:
    if not fields["currency"] and any(fields[name] is not None for name in money):
        row.error("currency", "required where the row has a price")


def parse_cloud_offers(path: Path, errors: list[RowError]) -> list[dict]:
    offers = []
    for row in read_rows(path, CLOUD_COLUMNS, errors):
        fields = {
            "provider_name": row.text("provider", required=True),
            "instance": row.text("instance", required=True),
            "region": row.text("region"),
            "gpu_name": row.text("gpu", required=True),
            "gpu_count": row.integer("gpu_count", required=True),
            "on_demand_per_hour": row.decimal("on_demand_per_hour", positive=True),
            "reserved_1y_per_hour": row.decimal("reserved_1y_per_hour", positive=True),
            "reserved_3y_per_hour": row.decimal("reserved_3y_per_hour", positive=True),
            "spot_per_hour": row.decimal("spot_per_hour", positive=True),
            "currency": row.currency("currency"),
            "egress_per_gb": row.decimal("egress_per_gb", non_negative=True),
            **_sourced(row),
        }
        _money_needs_currency(row, fields, CLOUD_PRICE_CELLS)
        if row.ok:
            offers.append(fields)
    return offers


def _api_unit(row: Row, model: str, notes: str) -> str:
    """The unit of the price columns: 1M tokens unless the note starts with ``UNIT:``.

    A minute of a row naming speech synthesis is a minute of speech produced, not of audio
    transcribed (ElevenLabs' "Business plan (low-latency TTS)" at "USD per minute").
    """
    match = _UNIT_NOTE.match(notes)
    if not match:
        return ApiUnit.TOKENS_1M
    unit = match[1].lower()
    synthesis = _SYNTHESIS.search(f"{model} {notes}") is not None
    if "token" in unit:
        return ApiUnit.TOKENS_1M
    if "character" in unit:
        return ApiUnit.CHARACTERS_1M
    if "image" in unit:
        return ApiUnit.IMAGE
    if synthesis and "minute" in unit:
        return ApiUnit.SPEECH_MINUTE
    if synthesis:
        row.error("notes", "speech synthesis is priced per minute of speech or 1M characters")
        return ""
    if "hour" in unit:
        return ApiUnit.AUDIO_HOUR
    if "minute" in unit:
        return ApiUnit.AUDIO_MINUTE
    row.error("notes", "UNIT: names no known unit (tokens, characters, minute, hour, image)")
    return ""


def _long_context(model: str, notes: str) -> dict:
    threshold = input_price = output_price = None
    if match := _LC_NAME.search(model):
        threshold = int(match[1]) * 1000
    if match := _LC_BOTH.search(notes):
        threshold = int(match[1]) * 1000
        input_price, output_price = Decimal(match[2]), Decimal(match[3])
    elif match := _LC_INPUT.search(notes):
        input_price, threshold = Decimal(match[1]), int(match[2]) * 1000
    elif match := _LC_THRESHOLD.search(notes):
        threshold = int(match[1]) * 1000
    return {
        "long_context_threshold_tokens": threshold,
        "long_context_input_price": input_price,
        "long_context_output_price": output_price,
    }


def parse_api_offers(path: Path, errors: list[RowError]) -> list[dict]:
    offers = []
    for row in read_rows(path, API_COLUMNS, errors):
        model = row.text("model", required=True)
        sourced = _sourced(row)
        open_weights = row.choice("open_weights", _YES_NO)
        fields = {
            "provider_name": row.text("provider", required=True),
            "model_name": model,
            "unit": _api_unit(row, model, sourced["notes"]),
            "input_price": row.decimal("input_per_1m_tokens", positive=True),
            "output_price": row.decimal("output_per_1m_tokens", positive=True),
            "cached_input_price": row.decimal("cached_input_per_1m", positive=True),
            "batch_discount_pct": row.decimal(
                "batch_discount_pct", positive=True, places=2, maximum=Decimal(100)
            ),
            "currency": row.currency("currency"),
            "context_tokens": row.integer("context_tokens"),
            "regions": row.text("regions_or_residency"),
            "data_terms": row.text("data_retention_and_training_terms"),
            "open_weights": {"yes": True, "no": False}.get(open_weights),
            **_long_context(model, sourced["notes"]),
            **sourced,
        }
        _money_needs_currency(row, fields, ("input_price", "output_price", "cached_input_price"))
        if row.ok:
            offers.append(fields)
    return offers


def parse_regional_uplifts(path: Path, errors: list[RowError]) -> dict[tuple[str, str], dict]:
    """The published regional-processing uplift of API offers, keyed by (provider, model) as
    api_offers.csv names them; an offer without a row has no published regional price."""
    uplifts: dict[tuple[str, str], dict] = {}
    for row in read_rows(path, UPLIFT_COLUMNS, errors):
        key = (row.text("provider", required=True), row.text("model", required=True))
        day, _ = row.date("date")
        fields = {
            "regional_uplift_pct": row.decimal(
                "regional_uplift_pct",
                required=True,
                non_negative=True,
                places=2,
                maximum=Decimal(REGIONAL_UPLIFT_MAX_PCT),
            ),
            "regional_uplift_source_url": row.text("source_url", required=True),
            "regional_uplift_date": day,
        }
        if key in uplifts:
            row.error("model", "a second uplift for the same offer")
        if row.ok:
            uplifts[key] = fields | {"line": row.line}
    return uplifts


def with_regional_uplifts(
    offers: list[dict], uplifts: dict[tuple[str, str], dict], file: str, errors: list[RowError]
) -> None:
    """Give each API offer its uplift (or none); an uplift naming no offer is an error."""
    for offer in offers:
        found = uplifts.get((offer["provider_name"], offer["model_name"]))
        offer.update(
            regional_uplift_pct=found["regional_uplift_pct"] if found else None,
            regional_uplift_source_url=found["regional_uplift_source_url"] if found else "",
            regional_uplift_date=found["regional_uplift_date"] if found else None,
        )
    named = {(offer["provider_name"], offer["model_name"]) for offer in offers}
    for key, found in uplifts.items():
        if key not in named:
            message = "no offer of api_offers.csv has this provider and model"
            errors.append(RowError(file, found["line"], "model", message, key[1]))
