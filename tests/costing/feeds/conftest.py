"""The shipped reference feeds, read where they are (never copied into the project)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

# The reference feeds live beside the repository (../shared/reference/feeds), read in place.
ROOT = Path(__file__).resolve().parents[3]
FEEDS = Path(os.environ.get("SOVRA_FEEDS_DIR", ROOT.parent / "shared" / "reference" / "feeds"))


def feed_bytes(name: str) -> bytes:
    path = FEEDS / name
    if not path.exists():
        pytest.skip(f"reference feed {name} not present on this machine")
    return path.read_bytes()


# Google's pricing.yml, of which the reference feeds hold no copy: written in its format.
BUILT = 1785391997  # 2026-07-30 06:13:17 UTC


def machine(accelerator: str | None, count, **costs) -> dict:
    """A pricing.yml machine with its accelerator and count, priced in ``costs`` by region."""
    spec = {"cpu": 208, "ram": 1872, "cost": costs or {"europe-west4": cost()}}
    if accelerator:
        spec[accelerator] = count
    return spec


def cost(hour=10.0, spot=4.0, month_1y=5110.0, month_3y=3285.0) -> dict:
    """One region's prices of a machine; a commitment given as None is left out."""
    prices = {"hour": hour, "hour_spot": spot, "month": hour * 730, "month_spot": spot * 730}
    if month_1y is not None:
        prices["month_1y"] = month_1y
    if month_3y is not None:
        prices["month_3y"] = month_3y
    return prices


def pricing_file(instances: dict) -> bytes:
    """Google's pricing.yml in its own format, with the given ``compute.instance`` machines."""
    document = {
        "about": {"generated": "Thu Jul 30 06:13:17 2026", "timestamp": BUILT},
        "compute": {"instance": instances, "storage": {}},
        "region": {"europe-west4": {"location": "Netherlands"}},
    }
    return yaml.safe_dump(document, sort_keys=True).encode()
