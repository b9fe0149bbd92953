"""Each price of an offer with its currency, date and source, and converted into another currency.

The same block feeds the API and the pages: a converted amount always travels with the rate,
its date and its sources, and a currency no rate connects is said to be unconverted (never 1:1).
"""

from __future__ import annotations

from decimal import Decimal

from costing.selectors import FxConverter

SIX_PLACES = Decimal("0.000001")

# URL spellings of the offer kinds, and how the catalogs' code names them.
KIND_SLUGS = {"cloud-gpu": "cloud_gpu", "api": "api", "server": "server"}
KIND_LABELS = {"cloud_gpu": "Cloud GPU", "api": "Model API", "server": "On-prem server"}


def no_rate_message(base: str, quote: str) -> str:
    return f"No published FX rate connects {base} and {quote}: not converted."


def conversion_block(*, currency: str, amounts: dict, converter: FxConverter) -> dict | None:
    """The amounts in the converter's currency, or why they could not be converted.

    None when there is nothing to convert (same currency, or no currency at all).
    """
    if not currency or currency == converter.quote:
        return None
    quote = converter.quote_for(currency)
    if quote is None:
        return {
            "currency": converter.quote,
            "available": False,
            "rate": None,
            "rate_date": None,
            "via": "",
            "sources": [],
            "amounts": {},
            "message": no_rate_message(currency, converter.quote),
        }
    return {
        "currency": converter.quote,
        "available": True,
        "rate": quote.rate.quantize(Decimal("0.00000001")),
        "rate_date": quote.date,
        "via": quote.via,
        "sources": list(quote.sources),
        "amounts": {
            name: None if value is None else quote.convert(value).quantize(SIX_PLACES)
            for name, value in amounts.items()
        },
        "message": "",
    }


def price_block(offer, converter: FxConverter) -> dict:
    """An offer's prices as published (missing ones as None) with their provenance."""
    amounts = {name: getattr(offer, name) for name in offer.PRICE_FIELDS}
    validity = offer.validity
    return {
        "currency": offer.currency,
        "valid_from": validity.start,
        "valid_until": validity.end,
        "date": offer.date,
        "date_text": offer.date_text,
        "source_url": offer.source_url,
        "source_kind": offer.source_kind,
        "amounts": amounts,
        "missing": offer.missing_prices,
        "conversion": conversion_block(
            currency=offer.currency, amounts=amounts, converter=converter
        ),
    }
