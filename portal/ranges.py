"""The documented range of every number a workload holds, and why.

One table: the ``Workload`` model's validators come from it, and through them the web form, the
API (whose OpenAPI schema states each minimum and maximum) and the CSV/XLSX/bulk imports judge
a row; the form, the import help and the README show it. Values the largest real deployments
reach pass; beyond them is a typing error. Each range lies within the scenario document's
(``costing/engine/limits.py``), so every workload the inventory accepts can be evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator


@dataclass(frozen=True, slots=True)
class Range:
    """From ``minimum`` to ``maximum`` (both allowed), in ``unit``, and why those bounds."""

    minimum: int | Decimal
    maximum: int | Decimal
    unit: str
    why: str

    @property
    def validators(self) -> list:
        return [MinValueValidator(self.minimum), MaxValueValidator(self.maximum)]

    def describe(self) -> str:
        return f"{self.minimum:,} to {self.maximum:,} {self.unit}"


WORKLOAD_RANGES: dict[str, Range] = {
    "avg_input_tokens": Range(
        0, 10_000_000, "tokens per request", "the longest context window offered (10M tokens)"
    ),
    "avg_output_tokens": Range(
        0, 1_000_000, "tokens per request", "several times the longest output models allow"
    ),
    "requests_per_day": Range(
        0,
        100_000_000_000,
        "requests per day",
        "over a million a second, beyond the busiest public services",
    ),
    "peak_factor": Range(
        Decimal("1"), Decimal("100"), "x", "the peak hour over the average hour, with bursts"
    ),
    "ttft_target_ms": Range(1, 600_000, "ms", "from a millisecond to ten minutes"),
    "output_tokens_per_second_target": Range(
        1, 100_000, "tokens/s per request", "far above what any reader or caller takes in"
    ),
    "training_tokens_per_month": Range(
        0,
        10**16,
        "tokens per month",
        "over 600 times the 15.6T tokens Llama 3.1 405B was trained on in all",
    ),
    "gpu_hours_per_month": Range(
        Decimal("0"),
        Decimal("1000000000"),
        "GPU-hours per month",
        "a million GPUs busy every hour of a month is 744 million",
    ),
    "peak_gpus": Range(
        0, 1_000_000, "GPUs", "the largest clusters planned hold about a million GPUs"
    ),
    "audio_minutes_per_month": Range(
        0, 10**9, "minutes per month", "about 23,000 hours of audio every hour"
    ),
    "images_per_month": Range(0, 10**10, "images per month", "about 3,800 images a second"),
    "cached_input_pct": Range(Decimal("0"), Decimal("100"), "%", "a share of the input tokens"),
    "growth_pct_per_year": Range(
        Decimal("-100"), Decimal("1000"), "% per year", "from retired within the year to elevenfold"
    ),
}
