"""Sizing: GPUs per replica, replicas for peak load and latency, training and GPU-hour work."""

from __future__ import annotations

import math
from dataclasses import dataclass

from costing.engine.architecture import (
    GB,
    ModelArchitecture,
    ceil_power_of_two,
    kv_cache_per_sequence,
    weights_memory,
)
from costing.engine.figures import Figure, Quantity, default, given
from costing.engine.hardware import COMPUTE_PRECISION, Accelerator
from costing.engine.limits import MAX_GPUS_PER_REPLICA
from costing.engine.roofline import (
    ENGINE_PROFILES,
    Constraint,
    InferenceWorkload,
    ServingPoint,
    SizingAssumptions,
    assumptions_for,
    decode_tokens_per_second,
    kv_precision,
    prefill_tokens_per_second,
    sequences_that_fit,
    serving_throughput,
)

__all__ = [
    "DoesNotFit",
    "InferenceWorkload",
    "SizingAssumptions",
    "SizingResult",
    "assumptions_for",
    "decode_tokens_per_second",
    "prefill_tokens_per_second",
    "serving_throughput",
    "size_gpu_hours",
    "size_inference",
    "size_training",
    "training_gpu_hours",
]
SECONDS_PER_DAY = 86_400.0


class DoesNotFit(ValueError):
    """No replica of up to ``MAX_GPUS_PER_REPLICA`` GPUs of this type can serve the workload."""


def _amount(value: float) -> str:
    """A count for a message: grouped digits, or three significant ones once they run long."""
    return f"{value:,.0f}" if value < 1e15 else f"{value:.3g}"


def _require_finite(**values: float | None) -> None:
    """Refuse NaN, infinities and negatives: no search below could end on them."""
    for name, value in values.items():
        if value is not None and not (math.isfinite(value) and value >= 0):
            what = name.replace("_", " ")
            raise ValueError(f"{what} must be a finite number >= 0, got {value!r}")


@dataclass(frozen=True, slots=True)
class SizingResult:
    """GPU counts, utilisation and speed of a workload on one GPU type, with their working."""

    gpus_per_replica: Figure
    replicas: Figure
    total_gpus: Figure
    utilization: Figure
    tokens_per_second: Figure
    binding_constraint: Constraint
    figures: tuple[Figure, ...] = ()

    def figure(self, name: str) -> Figure:
        """One of the figures behind the result, by name."""
        return next(item for item in self.figures if item.name == name)


def gpus_for_memory(
    need_gb: Figure, accelerator: Accelerator, assumptions: SizingAssumptions
) -> Figure:
    """GPUs to hold ``need_gb`` with headroom: powers of two up to a node, then whole nodes."""
    headroom = assumptions.quantity("memory_headroom_fraction")
    node = assumptions.quantity("gpus_per_node", "GPUs")
    usable = accelerator.memory_gb * (1 - headroom.value)
    raw = need_gb.value / usable
    if not math.isfinite(raw):
        why = f"{need_gb.value:.3g} GB is more than any number of GPUs holds"
        raise DoesNotFit(f"does not fit: {why}")
    if raw <= node.value:
        count, how = ceil_power_of_two(raw), "next power of two of need / usable memory per GPU"
    else:
        count = math.ceil(raw / node.value) * int(node.value)
        how = "whole nodes: ceil(need / usable memory per GPU / GPUs per node) x GPUs per node"
    inputs = (need_gb, accelerator.memory, headroom, node)
    return Figure("GPUs per replica (memory)", float(count), "GPUs", how, inputs)


def _latency_batch(model, accelerator, workload, assumptions, gpus) -> float | None:
    """Largest batch whose per-stream speed still meets the per-user target (None: no target)."""
    target = workload.output_tokens_per_s_target
    if not target:
        return None
    low, high = 0, 1 << 16
    while low < high:
        middle = (low + high + 1) // 2
        speed = decode_tokens_per_second(model, accelerator, workload, assumptions, gpus, middle)
        low, high = (middle, high) if speed.value >= target else (low, middle - 1)
    return float(low)


def _replica_point(model, accelerator, workload, a, gpus) -> tuple[ServingPoint, bool]:
    """The operating point of a replica of ``gpus`` GPUs and whether it meets the targets."""
    cap = _latency_batch(model, accelerator, workload, a, gpus)
    prefill = prefill_tokens_per_second(model, accelerator, workload.precision, a, gpus)
    ttft_ok = not workload.ttft_target_s or (
        workload.input_tokens / prefill.value <= workload.ttft_target_s
    )
    meets = ttft_ok and (cap is None or cap >= 1)
    point = serving_throughput(
        model, accelerator, workload, a, gpus, None if cap is None else max(cap, 1.0)
    )
    return point, meets


