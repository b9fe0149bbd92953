"""The documented range of every number a scenario document holds, and the largest replica.

One table: the JSON Schema that documents are validated against takes its minimum and maximum
from it (``scenario.schema.json`` states types and meanings, never bounds), and so does its
description of each field. The ranges let through what the largest real deployments do (a
context of 10M tokens, 100 billion requests a day, a million GPUs) and refuse what no
deployment could be, so that no figure the engine computes from a valid document runs away.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

# The largest replica sizing considers: 128 eight-GPU nodes. The largest published serving
# deployment, DeepSeek-V3's decode stage, spans 40 nodes of 320 GPUs (DeepSeek-V3 Technical
# Report, "Inference and Deployment"); a replica larger than this is not a serving shape but a
# sign that the input is wrong, and sizing says "does not fit" instead of searching further.
MAX_GPUS_PER_REPLICA = 1024


@dataclass(frozen=True, slots=True)
class Limit:
    """The range of one number: from ``minimum`` (excluded if ``above``) to ``maximum``."""

    minimum: float
    maximum: float
    unit: str
    why: str
    above: bool = False  # the minimum itself is refused: a positive amount

    def schema(self) -> dict[str, float]:
        low = "exclusiveMinimum" if self.above else "minimum"
        return {low: self.minimum, "maximum": self.maximum}

    def describe(self) -> str:
        low = f"above {_number(self.minimum)}" if self.above else _number(self.minimum)
        return f"{low} to {_number(self.maximum)} {self.unit}".rstrip()


def _number(value: float) -> str:
    """Digits grouped, or three significant ones past a trillion (1e16, 9.22e18)."""
    if abs(value) >= 1e13:
        return f"{value:.3g}".replace("e+", "e")
    return f"{int(value):,}" if value == int(value) else f"{value:g}"


def _shares(*names: str, why: str, above: bool = False) -> dict[str, Limit]:
    return {name: Limit(0, 1, "(fraction)", why, above) for name in names}


_TRENDS = {
    name: Limit(-0.9, 10, "per year", "from a fall of 90% to elevenfold in a year")
    for name in (
        "demand_growth_per_year",
        "cloud_price_trend_per_year",
        "api_price_trend_per_year",
        "electricity_price_trend_per_year",
    )
}
_BILLIONS = Limit(
    0, 100_000, "billion parameters", "a hundred times the largest open-weights models", True
)

# Where a number sits in the schema ("scenario" is the document itself, "assumptions.financing"
# a property of $defs.assumptions) -> property -> its range.
LIMITS: dict[str, dict[str, Limit]] = {
    "scenario": {
        "horizon_months": Limit(1, 240, "months", "twenty years: longer than hardware lives"),
        "discount_rate_per_year": Limit(0, 1, "per year", "0 to 100% a year"),
    },
    "assumptions": {
        **_TRENDS,
        **_shares("owned_utilisation_target", why="a share of the GPU-hours", above=True),
        **_shares("idle_power_fraction", why="a share of typical power"),
        **_shares("residual_value_fraction", why="a share of the purchase price"),
        "peak_hours_per_day": Limit(0, 24, "hours", "hours of a day", True),
    },
    "assumptions.financing": {
        "annual_rate": Limit(0, 1, "per year", "0 to 100% a year"),
        "term_months": Limit(1, 240, "months", "no longer than the longest horizon"),
    },
    "assumptions.sizing_overrides": {
        **_shares(
            "decode_bandwidth_efficiency",
            "prefill_compute_efficiency",
            "tensor_parallel_efficiency",
            "mfu",
            "lora_compute_fraction",
            why="a share of a datasheet peak or of full work",
            above=True,
        ),
        "memory_headroom_fraction": Limit(
            0, 0.9, "(fraction)", "a GPU kept more than 90% free holds next to nothing"
        ),
        "low_precision_training_speedup": Limit(
            0, 4, "x", "FP4 tensor peaks are four times BF16's: no more can be gained", True
        ),
        "gpus_per_node": Limit(
            1, MAX_GPUS_PER_REPLICA, "GPUs", "one NVLink domain: 8 in a DGX, 72 in an NVL72 rack"
        ),
        "min_replicas": Limit(0, 10_000, "replicas", "replicas kept warm for one workload"),
        "hours_per_month": Limit(1, 744, "hours", "a 31-day month has 744 hours"),
    },
    "model": {
        "params_b": _BILLIONS,
        "active_params_b": _BILLIONS,
        "expert_params_b": _BILLIONS,
        "layers": Limit(0, 1000, "layers", "published models have up to about 130"),
        "kv_heads": Limit(0, 10_000, "heads", "published models have up to 128"),
        "head_dim": Limit(0, 10_000, "", "published models use 64 to 256"),
        "hidden_size": Limit(0, 1_000_000, "", "published models use up to about 16,384"),
        "context_tokens": Limit(
            0, 100_000_000, "tokens", "ten times the longest context offered (10M tokens)"
        ),
        "mla_kv_lora_rank": Limit(1, 1_000_000, "", "DeepSeek-V3 caches a latent of 512"),
        "mla_rope_head_dim": Limit(0, 100_000, "", "DeepSeek-V3 caches a RoPE key of 64"),
        "sliding_window_tokens": Limit(
            1, 100_000_000, "tokens", "no wider than the longest context"
        ),
        "sliding_window_layers": Limit(0, 1000, "layers", "no more than a model's layers"),
        "experts": Limit(1, 100_000, "experts", "published models route among up to 384"),
        "experts_per_token": Limit(1, 100_000, "experts", "no more than the experts"),
        "shared_experts": Limit(0, 100_000, "experts", "published models share one or two"),
    },
    "accelerator": {
        "memory_gb": Limit(0, 100_000, "GB", "a hundred times the largest part shipped", True),
        "memory_bandwidth_tb_s": Limit(
            0, 10_000, "TB/s", "a thousand times the fastest HBM part shipped", True
        ),
        **{
            name: Limit(0, 10_000_000, "TFLOPS", "a thousand times the fastest dense peak", True)
            for name in ("bf16_tflops", "fp8_tflops", "int8_tflops", "fp4_tflops")
        },
        "tdp_w": Limit(0, 100_000, "W", "a hundred times the hungriest accelerator", True),
        "interconnect_gb_s": Limit(
            0, 1_000_000, "GB/s", "a thousand times the fastest scale-up link", True
        ),
    },
    "workload": {
        "input_tokens": Limit(
            0, 10_000_000, "tokens per request", "the longest context offered (10M tokens)"
        ),
        "output_tokens": Limit(
            0, 1_000_000, "tokens per request", "several times the longest output models allow"
        ),
        "requests_per_day": Limit(
            0,
            1e11,
            "requests per day",
            "over a million a second, beyond the busiest public services",
        ),
        "peak_factor": Limit(1, 100, "x", "the peak over the average load"),
        "ttft_target_s": Limit(0.001, 600, "s", "from a millisecond to ten minutes"),
        "output_tokens_per_s_target": Limit(
            0, 100_000, "tokens/s per stream", "far above what any reader or caller takes in", True
        ),
        "training_tokens_per_month": Limit(
            0,
            1e16,
            "tokens per month",
            "over 600 times the 15.6T tokens Llama 3.1 405B was trained on in all",
        ),
        "gpu_hours_per_month": Limit(
            0, 1e9, "GPU-hours per month", "a million GPUs busy all month is 744 million"
        ),
        "peak_gpus": Limit(
            0, 1_000_000, "GPUs", "the largest clusters planned hold about a million GPUs"
        ),
        "growth_per_year": Limit(-1, 10, "per year", "from retired within the year to elevenfold"),
        "audio_minutes_per_month": Limit(
            0, 1e9, "minutes per month", "about 23,000 hours of audio every hour"
        ),
        "images_per_month": Limit(0, 1e10, "images per month", "about 3,800 images a second"),
        **_shares("cached_input_share", why="a share of the input tokens"),
    },
    "measured_throughput": {
        "tokens_per_second": Limit(
            0, 10_000_000, "tokens/s", "beyond any published measurement of one replica", True
        ),
        "gpus_per_replica": Limit(1, MAX_GPUS_PER_REPLICA, "GPUs", "the largest replica sized"),
    },
    "price": {
        "amount": Limit(
            0, 1e12, "(major units)", "a trillion: a data centre priced in the weakest currencies"
        ),
    },
    "cloud_gpu_offer": {
        "gpu_count": Limit(1, MAX_GPUS_PER_REPLICA, "GPUs", "no more than the largest replica"),
    },
    "api_offer": {
        "batch_discount_pct": Limit(0, 100, "%", "a share of the price"),
        "long_context_threshold_tokens": Limit(
            1, 100_000_000, "tokens", "no longer than the longest context"
        ),
        "regional_uplift_pct": Limit(0, 1000, "%", "up to elevenfold the price"),
    },
    "server_offer": {
        "gpu_count": Limit(1, MAX_GPUS_PER_REPLICA, "GPUs", "no more than the largest replica"),
        "power_typical_kw": Limit(0, 1000, "kW", "about eight NVL72 racks", True),
        "power_max_kw": Limit(0, 1000, "kW", "about eight NVL72 racks", True),
        "rack_units": Limit(0, 1000, "U", "about twenty racks"),
        "support_pct_per_year": Limit(0, 100, "% per year", "a share of the price"),
        "useful_life_years": Limit(
            0.1, 30, "years", "written off over a month or more, and kept no longer than 30"
        ),
    },
    "facility": {
        "pue": Limit(1, 5, "", "1 by definition; the least efficient rooms reach about 3"),
        "build_life_years": Limit(0, 100, "years", "a room's life", True),
    },
    "staff": {
        "servers_per_fte": Limit(0, 100_000, "servers", "beyond hyperscale automation", True),
    },
    "fx_rate": {
        "rate": Limit(0, 10_000_000, "", "the weakest currencies trade near a million", True),
    },
    "range": {
        name: Limit(-1, 100, "", "a multiplier up to 100, or a growth delta from -1")
        for name in ("low", "likely", "high")
    },
    "uncertainty": {
        "samples": Limit(1, 100_000, "samples", "P10 and P90 settle within a few thousand"),
        "seed": Limit(0, 2**63 - 1, "", "a 64-bit seed"),
    },
}


def _node(schema: dict, where: str) -> dict:
    head, *rest = where.split(".")
    node = schema if head == "scenario" else schema["$defs"][head]
    for name in rest:
        node = node["properties"][name]
    return node


def with_limits(schema: dict) -> dict:
    """A copy of ``schema`` with every range of ``LIMITS`` on its property, and described.

    A property the table names but the schema lacks is an error (KeyError), so the two cannot
    drift apart silently."""
    found = copy.deepcopy(schema)
    for where, limits in LIMITS.items():
        properties = _node(found, where)["properties"]
        for name, limit in limits.items():
            prop = properties[name]
            prop.update(limit.schema())
            stated = prop.get("description", "").rstrip(".")
            described = f"Range: {limit.describe()} ({limit.why})."
            prop["description"] = f"{stated}. {described}" if stated else described
    return found
