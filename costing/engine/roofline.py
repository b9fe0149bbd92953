"""Rooflines: decode and prefill speed from bandwidth and compute, and a replica's throughput."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

from costing.engine.architecture import (
    GB,
    ModelArchitecture,
    kv_cache_bytes_per_token,
    weights_memory,
    weights_read_per_step,
)
from costing.engine.figures import Figure, Quantity, default, given
from costing.engine.hardware import Accelerator

Constraint = Literal["memory", "bandwidth", "compute", "latency", "measured"]


@dataclass(frozen=True, slots=True)
class SizingAssumptions:
    """Efficiency factors and policies of the sizing model; each default says why in ``NOTES``."""

    decode_bandwidth_efficiency: float = 0.70
    prefill_compute_efficiency: float = 0.50
    tensor_parallel_efficiency: float = 0.80
    memory_headroom_fraction: float = 0.10
    kv_precision: str | None = None  # None: 8-bit float with FP8 weights, else 16-bit
    mfu: float = 0.40
    low_precision_training_speedup: float = 1.0
    lora_compute_fraction: float = 2 / 3
    gpus_per_node: int = 8
    min_replicas: int = 1
    hours_per_month: float = 730.0
    profile: str = "tuned_server"

    def quantity(self, field: str, unit: str = "fraction") -> Quantity:
        return default(field.replace("_", " "), getattr(self, field), unit, NOTES[field])


NOTES = {
    "decode_bandwidth_efficiency": "share of datasheet HBM bandwidth a decode step achieves; "
    "tuned server engines (TensorRT-LLM, vLLM) reach about 70%",
    "prefill_compute_efficiency": "share of the dense tensor peak reached on prompt tokens; "
    "large GEMMs run at about half of peak once attention and kernel overheads are counted "
    "(TensorRT-LLM prefill of Llama 3.1 8B FP8 on H100 reaches 45%)",
    "tensor_parallel_efficiency": "speed kept per doubling of GPUs in a node (8 GPUs keep 51%): "
    "every layer ends in an all-reduce over NVLink that the GPUs wait for",
    "memory_headroom_fraction": "memory kept free for activations, CUDA context and fragmentation "
    "(serving engines give the KV cache about 90% of what the weights leave)",
    "mfu": "model FLOPs utilisation of large training runs, of the dense BF16 peak whatever "
    "precision the run computes in (Llama 3 405B: 38-43% of BF16 peak)",
    "low_precision_training_speedup": "wall-clock gain of an FP8/FP4 training run over the same "
    "run in BF16: not credited unless stated (1.0), since the doubled datasheet peak does not "
    "double end-to-end training throughput; set a measured figure to credit one",
    "lora_compute_fraction": "LoRA skips weight gradients of the frozen base: forward 2N plus "
    "activation gradients 2N of the full 6N",
    "gpus_per_node": "tensor parallelism stays inside one NVLink node of 8 GPUs",
    "min_replicas": "a workload that exists keeps one replica warm: loading a large model "
    "takes minutes, too long for a first request",
    "hours_per_month": "8,760 hours / 12 months",
}

ENGINE_PROFILES = {
    "tuned_server": SizingAssumptions(),
    # llama.cpp-class single-stream runtimes reach about half of datasheet bandwidth.
    "llama_cpp": SizingAssumptions(
        decode_bandwidth_efficiency=0.55, prefill_compute_efficiency=0.35, profile="llama_cpp"
    ),
}


def assumptions_for(profile: str = "tuned_server", **overrides) -> SizingAssumptions:
    """The defaults of an engine class ("tuned_server" or "llama_cpp"), with any overrides."""
    if profile not in ENGINE_PROFILES:
        raise ValueError(f"unknown engine profile {profile!r}; known: {sorted(ENGINE_PROFILES)}")
    return replace(ENGINE_PROFILES[profile], **overrides)


@dataclass(frozen=True, slots=True)
class InferenceWorkload:
    """An inference workload's demand and targets (one request = input then output tokens)."""

    precision: str
    input_tokens: float
    output_tokens: float
    requests_per_day: float = 0.0
    peak_factor: float = 1.0
    ttft_target_s: float | None = None
    output_tokens_per_s_target: float | None = None  # per user
    weights_gb: float | None = None  # measured size of the served weights file, if known
    gpus_per_replica: int | None = None  # fixed by the deployment; otherwise sized from memory
    # Measured on this GPU type with ``gpus_per_replica`` GPUs: replaces the roofline estimate.
    measured_tokens_per_second: float | None = None
    measured_source: str = ""


def kv_precision(workload_precision: str, assumptions: SizingAssumptions) -> str:
    if assumptions.kv_precision:
        return assumptions.kv_precision
    # FP8 serving checkpoints quantise the KV cache too; every other precision keeps it 16-bit.
    return "fp8" if workload_precision.lower() == "fp8" else "bf16"