def _choose_replica(model, accelerator, workload, a, by_memory: Figure):
    """GPUs per replica: as deployed, or the candidate (the memory minimum doubled up to a node)
    that serves the workload's actual peak load on the fewest GPUs among those meeting the
    latency targets (the largest if none does). The shape with the most tokens/s per GPU is
    only the cheapest when the load fills it: a small load on a big replica pays for idle GPUs.
    Every search stops at ``MAX_GPUS_PER_REPLICA`` with ``DoesNotFit``.
    """
    first = workload.gpus_per_replica or max(int(by_memory.value), 1)
    node = max(int(a.gpus_per_node), 1)
    candidates = [first]
    while (
        not workload.gpus_per_replica
        and candidates[-1] < node
        and candidates[-1] * 2 <= MAX_GPUS_PER_REPLICA
    ):
        candidates.append(candidates[-1] * 2)
    points = {}
    for gpus in candidates:
        if sequences_that_fit(model, accelerator, workload, a, gpus) >= 1:
            points[gpus] = _replica_point(model, accelerator, workload, a, gpus)
    while not points:
        # Copied KV heads can leave no room on the memory-sized replica: grow it by whole nodes,
        # at most MAX_GPUS_PER_REPLICA / GPUs per node times.
        gpus = candidates[-1] + node
        if gpus > MAX_GPUS_PER_REPLICA:
            tokens = workload.input_tokens + workload.output_tokens
            largest = candidates[-1]
            raise DoesNotFit(
                f"does not fit: no replica of up to {largest:,} x {accelerator.name} leaves KV "
                f"cache room for one sequence of {_amount(tokens)} tokens of {model.name}"
            )
        candidates.append(gpus)
        if sequences_that_fit(model, accelerator, workload, a, gpus) >= 1:
            points[gpus] = _replica_point(model, accelerator, workload, a, gpus)

    def per_gpu(gpus: int) -> float:
        return points[gpus][0].tokens_per_second.value / gpus

    peak_rps = workload.requests_per_day * workload.peak_factor / SECONDS_PER_DAY

    def gpus_at_peak(gpus: int) -> float:
        replicas = math.ceil(peak_rps / points[gpus][0].requests_per_second - 1e-9)
        return max(replicas, a.min_replicas) * gpus

    meeting = [gpus for gpus, (_, meets) in points.items() if meets]
    # Fewest GPUs at the peak; between equals, the faster per GPU (room to grow), then smaller.
    best = min(meeting, key=lambda g: (gpus_at_peak(g), -per_gpu(g), g)) if meeting else max(points)
    fastest = max(points, key=per_gpu)
    latency_bound = not meeting or fastest not in meeting
    return best, points[best][0], latency_bound


