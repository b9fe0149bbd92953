"""Low/likely/high ranges of a scenario's uncertain inputs, from the catalog's spread of prices.

The priced offer of each key is its latest row; the other rows of the same thing (older dated
prices, other providers' prices for the same GPU or model, other sources for the same server)
say how far the price could be from it. Each range is a multiplier of the priced value
(1 = as priced); an input whose rows do not disagree gets a stated default range (DEFAULT_RANGES).
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from costing.engine.hardware import Accelerators
from costing.selectors import FxConverter
from portal.models import Organization

FALLBACK_GPU = "NVIDIA H100 SXM"
THROUGHPUT_TABLE = Path(__file__).resolve().parent / "data" / "throughput_accuracy.csv"
# Where the data give no spread, an input keeps a stated default range rather than none: a
# figure stated once (an inventory's demand, a staff cost, a single tariff) is no more certain
# for it. Multipliers of the likely value, except the growth delta (added per year).
DEFAULT_RANGES = {
    "cloud_price": ({"low": 0.9, "likely": 1.0, "high": 1.25}, "list prices move both ways"),
    "api_price": ({"low": 0.8, "likely": 1.0, "high": 1.2}, "API list prices move both ways"),
    "server_price": (
        {"low": 0.95, "likely": 1.0, "high": 1.2},
        "a quote differs from a list or street price",
    ),
    "electricity_tariff": ({"low": 0.8, "likely": 1.0, "high": 1.3}, "tariffs are reset yearly"),
    "staff_cost": (
        {"low": 0.9, "likely": 1.0, "high": 1.15},
        "a loaded cost per FTE is an estimate",
    ),
    "demand": (
        {"low": 0.8, "likely": 1.0, "high": 1.3},
        "the inventory states one demand per workload, a forecast",
    ),
    "demand_growth_delta_per_year": (
        {"low": -0.1, "likely": 0.0, "high": 0.1},
        "the inventory states one growth rate per workload, a forecast",
    ),
}

# Marketplace listings share one instance name across GPUs; the GPU keeps them apart.
CLOUD_KEY = ("provider_id", "instance", "region", "gpu_name", "gpu_count")
# What the cloud price range reads of each row (``gpu__name``: the accelerator it resolves to).
RANGED_CLOUD = (*CLOUD_KEY, "pk", "date", "gpu__name", "on_demand_per_hour", "currency")


def latest_per_key(rows, key: tuple[str, ...]) -> list:
    """The latest dated row of each key; equally dated rows keep the first loaded."""
    best: dict[tuple, object] = {}
    for row in rows:
        k = tuple(getattr(row, name) for name in key)
        rank = (row.date or date.min, getattr(row, "year", None) or 0, -row.pk)
        if k not in best or rank > best[k][0]:
            best[k] = (rank, row)
    chosen = {id(row) for _, row in best.values()}
    return [row for row in rows if id(row) in chosen]


def _range(values: list[float], likely: float) -> dict | None:
    if not values or likely <= 0:
        return None
    low, high = min(min(values) / likely, 1.0), max(max(values) / likely, 1.0)
    if high - low < 1e-9:
        return None
    return {"low": round(low, 4), "likely": 1.0, "high": round(high, 4)}


def _converted(fx: FxConverter, amount: Decimal, currency: str) -> float | None:
    quote = fx.quote_for(currency)
    return None if quote is None else float(quote.convert(amount))


def range_gpu(workloads, parts: Accelerators) -> str:
    """The accelerator whose offers give the cloud price range: the one the most GPU-hour
    workloads name (else the fallback); only its offers are read for the range."""
    named = Counter(
        found.name
        for found, _ in (parts.resolve(w["gpu_class"]) for w in workloads if w.get("gpu_class"))
        if found is not None
    )
    return named.most_common(1)[0][0] if named else FALLBACK_GPU


def _cloud(rows, current, workloads, fx, parts: Accelerators) -> tuple[dict | None, str]:
    """``rows``: cloud rows read as ``RANGED_CLOUD``."""
    gpu = range_gpu(workloads, parts)

    def per_gpu_hour(row):
        if row.gpu__name != gpu or row.on_demand_per_hour is None:
            return None
        return _converted(fx, row.on_demand_per_hour / row.gpu_count, row.currency)

    now = [p for p in map(per_gpu_hour, current) if p is not None]
    every = [p for p in map(per_gpu_hour, rows) if p is not None]
    if not now:
        return None, f"no current on-demand offer for {gpu}"
    value = _range(every, min(now))
    return value, (
        f"{gpu} (the GPU the most GPU-hour workloads name): on-demand price per GPU-hour of "
        f"{len(every)} row{'' if len(every) == 1 else 's'} (current offers of every provider "
        f"and their dated history) in {fx.quote}, {min(every):.3f} to {max(every):.3f}, over "
        f"the cheapest current offer {min(now):.3f}, which the engine prices"
    )


def _api(rows, current, workloads, fx) -> tuple[dict | None, str]:
    # The API names serving each workload's model: its own, a named equivalent, those resolved.
    served = {
        frozenset({w.get("model"), w.get("api_equivalent"), *w.get("api_models", [])} - {None, ""})
        for w in workloads
    }

    def blended(row):
        if None in (row.input_price, row.output_price):
            return None
        return _converted(fx, row.input_price + row.output_price, row.currency)

    # Each model's prices (under every provider's name for it) are compared with that model's
    # cheapest current offer, never another model's.
    ratios, counted = [], 0
    for names in sorted(served - {frozenset()}, key=sorted):
        now = [p for r in current if r.model_name in names and (p := blended(r)) is not None]
        every = [p for r in rows if r.model_name in names and (p := blended(r)) is not None]
        if now:
            ratios += [p / min(now) for p in every]
            counted += len(every)
    if not ratios:
        return None, "no workload's model has a token API offer here"
    return _range(ratios, 1.0), (
        f"input + output price per 1M tokens of each workload's API model across providers and "
        f"dated history ({counted} rows), over that model's cheapest current offer"
    )


def _server(rows, servers, fx) -> tuple[dict | None, str]:
    if not servers:
        return None, "no priced server with a known GPU"
    kinds = Counter((s["gpu"], s["gpu_count"]) for s in servers)
    gpu, count = kinds.most_common(1)[0][0]
    every = [
        _converted(fx, r.price, r.currency)
        for r in rows
        if r.price is not None and r.gpu is not None and (r.gpu.name, r.gpu_count) == (gpu, count)
    ]
    every = [p for p in every if p is not None]
    now = [
        _converted(fx, Decimal(str(s["price"]["amount"])), s["price"]["currency"])
        for s in servers
        if (s["gpu"], s["gpu_count"]) == (gpu, count)
    ]
    now = [p for p in now if p is not None]
    if not now:
        return None, f"no convertible price for a {count} x {gpu} server"
    return _range(every, min(now)), (
        f"{count} x {gpu} servers: {len(every)} list, street and estimated prices "
        f"({min(every):,.0f} to {max(every):,.0f} {fx.quote}) over the cheapest priced one"
    )


def _tariff(organization: Organization, figures) -> tuple[dict | None, str]:
    unit = f"{organization.currency}/kWh"
    values = [
        float(f.value) for f in figures if f.item.startswith("electricity_price") and f.unit == unit
    ]
    own = float(organization.electricity_price_per_kwh)
    if not values:
        return None, f"no electricity tariff in {unit} in the catalog"
    return _range(values, own), (
        f"the organization's tariff {own} {unit} is likely; low/high are the lowest and highest "
        f"of {len(values)} published tariffs in {unit} ({min(values)} to {max(values)})"
    )


@cache
def _throughput() -> tuple[dict, str]:
    """The engine's own error: served / sized throughput over the published measurements."""
    with THROUGHPUT_TABLE.open(newline="", encoding="utf-8") as handle:
        ratios = [float(row["served_over_sized"]) for row in csv.DictReader(handle)]
    low, high = min(min(ratios), 1.0), max(max(ratios), 1.0)
    return {"low": round(low, 4), "likely": 1.0, "high": round(high, 4)}, (
        f"the engine's throughput against {len(ratios)} published measurements "
        f"({THROUGHPUT_TABLE.name}): served / sized from {low:.2f} to {high:.2f}"
    )


