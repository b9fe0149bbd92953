"""Google Cloud's Compute Engine GPU machines with their committed-use prices, from the
``pricing.yml`` that Cyclenerd/google-cloud-pricing-cost-calculator builds from the Cloud
Billing Catalog API (Apache-2.0).

One offer per GPU machine type and region, priced whole (host, GPUs and the local SSD that comes
with the machine), in the catalog's list prices in USD:
- ``hour`` is on demand and ``hour_spot`` spot, per hour;
- ``month_1y`` and ``month_3y`` are a month under a 1- or 3-year committed-use discount, which
  the file reckons at 730 hours, so the hourly committed price is the month / 730. Where Google
  publishes no commitment (A2 ultra machines) the file has no such key, and the row has no
  committed price.

GPU machines are the accelerator-optimized families (A2, A3, A4, G2, G4...), each naming its
accelerator and count (``a100: 8``). A fraction of a GPU (G4's shares of one RTX PRO 6000) has
no row of ours and is named; an accelerator we do not know is refused, named.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import yaml

from costing.feeds.base import (
    FeedError,
    FeedRows,
    Missing,
    Refusal,
    cloud_row,
    price,
    source_row,
    sourced,
    whole_lines,
)

SOURCE = "gcp-pricing"
FILE_URL = (
    "https://raw.githubusercontent.com/Cyclenerd/google-cloud-pricing-cost-calculator/"
    "master/pricing.yml"
)
PROVIDER = "Google Cloud"
CURRENCY = "USD"  # the Billing Catalog's list prices, which the file is built from
HOURS_PER_MONTH = Decimal(730)  # the file's month (its generator's default, Google's too)
# The file's accelerator keys: cloud.google.com/compute/docs/accelerator-optimized-machines.
ACCELERATORS = {
    "a100": "A100 40GB SXM",
    "a100-80gb": "A100 80GB SXM",
    "h100-80gb": "H100 SXM",
    "h100-80gb-mega": "H100 SXM",  # A3 Mega: the same GPU with more network bandwidth
    "l4": "L4",
    "rtx6000": "RTX PRO 6000 Blackwell",
}
# Keys of a machine that are not its accelerators.
MACHINE_KEYS = {"cost", "cpu", "ram", "local-ssd", "type"}
_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s\[\]{},]")
_GPU_FAMILY = re.compile(r"^(?:a\d+|g[2-9]\d*)[a-z]?-")  # g1: shared-core, no GPU
_PRICES = {
    "hour": "on_demand_per_hour",
    "hour_spot": "spot_per_hour",
    "month_1y": "reserved_1y_per_hour",
    "month_3y": "reserved_3y_per_hour",
}
# The same prices for a month of 730 hours: nothing they add.
_MONTHLY = {"month", "month_spot"}


def _document(data: bytes) -> dict:
    text = whole_lines(data)
    if _ANCHOR.search(text):
        # The generator writes no anchors; aliases of aliases could fill the memory.
        raise FeedError("YAML anchors and aliases are not part of this file's format")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 2 s against 20
    try:
        document = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise FeedError(f"not a YAML document (truncated?): {exc}") from exc
    except RecursionError as exc:  # libyaml stops at 1,000 levels; the pure-Python loader may not
        raise FeedError("nested deeper than any price file") from exc
    if not isinstance(document, dict):
        raise FeedError(f"expected a mapping, got {type(document).__name__}")
    return document


def _mapping(parent: dict, key: str, where: str) -> dict:
    if key not in parent:
        raise FeedError("required", where=where, field=key)
    value = parent[key]
    if not isinstance(value, dict):
        raise FeedError(f"expected a mapping, got {type(value).__name__}", where=where, field=key)
    return value


def _generated(document: dict) -> date | None:
    """The day the file was built, from its ``about.timestamp`` (seconds since 1970, UTC)."""
    stamp = (document.get("about") or {}).get("timestamp")
    if isinstance(stamp, int) and not isinstance(stamp, bool):
        return datetime.fromtimestamp(stamp, tz=UTC).date()
    return None


def read(data: bytes, *, as_of: date, file_url: str = FILE_URL) -> FeedRows:
    """Every GPU machine of ``compute.instance``, per region (see the module's docstring).
    The rows are dated the day the file was built, where it says, else ``as_of``."""
    document = _document(data)
    instances = _mapping(_mapping(document, "compute", "file"), "instance", "compute")
    built = _generated(document)
    on = built or as_of
    result = FeedRows(source=SOURCE, kind="cloud_gpu", providers={"gcp": PROVIDER}, stated_on=built)
    for machine, spec in instances.items():
        if not isinstance(machine, str) or not _GPU_FAMILY.match(machine):
            continue
        where = f"compute.instance.{machine}"
        if not isinstance(spec, dict):
            raise FeedError(f"expected a mapping, got {type(spec).__name__}", where=where)
        named = [key for key in spec if key not in MACHINE_KEYS]
        if len(named) != 1:
            reason = "no accelerator named" if not named else f"accelerators {named}"
            result.refused.append(Refusal(where, "accelerator", f"{reason}: no row of ours"))
            continue
        accelerator = named[0]
        count = spec[accelerator]
        if isinstance(count, bool) or not isinstance(count, int | float) or count <= 0:
            raise FeedError(f"not a GPU count ({count!r})", where=where, field=accelerator)
        if accelerator not in ACCELERATORS:
            result.refused.append(
                Refusal(where, accelerator, f"accelerator {accelerator!r} not known")
            )
            continue
        if count != int(count):
            result.missing.append(
                Missing(machine, f"{count} of a {ACCELERATORS[accelerator]}: no whole-GPU offer")
            )
            continue
        for region, cost in _mapping(spec, "cost", where).items():
            row = _row(machine, accelerator, int(count), region, cost, file_url, on)
            result.rows.append(row)
            for key in sorted(map(str, cost.keys() - _PRICES.keys() - _MONTHLY)):
                result.refused.append(
                    Refusal(f"{where}.cost.{region}", key, "a price we have no column for")
                )
            if row["on_demand_per_hour"] is None:
                result.missing.append(Missing(f"{machine}@{region}", "no on-demand price"))
    if built is None:
        for row in result.rows:
            row["notes"] += " The file states no build date: dated the day it was imported."
    return result


def _row(machine, accelerator, count, region, cost, file_url, on) -> dict:
    where = f"compute.instance.{machine}.cost.{region}"
    if not isinstance(cost, dict):
        raise FeedError(f"expected a mapping, got {type(cost).__name__}", where=where)
    prices = {}
    for key, field in _PRICES.items():
        amount = price(cost.get(key), where=where, name=key)
        if amount is not None and key.startswith("month"):
            amount = (amount / HOURS_PER_MONTH).quantize(Decimal("0.000001"))
        prices[field] = amount
    terms = [
        f"{term} {cost[key]} a month"
        for key, term in (("month_1y", "1-year commitment"), ("month_3y", "3-year commitment"))
        if prices[_PRICES[key]] is not None
    ]
    notes = [f"Cloud Billing Catalog list price via pricing.yml, {machine} whole machine."]
    if terms:
        notes.append(f"Committed hourly = month / 730 hours: {'; '.join(terms)}.")
    else:
        notes.append("No public committed-use price for this machine here.")
    return cloud_row(
        provider=PROVIDER,
        instance=machine,
        region=str(region),
        gpu=(ACCELERATORS[accelerator], count),
        currency=CURRENCY,
        prices=prices,
        source=sourced(
            url=file_url,
            as_of=on,
            date_text=f"GCP list prices as of {on.isoformat()}",
            ref=source_row(SOURCE, f"{machine}@{region}"),
            notes=" ".join(notes),
        ),
    )
