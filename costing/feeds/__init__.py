"""Readers of the public price feeds: each maps one feed's records to catalog rows, no more.

``SOURCES`` names every feed ``catalog_sync --source`` accepts; ``read_feed`` dispatches.
The ECB rates are reference data (FX rows), not catalog rows: ``costing.feeds.ecb.read``.
"""

from __future__ import annotations

from datetime import date

from costing.feeds import azure_retail, ecb, gcp_pricing, genai_prices, litellm, skypilot
from costing.feeds.base import FeedError, FeedRows, Missing, Refusal

SKYPILOT_SOURCES = tuple(f"skypilot-{cloud}" for cloud in skypilot.CLOUDS)
CATALOG_SOURCES = (
    litellm.SOURCE,
    genai_prices.SOURCE,
    azure_retail.SOURCE,
    gcp_pricing.SOURCE,
    *SKYPILOT_SOURCES,
)
SOURCES = (*CATALOG_SOURCES, ecb.SOURCE)

__all__ = [
    "CATALOG_SOURCES",
    "SOURCES",
    "FeedError",
    "FeedRows",
    "Missing",
    "Refusal",
    "read_feed",
]


def read_feed(source: str, data: bytes, *, as_of: date, file_url: str = "") -> FeedRows:
    """The catalog rows of one feed file (not ECB: its rates are FX rows)."""
    url = {"file_url": file_url} if file_url else {}
    if source == litellm.SOURCE:
        return litellm.read(data, as_of=as_of, **url)
    if source == genai_prices.SOURCE:
        return genai_prices.read(data, as_of=as_of, **url)
    if source == azure_retail.SOURCE:
        return azure_retail.read(data, as_of=as_of, **url)
    if source == gcp_pricing.SOURCE:
        return gcp_pricing.read(data, as_of=as_of, **url)
    if source in SKYPILOT_SOURCES:
        return skypilot.read(data, cloud=source.removeprefix("skypilot-"), as_of=as_of, **url)
    raise FeedError(f"unknown feed {source!r}; known: {', '.join(SOURCES)}")