def _two_sided(name: str, value: dict, note: str) -> tuple[dict, str]:
    """A range the data bound on one side only takes the stated default's on the other.

    The engine prices the cheapest offer, so the other offers only ever lie above it: without
    this, every sample would cost at least the likely case, and the likely case would sit
    below its own P10."""
    default, why = DEFAULT_RANGES[name]
    widened = dict(value)
    sides = []
    if value["low"] >= value["likely"] and default["low"] < default["likely"]:
        widened["low"] = default["low"]
        sides.append(f"below, the default {default['low']:.2f} x likely")
    if value["high"] <= value["likely"] and default["high"] > default["likely"]:
        widened["high"] = default["high"]
        sides.append(f"above, the default {default['high']:.2f} x likely")
    if not sides:
        return value, note
    return widened, f"{note.rstrip('.')}; {' and '.join(sides)} ({why})"


def uncertainty_block(
    *,
    organization: Organization,
    rows: dict,
    offers: dict,
    workloads,
    figures,
    on: date,
    parts: Accelerators,
) -> dict:
    """The document's uncertainty block: ranges where the catalog disagrees, and every rule."""
    fx = FxConverter(quote=organization.currency, on=on)
    found = {
        "cloud_price": _cloud(
            rows["cloud"], latest_per_key(rows["cloud"], CLOUD_KEY), workloads, fx, parts
        ),
        "api_price": _api(
            rows["api"],
            latest_per_key(rows["api"], ("provider_id", "model_name")),
            workloads,
            fx,
        ),
        "server_price": _server(rows["server"], offers["servers"], fx),
        "electricity_tariff": _tariff(organization, figures),
        "staff_cost": (None, "the organization's own figure; the catalog has no spread for it"),
        "demand": (None, ""),
        "demand_growth_delta_per_year": (None, ""),
        "throughput": _throughput(),
    }
    for name, (value, note) in found.items():
        if value is not None and name in DEFAULT_RANGES:
            found[name] = _two_sided(name, value, note)
        elif value is None:
            default, why = DEFAULT_RANGES[name]
            spread = f"{default['low']:+.0%} to {default['high']:+.0%} per year" if (
                name == "demand_growth_delta_per_year"
            ) else f"{default['low']:.2f} to {default['high']:.2f} x likely"  # fmt: skip
            lead = f"{note.rstrip('.')}; " if note else ""
            found[name] = (default, f"{lead}default range {spread} ({why})")
    return {
        "samples": 1000,
        "seed": 0,
        "inputs": {name: value for name, (value, _) in found.items() if value is not None},
        "notes": {name: note for name, (_, note) in found.items()},
    }