def size_inference(
    model: ModelArchitecture,
    accelerator: Accelerator,
    workload: InferenceWorkload,
    assumptions: SizingAssumptions | None = None,
) -> SizingResult:
    """GPUs per replica, replicas for the peak load and latency targets, and utilisation."""
    a = assumptions or ENGINE_PROFILES["tuned_server"]
    _require_finite(
        input_tokens=workload.input_tokens,
        output_tokens=workload.output_tokens,
        requests_per_day=workload.requests_per_day,
        peak_factor=workload.peak_factor,
        ttft_target_s=workload.ttft_target_s,
        output_tokens_per_s_target=workload.output_tokens_per_s_target,
        weights_gb=workload.weights_gb,
    )
    if workload.input_tokens + workload.output_tokens <= 0:
        raise ValueError("a request needs input or output tokens")
    weights = weights_memory(model, workload.precision, workload.weights_gb)
    sequence = kv_cache_per_sequence(
        model, kv_precision(workload.precision, a), workload.input_tokens + workload.output_tokens
    )
    need = Figure(
        "memory for weights and one sequence",
        weights.value + sequence.value,
        "GB",
        "weights + KV cache of one full sequence",
        (weights, sequence),
    )
    by_memory = gpus_for_memory(need, accelerator, a)
    if by_memory.value > MAX_GPUS_PER_REPLICA and not workload.gpus_per_replica:
        raise DoesNotFit(
            f"does not fit: {_amount(need.value)} GB for the weights and one sequence of "
            f"{model.name} need {_amount(by_memory.value)} x {accelerator.name}, more than the "
            f"largest replica sized ({MAX_GPUS_PER_REPLICA:,} GPUs)"
        )
    if workload.measured_tokens_per_second:
        gpus, point, latency_bound = _measured_replica(workload), None, False
        measurement = given(
            "measured throughput",
            workload.measured_tokens_per_second,
            "tokens/s",
            workload.measured_source or "measured on the organization's own stack",
        )
        speed = Figure(
            "measured tokens/s per replica",
            measurement.value,
            "tokens/s",
            "as measured on a replica of this GPU type (replaces the engine's estimate)",
            (measurement,),
        )
        tokens = workload.output_tokens or workload.input_tokens
        requests_per_second = speed.value / tokens
        batch = stream = None
        binding: Constraint = "measured"
        capacity_how = "measured tokens/s per replica / tokens per request"
    else:
        gpus, point, latency_bound = _choose_replica(model, accelerator, workload, a, by_memory)
        speed, requests_per_second = point.tokens_per_second, point.requests_per_second
        batch, stream = point.batch, point.stream_tokens_per_second
        binding = "latency" if latency_bound else point.binding_constraint
        capacity_how = (
            "batch / (output tokens x decode step time + batch x input / prefill tokens/s)"
        )
    per_replica = Figure(
        "GPUs per replica",
        float(gpus),
        "GPUs",
        "as deployed"
        if workload.gpus_per_replica
        else "of the memory minimum doubled up to a node, the fewest GPUs at the peak load"
        " among those meeting the latency targets",
        (by_memory, speed),
    )
    peak_rps = given("requests per day", workload.requests_per_day, "requests/day")
    factor = given("peak factor", workload.peak_factor, "x")
    capacity = Figure(
        "requests per second per replica", requests_per_second, "requests/s", capacity_how, (speed,)
    )
    load = Figure(
        "replicas for peak load",
        float(math.ceil(peak_rps.value * factor.value / SECONDS_PER_DAY / capacity.value)),
        "replicas",
        "ceil(requests per day x peak factor / 86,400 / requests per second per replica)",
        (peak_rps, factor, capacity),
    )
    minimum = a.quantity("min_replicas", "replicas")
    replicas = Figure(
        "replicas",
        max(load.value, minimum.value),
        "replicas",
        "max(replicas for peak load, minimum replicas)",
        (load, minimum),
    )
    average_rps = workload.requests_per_day / SECONDS_PER_DAY
    served = replicas.value * requests_per_second
    return SizingResult(
        gpus_per_replica=per_replica,
        replicas=replicas,
        total_gpus=Figure(
            "total GPUs",
            replicas.value * gpus,
            "GPUs",
            "replicas x GPUs per replica",
            (replicas, per_replica),
        ),
        utilization=Figure(
            "utilization",
            average_rps / served if served else 0.0,
            "fraction",
            "requests per day / 86,400 / (replicas x requests per second per replica)",
            (peak_rps, replicas, capacity),
        ),
        tokens_per_second=speed,
        binding_constraint=binding,
        figures=tuple(
            f for f in (weights, sequence, need, by_memory, batch, stream, capacity) if f
        ),
    )


def _measured_replica(workload: InferenceWorkload) -> int:
    """The replica a measurement was taken on: as deployed, one GPU unless stated."""
    return int(workload.gpus_per_replica or 1)


def training_gpu_hours(
    model: ModelArchitecture,
    accelerator: Accelerator,
    tokens: float,
    precision: str,
    assumptions: SizingAssumptions | None = None,
    lora: bool = False,
) -> Figure:
    """GPU-hours to train on ``tokens``: 6 x active parameters x tokens / (BF16 peak x MFU).

    MFU is quoted of the dense BF16 peak (as published for large runs); a run computing in
    FP8 or FP4 is credited only the stated low-precision speedup, never the doubled peak with
    the same MFU."""
    a = assumptions or ENGINE_PROFILES["tuned_server"]
    active = given("active parameters", model.active_b * 1e9, "parameters")
    count = given("training tokens", tokens, "tokens")
    peak = accelerator.dense_tflops("bf16")
    mfu = a.quantity("mfu")
    inputs: tuple[Quantity | Figure, ...] = (active, count, peak, mfu)
    share, formula = 1.0, "6 x active parameters x tokens / (dense BF16 peak x MFU x 3600)"
    if COMPUTE_PRECISION.get(precision.lower()) in ("fp8", "fp4"):
        speedup = a.quantity("low_precision_training_speedup", "x")
        share, inputs = 1 / speedup.value, (*inputs, speedup)
        formula = formula.replace("x 3600)", "x low-precision speedup x 3600)")
    if lora:
        fraction = a.quantity("lora_compute_fraction")
        share, formula, inputs = share * fraction.value, "LoRA fraction x " + formula, (
            *inputs, fraction)  # fmt: skip
    hours = share * 6 * active.value * tokens / (peak.value * 1e12 * mfu.value * 3600)
    return Figure("training GPU-hours", hours, "GPU-hours", formula, inputs)


