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
    "mxfp4": (
        4.25 / 8,
        "OCP MXFP4: blocks of 32 4-bit floats plus one 8-bit shared scale = 4.25 bits per weight",
    ),
    "nvfp4": (
        4.5 / 8,
        "NVFP4: blocks of 16 4-bit floats plus one FP8 scale = 4.5 bits per weight",
    ),
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
    # Mixture of experts: routed experts per MoE layer and how many each token uses; shared
    # experts run for every token and are counted in the active parameters.
    experts: int | None = None
    experts_per_token: int | None = None
    shared_experts: int | None = None
    # Parameters of the routed experts over all layers, where the publisher states them.
    expert_params_b: float | None = None
    # Storage format of the routed experts when published apart from the rest (gpt-oss: MXFP4).
    expert_precision: str | None = None

    @property
    def active_b(self) -> float:
        return self.active_params_b if self.active_params_b is not None else self.params_b

    @property
    def is_moe(self) -> bool:
        return self.active_b < self.params_b

    @property
    def routed_expert_params_b(self) -> float | None:
        """Parameters in the routed experts: as published, or from total - active = experts x
        (1 - k/E), which holds when each token uses k of E experts of every MoE layer."""
        if not self.is_moe:
            return None
        if self.expert_params_b is not None:
            return self.expert_params_b
        if self.experts and self.experts_per_token:
            return (self.params_b - self.active_b) / (1 - self.experts_per_token / self.experts)
        return None

    @property
    def has_attention_geometry(self) -> bool:
        latent = self.mla_kv_lora_rank is not None
        return self.layers > 0 and (latent or (self.kv_heads > 0 and self.head_dim > 0))


def architecture_problems(model: ModelArchitecture) -> list[tuple[str, str]]:
    """Why an open model cannot be sized, or its fields contradict each other: (field, reason).

    One list for the scenario checks and for the forms, API and imports that enter a model, so
    a model the engine cannot size is refused where it is entered, naming the field.
    """
    problems: list[tuple[str, str]] = []
    if model.params_b <= 0:
        problems.append(("params_b", "needs the parameter count"))
    if model.active_params_b is not None and model.active_params_b > model.params_b:
        problems.append(("active_params_b", "cannot exceed the total parameters"))
    if model.layers <= 0:
        problems.append(("layers", "needs the number of layers (for the KV cache)"))
    if model.mla_kv_lora_rank is None:
        for name in ("kv_heads", "head_dim"):
            if getattr(model, name) <= 0:
                why = "needs the KV heads and head dimension, or the MLA latent rank"
                problems.append((name, why))
    elif model.mla_rope_head_dim is None:
        problems.append(("mla_rope_head_dim", "an MLA model needs its RoPE key dimension"))
    if model.sliding_window_layers and not model.sliding_window_tokens:
        problems.append(("sliding_window_tokens", "windowed layers need the window size"))
    if model.sliding_window_tokens and not model.sliding_window_layers:
        problems.append(("sliding_window_layers", "say how many layers use the window"))
    if model.layers and model.sliding_window_layers > model.layers:
        problems.append(("sliding_window_layers", "cannot exceed the number of layers"))
    if (model.experts is None) != (model.experts_per_token is None):
        problems.append(("experts_per_token", "give both the experts and the experts per token"))
    elif model.experts and model.experts_per_token > model.experts:
        problems.append(("experts_per_token", "cannot exceed the routed experts"))
    if model.expert_params_b is not None and model.expert_params_b >= model.params_b:
        problems.append(("expert_params_b", "must be less than the total parameters"))
    if model.expert_precision and model.routed_expert_params_b is None:
        why = "needs the routed expert parameters, or the experts and experts per token"
        problems.append(("expert_precision", why))
    if model.expert_precision and model.expert_precision.lower() not in BYTES_PER_PARAMETER:
        problems.append(("expert_precision", f"unknown precision {model.expert_precision!r}"))
    return problems


def weights_memory(
    model: ModelArchitecture, precision: str, measured_gb: float | None = None
) -> Figure:
    """Memory to hold the weights: parameters x bytes per parameter, or a measured file size.

    Routed experts published in their own format (gpt-oss: MXFP4 experts, BF16 elsewhere) keep
    it unless the serving precision is smaller still: serving never inflates a published format.
    """
    if measured_gb is not None:
        size = given("weights file size", measured_gb, "GB", "measured size of the served file")
        return Figure("weights memory", size.value, "GB", "weights file size as served", (size,))
    params = given(f"parameters ({model.name})", model.params_b * 1e9, "parameters")
    per = bytes_per_parameter(precision)
    experts_b = model.routed_expert_params_b
    if model.expert_precision and experts_b is not None:
        own = bytes_per_parameter(model.expert_precision)
        expert_per = own if own.value < per.value else per
        experts = given(f"routed expert parameters ({model.name})", experts_b * 1e9, "parameters")
        return Figure(
            "weights memory",
            ((params.value - experts.value) * per.value + experts.value * expert_per.value) / GB,
            "GB",
            "((parameters - routed expert parameters) x bytes per parameter"
            " + routed expert parameters x expert bytes per parameter) / 1e9",
            (params, per, experts, expert_per),
        )
    return Figure(
        "weights memory",
        params.value * per.value / GB,
        "GB",
        "parameters x bytes per parameter / 1e9",
        (params, per),
    )


def expert_weight_share(model: ModelArchitecture, precision: str) -> float:
    """Share of the weight bytes held by routed experts (1 when the split is unknown, so that
    active / total stands in for the routing share as before)."""
    experts_b = model.routed_expert_params_b
    if experts_b is None:
        return 1.0
    per = bytes_per_parameter(precision).value
    expert_per = per
    if model.expert_precision:
        expert_per = min(per, bytes_per_parameter(model.expert_precision).value)
    expert_bytes = experts_b * expert_per
    return expert_bytes / ((model.params_b - experts_b) * per + expert_bytes)


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


def weights_read_per_step(
    model: ModelArchitecture, weights: Figure, batch: float, precision: str = "bf16"
) -> Figure:
    """Weight bytes a decode step streams from memory: everything but the routed experts, the
    experts each token uses, and the share of the others the batch touches."""
    if not model.is_moe:
        return Figure("weights read per step", weights.value, "GB", "all weights", (weights,))
    fraction = expert_read_fraction(model, batch)
    if model.experts and model.experts_per_token:
        routed = model.experts_per_token / model.experts
        share_value = expert_weight_share(model, precision)
        why = "routed expert bytes / weight bytes"
    else:
        # Without expert counts the routed share stays unknown: active / total stands in.
        routed = 0.0
        share_value = 1 - model.active_b / model.params_b
        why = "1 - active / total parameters (expert counts unknown)"
    share = given("routed expert share of weights", share_value, "fraction", why)
    used = routed + (1 - routed) * fraction.value
    value = weights.value * (1 - share_value + share_value * used)
    return Figure(
        "weights read per step",
        value,
        "GB",
        "weights x (1 - expert share + expert share x (k/E + (1 - k/E) x expert read fraction))",
        (weights, share, fraction),
    )


def ceil_power_of_two(value: float) -> int:
    """Smallest power of two at or above ``value`` (tensor parallel degrees come in these)."""
    return 1 if value <= 1 else 2 ** math.ceil(math.log2(value))
