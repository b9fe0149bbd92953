"""The spread of disagreeing sources for one GPU type or one API model, in one currency."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from statistics import median

from costing.price_display import SIX_PLACES, conversion_block
from costing.selectors import FxConverter


@dataclass(frozen=True)
class Spread:
    """Low, median and high of the comparable prices, and how many there were."""

    low: Decimal
    median: Decimal
    high: Decimal
    count: int


def comparable_price(offer, kind: str) -> tuple[str, Decimal | None]:
    """(what is compared, the amount as published): per GPU-hour for cloud, per unit for APIs."""
    if kind == "cloud_gpu":
        if offer.on_demand_per_hour is None or not offer.gpu_count:
            return "on-demand per GPU-hour", None
        return "on-demand per GPU-hour", offer.on_demand_per_hour / offer.gpu_count
    return "input price", offer.input_price


def compare_rows(offers, *, kind: str, currency: str) -> tuple[list[dict], Spread | None]:
    """Each offer's comparable price, converted where needed, and the spread of those known.

    A price with no currency rate to the organization's currency is shown but kept out of
    the spread: it cannot be compared, and is never taken at 1:1.
    """
    converter = FxConverter(quote=currency)
    rows, values = [], []
    for offer in offers:
        label, amount = comparable_price(offer, kind)
        conversion = None
        value = None
        if amount is not None:
            amount = amount.quantize(SIX_PLACES)
            conversion = conversion_block(
                currency=offer.currency, amounts={"price": amount}, converter=converter
            )
            if conversion is None:
                value = amount
            elif conversion["available"]:
                value = conversion["amounts"]["price"]
        if value is not None:
            values.append(value)
        rows.append(
            {"offer": offer, "label": label, "amount": amount, "conversion": conversion,
             "value": value}
        )  # fmt: skip
    if not values:
        return rows, None
    middle = Decimal(median(values)).quantize(SIX_PLACES)
    return rows, Spread(min(values), middle, max(values), len(values))