def effective_gpus(gpus: int, assumptions: SizingAssumptions) -> Figure:
    """GPUs' worth of speed a replica gets: tensor parallel loses a share per doubling inside a
    node; pipeline stages across nodes lose nothing to all-reduce."""
    tp = min(gpus, assumptions.gpus_per_node)
    eff = assumptions.quantity("tensor_parallel_efficiency")
    return Figure(
        "effective GPUs",
        gpus * eff.value ** math.log2(tp),
        "GPUs",
        "GPUs x tensor parallel efficiency ^ log2(GPUs in a node)",
        (given("GPUs", gpus, "GPUs"), eff),
    )


def decode_step_seconds(
    model: ModelArchitecture,
    accelerator: Accelerator,
    gpus: int,
    weights: Figure,
    kv_per_token: Figure,
    batch: float,
    context_tokens: float,
    assumptions: SizingAssumptions,
    precision: str,
) -> tuple[Figure, Figure]:
    """Memory time and compute time of one decode step of ``batch`` sequences."""
    read = weights_read_per_step(model, weights, batch, precision)
    kv_read_gb = batch * context_tokens * kv_per_token.value / GB
    eff = assumptions.quantity("decode_bandwidth_efficiency")
    n = effective_gpus(gpus, assumptions)
    sizes = (given("batch", batch, "sequences"), given("context", context_tokens, "tokens"))
    memory = Figure(
        "decode step memory time",
        (read.value + kv_read_gb) / (n.value * accelerator.memory_bandwidth_tb_s * 1e3 * eff.value),
        "s",
        "(weights read + batch x context x KV per token)"
        " / (effective GPUs x bandwidth x efficiency)",
        (read, kv_per_token, *sizes, n, accelerator.bandwidth, eff),
    )
    ceff = assumptions.quantity("prefill_compute_efficiency")
    active = given("active parameters", model.active_b * 1e9, "parameters")
    if not _has_peak(accelerator, precision):
        # A custom accelerator may come with bandwidth only: decode is then a bandwidth estimate.
        return memory, Figure("decode step compute time", 0.0, "s", "no tensor peak known")
    peak = accelerator.dense_tflops(precision)
    compute = Figure(
        "decode step compute time",
        batch * 2 * active.value / (n.value * peak.value * 1e12 * ceff.value),
        "s",
        "batch x 2 x active parameters / (effective GPUs x dense peak x compute efficiency)",
        (sizes[0], active, n, peak, ceff),
    )
    return memory, compute


def _has_peak(accelerator: Accelerator, precision: str) -> bool:
    try:
        accelerator.dense_tflops(precision)
    except ValueError:
        return False
    return True


def decode_tokens_per_second(
    model: ModelArchitecture,
    accelerator: Accelerator,
    workload: InferenceWorkload,
    assumptions: SizingAssumptions,
    gpus: int = 1,
    batch: float = 1.0,
) -> Figure:
    """Tokens per second one stream sees while ``batch`` streams decode together."""
    weights = weights_memory(model, workload.precision, workload.weights_gb)
    kv = _kv_per_token(model, workload, assumptions, gpus)
    # Pipeline stages across nodes run one after another for a given token: a stream sees one node.
    stream_gpus = min(gpus, assumptions.gpus_per_node)
    # The KV cache read per step: on average halfway through the output.
    context = workload.input_tokens + workload.output_tokens / 2
    memory, compute = decode_step_seconds(
        model,
        accelerator,
        stream_gpus,
        weights,
        kv,
        batch,
        context,
        assumptions,
        workload.precision,
    )
    step = max(memory.value, compute.value)
    return Figure(
        "decode tokens/s per stream",
        1 / step,
        "tokens/s",
        "1 / max(memory time, compute time)",
        (memory, compute),
    )


def prefill_tokens_per_second(
    model: ModelArchitecture,
    accelerator: Accelerator,
    precision: str,
    assumptions: SizingAssumptions,
    gpus: int = 1,
) -> Figure:
    """Prompt tokens per second: dense peak x efficiency / (2 x active parameters)."""
    peak = accelerator.dense_tflops(precision)
    eff = assumptions.quantity("prefill_compute_efficiency")
    active = given("active parameters", model.active_b * 1e9, "parameters")
    n = effective_gpus(gpus, assumptions)
    return Figure(
        "prefill tokens/s",
        n.value * peak.value * 1e12 * eff.value / (2 * active.value),
        "tokens/s",
        "effective GPUs x dense peak x efficiency / (2 x active parameters)",
        (n, peak, eff, active),
    )