def size_training(
    model: ModelArchitecture,
    accelerator: Accelerator,
    tokens_per_month: float,
    precision: str = "bf16",
    assumptions: SizingAssumptions | None = None,
    lora: bool = False,
) -> SizingResult:
    """GPUs to train ``tokens_per_month`` in a month: memory sets a replica, compute the count."""
    a = assumptions or ENGINE_PROFILES["tuned_server"]
    _require_finite(training_tokens_per_month=tokens_per_month)
    hours = training_gpu_hours(model, accelerator, tokens_per_month, precision, a, lora)
    # Full training holds 16 bytes per parameter (16-bit weights and gradients, FP32 master
    # weights and two Adam moments); LoRA holds the frozen weights and a small adapter.
    state = (
        (16.0, "mixed-precision Adam state")
        if not lora
        else (
            weights_memory(model, precision).value / model.params_b / 1e9 * 1.1,
            "frozen weights plus 10% for adapters and their optimiser state",
        )
    )
    params = given("parameters", model.params_b * 1e9, "parameters")
    per_param = default("training bytes per parameter", state[0], "bytes", state[1])
    need = Figure(
        "training state memory",
        params.value * per_param.value / GB,
        "GB",
        "parameters x bytes per parameter of training state",
        (params, per_param),
    )
    per_replica = gpus_for_memory(need, accelerator, a)
    month = a.quantity("hours_per_month", "hours")
    for_time = math.ceil(hours.value / month.value / per_replica.value)
    replicas = Figure(
        "replicas",
        float(max(for_time, 1 if tokens_per_month > 0 else 0)),
        "replicas",
        "ceil(GPU-hours / hours per month / GPUs per replica)",
        (hours, month, per_replica),
    )
    total = replicas.value * per_replica.value
    return SizingResult(
        gpus_per_replica=per_replica,
        replicas=replicas,
        total_gpus=Figure(
            "total GPUs", total, "GPUs", "replicas x GPUs per replica", (replicas, per_replica)
        ),
        utilization=Figure(
            "utilization",
            hours.value / (total * month.value) if total else 0.0,
            "fraction",
            "GPU-hours / (total GPUs x hours per month)",
            (hours, month),
        ),
        tokens_per_second=Figure(
            "training tokens/s",
            tokens_per_month / (month.value * 3600),
            "tokens/s",
            "tokens per month / seconds per month",
            (given("tokens per month", tokens_per_month, "tokens"), month),
        ),
        # Memory binds when one replica, sized to hold the training state, is more than time needs.
        binding_constraint="memory" if hours.value < per_replica.value * month.value else "compute",
        figures=(hours, need),
    )


def size_gpu_hours(
    gpu_hours_per_month: float, peak_gpus: int, assumptions: SizingAssumptions | None = None
) -> SizingResult:
    """Non-LLM GPU work entered directly: GPU-hours per month and the peak GPUs it needs at once."""
    a = assumptions or ENGINE_PROFILES["tuned_server"]
    _require_finite(gpu_hours_per_month=gpu_hours_per_month, peak_gpus=peak_gpus)
    month = a.quantity("hours_per_month", "hours")
    hours = given("GPU-hours per month", gpu_hours_per_month, "GPU-hours")
    peak = given("peak GPUs", peak_gpus, "GPUs")
    total = float(max(peak_gpus, math.ceil(gpu_hours_per_month / month.value)))
    one = Figure("GPUs per replica", 1.0, "GPUs", "GPU work is counted one GPU at a time")
    count = Figure(
        "total GPUs",
        total,
        "GPUs",
        "max(peak GPUs, ceil(GPU-hours / hours per month))",
        (hours, peak, month),
    )
    return SizingResult(
        gpus_per_replica=one,
        replicas=Figure("replicas", total, "replicas", "one replica per GPU", (count,)),
        total_gpus=count,
        utilization=Figure(
            "utilization",
            gpu_hours_per_month / (total * month.value) if total else 0.0,
            "fraction",
            "GPU-hours / (total GPUs x hours per month)",
            (hours, count, month),
        ),
        tokens_per_second=Figure("tokens/s", 0.0, "tokens/s", "not a token workload"),
        binding_constraint="compute",
    )
