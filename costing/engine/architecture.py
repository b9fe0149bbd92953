"""Model geometry and its memory footprint: weights, and the KV cache per token and per sequence."""

from __future__ import annotations

import math
from dataclasses import dataclass

from costing.engine.figures import Figure, Quantity, default, given

GB = 1e9  # decimal gigabyte: the unit of datasheets and of the weights tables we reproduce

# Bytes per parameter (or per cached element) by precision, with the reason for each value.
BYTES_PER_PARAMETER: dict[str, tuple[float, str]] = {
    "fp32": (4.0, "32-bit float"),
    "bf16": (2.0, "16-bit brain float"),
    "fp16": (2.0, "16-bit float"),
    "fp8": (1.0, "8-bit float (E4M3/E5M2)"),
    "int8": (1.0, "8-bit integer"),
    "int4": (0.5, "4-bit integer; group scales ignored, as the published weight tables do"),
    "fp4": (0.5, "4-bit float; block scales ignored"),
    "q4_0": (
        4.5 / 8,
        "llama.cpp Q4_0: blocks of 32 4-bit weights plus one 16-bit scale = 4.5 bits per weight",
    ),
}


def bytes_per_parameter(precision: str) -> Quantity:
    """Storage bytes of one parameter at ``precision``; unknown precisions fail loudly."""
    key = precision.strip().lower()
    if key not in BYTES_PER_PARAMETER:
        known = ", ".join(sorted(BYTES_PER_PARAMETER))
        raise ValueError(f"unknown precision {precision!r}; known: {known}")
    value, why = BYTES_PER_PARAMETER[key]
    return default(f"bytes per parameter ({key})", value, "bytes", why)


@dataclass(frozen=True, slots=True)
class ModelArchitecture:
    """What sizing needs to know about a model: parameter counts and attention geometry."""

    name: str
    params_b: float
    active_params_b: float | None = None  # mixture of experts: parameters used per token
    layers: int = 0
    kv_heads: int = 0
    head_dim: int = 0
    hidden_size: int = 0
    context_tokens: int = 0
    # DeepSeek-style multi-head latent attention caches one compressed latent per layer and token.
    mla_kv_lora_rank: int | None = None
    mla_rope_head_dim: int | None = None
    # Sliding-window attention: this many layers keep only the last ``sliding_window_tokens``.
    sliding_window_tokens: int | None = None
    sliding_window_layers: int = 0
    # Mixture of experts: routed experts per MoE layer and how many each token uses.
    experts: int | None = None
    experts_per_token: int | None = None

    @property
    def active_b(self) -> float:
        return self.active_params_b if self.active_params_b is not None else self.params_b

    @property
    def is_moe(self) -> bool:
        return self.active_b < self.params_b

    @property
    def has_attention_geometry(self) -> bool:
        latent = self.mla_kv_lora_rank is not None
        return self.layers > 0 and (latent or (self.kv_heads > 0 and self.head_dim > 0))


def weights_memory(
    model: ModelArchitecture, precision: str, measured_gb: float | None = None
) -> Figure:
    """Memory to hold the weights: parameters x bytes per parameter, or a measured file size."""
    if measured_gb is not None:
        size = given("weights file size", measured_gb, "GB", "measured size of the served file")
        return Figure("weights memory", size.value, "GB", "weights file size as served", (size,))
    params = given(f"parameters ({model.name})", model.params_b * 1e9, "parameters")
    per = bytes_per_parameter(precision)
    return Figure(
        "weights memory",
        params.value * per.value / GB,
        "GB",
        "parameters x bytes per parameter / 1e9",
        (params, per),
    )