def _kv_per_token(
    model: ModelArchitecture, workload: InferenceWorkload, assumptions: SizingAssumptions, gpus: int
) -> Figure:
    """KV bytes per token held by the replica: KV heads are copied when GPUs outnumber them."""
    base = kv_cache_bytes_per_token(model, kv_precision(workload.precision, assumptions))
    tp = min(gpus, assumptions.gpus_per_node)
    if model.mla_kv_lora_rank is not None or tp <= model.kv_heads:
        return base
    copies = given("KV head copies", tp / model.kv_heads, "x", "tensor parallel / KV heads")
    return Figure(
        "KV cache per token (replica)",
        base.value * copies.value,
        "bytes",
        "KV per token x (tensor parallel / KV heads)",
        (base, copies),
    )


@dataclass(frozen=True, slots=True)
class ServingPoint:
    """A replica's saturated operating point: batch, speed per stream, throughput, constraint."""

    batch: Figure
    stream_tokens_per_second: Figure
    tokens_per_second: Figure
    requests_per_second: float
    binding_constraint: Constraint


def serving_throughput(
    model: ModelArchitecture,
    accelerator: Accelerator,
    workload: InferenceWorkload,
    assumptions: SizingAssumptions,
    gpus: int,
    max_batch: float | None = None,
) -> ServingPoint:
    """Saturated throughput of one replica: as many sequences as the KV room holds, each step
    from the decode roofline, and each request's prefill time added to the cycle."""
    weights = weights_memory(model, workload.precision, workload.weights_gb)
    kv = _kv_per_token(model, workload, assumptions, gpus)
    headroom = assumptions.quantity("memory_headroom_fraction")
    tokens = workload.input_tokens + workload.output_tokens
    fits = sequences_that_fit(model, accelerator, workload, assumptions, gpus)
    batch_value = max(0.0, float(fits if max_batch is None else min(fits, max_batch)))
    batch = Figure(
        "batch (sequences in flight)",
        batch_value,
        "sequences",
        "floor((GPUs x memory x (1 - headroom) - weights) / (KV per token x (input + output)))",
        (
            given("GPUs", gpus, "GPUs"),
            accelerator.memory,
            headroom,
            weights,
            kv,
            given("tokens per sequence", tokens, "tokens"),
        ),
    )
    if batch_value < 1:
        raise ValueError(f"{model.name} leaves no KV room on {gpus} x {accelerator.name}")
    # In steady state a sequence is on average halfway through its output.
    context = workload.input_tokens + workload.output_tokens / 2
    memory, compute = decode_step_seconds(
        model, accelerator, gpus, weights, kv, batch_value, context, assumptions, workload.precision
    )
    step_s = max(memory.value, compute.value)
    prefill = prefill_tokens_per_second(model, accelerator, workload.precision, assumptions, gpus)
    prefill_s = batch_value * workload.input_tokens / prefill.value
    cycle_s = workload.output_tokens * step_s + prefill_s
    requests_per_s = batch_value / cycle_s
    per_stream = decode_tokens_per_second(
        model, accelerator, workload, assumptions, gpus, batch_value
    )
    output = workload.output_tokens > 0
    tokens_per_s = Figure(
        "output tokens/s per replica" if output else "prompt tokens/s per replica",
        requests_per_s * (workload.output_tokens if output else workload.input_tokens),
        "tokens/s",
        "batch x tokens / (output tokens x decode step time + batch x input / prefill tokens/s)",
        (batch, memory, compute, prefill),
    )
    compute_s = prefill_s + workload.output_tokens * (
        step_s if compute.value >= memory.value else 0
    )
    if max_batch is not None and max_batch < fits:
        binding: Constraint = "latency"
    elif compute_s >= cycle_s / 2:
        binding = "compute"
    else:
        read = weights_read_per_step(model, weights, batch_value, workload.precision).value
        # Weight reads dominate the step: more KV room (memory) would raise throughput.
        binding = "memory" if read > batch_value * context * kv.value / GB else "bandwidth"
    return ServingPoint(batch, per_stream, tokens_per_s, requests_per_s, binding)


def sequences_that_fit(
    model: ModelArchitecture,
    accelerator: Accelerator,
    workload: InferenceWorkload,
    assumptions: SizingAssumptions,
    gpus: int,
) -> int:
    """Whole sequences whose KV cache fits the memory the weights and the headroom leave."""
    weights = weights_memory(model, workload.precision, workload.weights_gb).value
    kv = _kv_per_token(model, workload, assumptions, gpus).value
    room_gb = gpus * accelerator.memory_gb * (1 - assumptions.memory_headroom_fraction) - weights
    tokens = workload.input_tokens + workload.output_tokens
    # Engines that never evict reserve the whole sequence's KV when they admit a request.
    return max(0, math.floor(room_gb * GB / (kv * tokens))) if tokens else 0
