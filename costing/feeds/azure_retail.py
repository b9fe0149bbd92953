"""An Azure Retail Prices API page (prices.azure.com/api/retail/prices) as cloud GPU offers.

Linux virtual machines only (Windows prices include the licence). ``Consumption`` items are
on-demand, or spot where the SKU name ends in "Spot"; ``Reservation`` items price the whole
term, so a 1-year reservation is divided by 8,760 hours and a 3-year one by 26,280 into the
hourly committed price our rows hold. Low-priority and Dev/Test items, 5-year terms, units other
than "1 Hour" and SKUs whose GPUs we cannot count are refused and named.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal

from costing.feeds.base import (
    HOURLY_PRICES,
    FeedError,
    FeedRows,
    Missing,
    Refusal,
    cloud_row,
    currency,
    load_json,
    price,
    source_row,
    sourced,
)

SOURCE = "azure-retail"
API_URL = "https://prices.azure.com/api/retail/prices"
PROVIDER = "Microsoft Azure"
HOURS = {"1 Year": Decimal(8760), "3 Years": Decimal(26280)}
FIELDS = {"1 Year": "reserved_1y_per_hour", "3 Years": "reserved_3y_per_hour"}
# GPU virtual machine SKUs and their whole GPUs (learn.microsoft.com/azure/virtual-machines/
# sizes/gpu-accelerated); fractional-GPU sizes (NVadsA10 v5, NVv4, NGads V620) are not here.
GPU_SKUS = {
    "Standard_NC24ads_A100_v4": ("A100 80GB PCIe", 1),
    "Standard_NC48ads_A100_v4": ("A100 80GB PCIe", 2),
    "Standard_NC96ads_A100_v4": ("A100 80GB PCIe", 4),
    "Standard_ND96asr_v4": ("A100 40GB SXM", 8),
    "Standard_ND96amsr_A100_v4": ("A100 80GB SXM", 8),
    "Standard_ND96ams_A100_v4": ("A100 80GB SXM", 8),
    "Standard_ND96isr_H100_v5": ("H100 SXM", 8),
    "Standard_ND96isrf_H100_v5": ("H100 SXM", 8),
    "Standard_ND96is_flex_H100_v5": ("H100 SXM", 8),
    "Standard_NC40ads_H100_v5": ("H100 NVL", 1),
    "Standard_NC80adis_H100_v5": ("H100 NVL", 2),
    "Standard_ND96isr_H200_v5": ("H200", 8),
    "Standard_ND96isr_MI300X_v5": ("MI300X", 8),
    "Standard_ND96is_MI300X_v5": ("MI300X", 8),
    "Standard_ND128isr_GB300_v6": ("GB300", 4),
    "Standard_NC6s_v3": ("V100", 1),
    "Standard_NC12s_v3": ("V100", 2),
    "Standard_NC24s_v3": ("V100", 4),
    "Standard_NC24rs_v3": ("V100", 4),
    "Standard_NC4as_T4_v3": ("T4", 1),
    "Standard_NC8as_T4_v3": ("T4", 1),
    "Standard_NC16as_T4_v3": ("T4", 1),
    "Standard_NC64as_T4_v3": ("T4", 4),
}
_GPU_FAMILY = re.compile(r"^Standard_N[CDGV]")


def _field(item: dict, name: str, where: str, kind: type | tuple = str):
    if name not in item:
        raise FeedError("required", where=where, field=name)
    value = item[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise FeedError(f"wrong type ({type(value).__name__})", where=where, field=name)
    return value


def read(data: bytes, *, as_of: date, file_url: str = API_URL) -> FeedRows:
    """The GPU virtual machines of one or more API pages' ``Items`` (module docstring)."""
    document = load_json(data, dict, "an API page: an object with an 'Items' list")
    if not isinstance(document.get("Items"), list):
        raise FeedError("expected an API page: an object with an 'Items' list")
    result = FeedRows(source=SOURCE, kind="cloud_gpu", providers={"azure": PROVIDER})
    offers: dict[tuple[str, str], dict] = defaultdict(dict)
    for number, item in enumerate(document["Items"], start=1):
        where = f"item {number}"
        if not isinstance(item, dict):
            raise FeedError("expected an object", where=where)
        sku = _field(item, "armSkuName", where)
        if not _GPU_FAMILY.match(sku):
            continue
        where = f"item {number} ({sku})"
        region = _field(item, "armRegionName", where)
        kind = _field(item, "type", where)
        sku_name = _field(item, "skuName", where)
        product = _field(item, "productName", where)
        amount = price(
            _field(item, "retailPrice", where, (int, float)), where=where, name="retailPrice"
        )
        money = currency(item.get("currencyCode"), where=where, name="currencyCode")
        unit = _field(item, "unitOfMeasure", where)
        if product.endswith("Windows"):
            continue  # the price includes a Windows licence: not comparable to other clouds
        if unit != "1 Hour":
            result.refused.append(Refusal(where, "unitOfMeasure", f"unit {unit!r} is not '1 Hour'"))
            continue
        if sku not in GPU_SKUS:
            result.refused.append(
                Refusal(where, "armSkuName", "GPU model and whole-GPU count not known")
            )
            continue
        if kind == "DevTestConsumption" or sku_name.endswith("Low Priority"):
            result.refused.append(
                Refusal(where, "type", f"{kind} {sku_name}: not a production price")
            )
            continue
        offer = offers[(sku, region)]
        offer.setdefault("_currency", money)
        if offer["_currency"] != money:
            raise FeedError(
                f"{money} beside {offer['_currency']}", where=where, field="currencyCode"
            )
        offer.setdefault("_items", []).append(number)
        if kind == "Reservation":
            term = _field(item, "reservationTerm", where)
            if term not in HOURS:
                result.refused.append(Refusal(where, "reservationTerm", f"{term} term: no column"))
                continue
            if amount is not None:
                offer[FIELDS[term]] = (amount / HOURS[term]).quantize(Decimal("0.000001"))
                offer.setdefault("_terms", []).append(f"{term} reservation {amount} for the term")
        elif kind == "Consumption":
            name = "spot_per_hour" if sku_name.endswith("Spot") else "on_demand_per_hour"
            offer[name] = amount
        else:
            result.refused.append(Refusal(where, "type", f"price type {kind!r} not understood"))
    for (sku, region), offer in offers.items():
        gpu, count = GPU_SKUS[sku]
        terms = offer.get("_terms", [])
        notes = [f"Azure Retail Prices API, Linux, items {', '.join(map(str, offer['_items']))}."]
        if terms:
            notes.append(
                "Committed hourly = whole-term price / hours in the term: " + "; ".join(terms) + "."
            )
        key = f"{sku}@{region}"
        if all(offer.get(name) is None for name in HOURLY_PRICES):
            result.missing.append(Missing(key, "no price on this page"))
        result.rows.append(
            cloud_row(
                provider=PROVIDER,
                instance=sku,
                region=region,
                gpu=(gpu, count),
                currency=offer["_currency"],
                prices=offer,
                source=sourced(
                    url=file_url,
                    as_of=as_of,
                    date_text=f"Azure retail prices as of {as_of.isoformat()}",
                    ref=source_row(SOURCE, key),
                    notes=" ".join(notes),
                ),
            )
        )
    return result