def kv_cache_bytes_per_token(model: ModelArchitecture, kv_precision: str) -> Figure:
    """KV cache for one token across all layers (full-attention formula, before any window)."""
    if not model.has_attention_geometry:
        raise ValueError(f"{model.name}: layers, KV heads and head dim are needed for the KV cache")
    per = bytes_per_parameter(kv_precision)
    layers = given("layers", model.layers, "layers")
    if model.mla_kv_lora_rank is not None:
        # MLA caches the compressed latent plus the decoupled RoPE key, not per-head K and V.
        rank = given("MLA KV latent rank", model.mla_kv_lora_rank, "elements")
        rope = given("MLA RoPE key dim", model.mla_rope_head_dim or 0, "elements")
        return Figure(
            "KV cache per token",
            layers.value * (rank.value + rope.value) * per.value,
            "bytes",
            "layers x (latent rank + RoPE dim) x bytes (multi-head latent attention)",
            (layers, rank, rope, per),
        )
    heads = given("KV heads", model.kv_heads, "heads")
    dim = given("head dim", model.head_dim, "elements")
    return Figure(
        "KV cache per token",
        2 * layers.value * heads.value * dim.value * per.value,
        "bytes",
        "2 (K and V) x layers x KV heads x head dim x bytes",
        (layers, heads, dim, per),
    )


def kv_cache_per_sequence(model: ModelArchitecture, kv_precision: str, tokens: float) -> Figure:
    """KV cache of one sequence of ``tokens`` tokens; sliding-window layers stop at the window."""
    per_token = kv_cache_bytes_per_token(model, kv_precision)
    length = given("tokens in the sequence", tokens, "tokens")
    windowed = model.sliding_window_layers if model.sliding_window_tokens else 0
    if windowed:
        window = given("sliding window", model.sliding_window_tokens, "tokens")
        full_share = (model.layers - windowed) / model.layers
        capped = min(tokens, window.value)
        total = per_token.value * (full_share * tokens + (1 - full_share) * capped)
        return Figure(
            "KV cache per sequence",
            total / GB,
            "GB",
            "KV per token x (full-attention share x tokens + windowed share x min(tokens, window))"
            " / 1e9",
            (per_token, length, window),
        )
    return Figure(
        "KV cache per sequence",
        per_token.value * tokens / GB,
        "GB",
        "KV per token x tokens / 1e9",
        (per_token, length),
    )


def expert_read_fraction(model: ModelArchitecture, batch: float) -> Figure:
    """Share of the routed (inactive) parameters a decode step reads at this batch size.

    Each token picks k of E experts, so the chance an expert is idle for the whole batch is
    (1 - k/E)^batch. Without expert counts, active/total stands in for k/E.
    """
    if not model.is_moe:
        return Figure("expert read fraction", 0.0, "fraction", "dense model: no routed experts")
    if model.experts and model.experts_per_token:
        ratio = model.experts_per_token / model.experts
        how = "experts per token / experts"
    else:
        ratio = model.active_b / model.params_b
        how = "active / total parameters (expert counts unknown)"
    share = given("routing share k/E", ratio, "fraction", how)
    steps = given("sequences in the batch", batch, "sequences")
    # The active parameters already include each token's experts; this is the rest.
    touched = 1 - (1 - ratio) ** max(batch, 1.0)
    idle_at_one = 1 - ratio
    value = max(0.0, (touched - ratio) / idle_at_one) if idle_at_one > 0 else 1.0
    return Figure(
        "expert read fraction",
        value,
        "fraction",
        "(1 - (1 - k/E)^batch - k/E) / (1 - k/E): share of the other experts touched per step",
        (share, steps),
    )


def weights_read_per_step(model: ModelArchitecture, weights: Figure, batch: float) -> Figure:
    """Weight bytes a decode step streams from memory: active parameters plus touched experts."""
    if not model.is_moe:
        return Figure("weights read per step", weights.value, "GB", "all weights", (weights,))
    active_share = model.active_b / model.params_b
    fraction = expert_read_fraction(model, batch)
    value = weights.value * (active_share + (1 - active_share) * fraction.value)
    share = given("active share of parameters", active_share, "fraction")
    return Figure(
        "weights read per step",
        value,
        "GB",
        "weights x (active share + (1 - active share) x expert read fraction)",
        (weights, share, fraction),
    )


def ceil_power_of_two(value: float) -> int:
    """Smallest power of two at or above ``value`` (tensor parallel degrees come in these)."""
    return 1 if value <= 1 else 2 ** math.ceil(math.log2(value))
