"""Load the sizing validation cases and run each through the engine (shared by tests and bench)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from costing.engine.architecture import (
    GB,
    ModelArchitecture,
    kv_cache_per_sequence,
    weights_memory,
)
from costing.engine.hardware import public_accelerators
from costing.engine.sizing import (
    InferenceWorkload,
    assumptions_for,
    decode_tokens_per_second,
    serving_throughput,
    training_gpu_hours,
)
from costing.scenario_workloads import scenario_model
from portal.models import ModelSpec
from portal.services.model_specs import public_rows

ROOT = Path(__file__).resolve().parents[3]
CASES_DIR = ROOT / "tests" / "costing" / "validation"
SIZING_KINDS = (
    "memory",
    "decode_throughput",
    "prefill_throughput",
    "serving_throughput",
    "training_gpu_hours",
)
THROUGHPUT_KINDS = ("decode_throughput", "prefill_throughput", "serving_throughput")
GIB = 2**30


def load_cases(kinds: tuple[str, ...] = SIZING_KINDS) -> list[dict]:
    """Every YAML case of the given kinds, in file-name order."""
    cases = [yaml.safe_load(path.read_text()) for path in sorted(CASES_DIR.glob("*.yaml"))]
    return [case for case in cases if case["kind"] in kinds]


@cache
def model_documents() -> dict[str, dict]:
    """The public open models as a run's scenario document carries them: the shipped seed rows,
    the spec each becomes, and the document's model made from the spec, keyed by name."""
    documents = {}
    for row in public_rows():
        spec = ModelSpec(**row)
        if spec.open_weights and spec.params_b is not None:
            documents[spec.name] = scenario_model(spec)
    return documents


@cache
def models() -> dict[str, ModelArchitecture]:
    """The engine's view of each shipped model, as a scenario builds it."""
    return {name: ModelArchitecture(**doc) for name, doc in model_documents().items()}


def find_model(text: str) -> ModelArchitecture:
    """The shipped model a case's model text names (the text may add a checkpoint name)."""
    head = re.split(r"[(]", text)[0].strip().lower()
    for name, model in models().items():
        short = re.split(r"[(]", name)[0].strip().lower()
        if head == short or head.startswith(short + " "):
            return model
    raise KeyError(f"no shipped model for {text!r}")


def accelerator(text: str):
    """The accelerator a case names; remarks in brackets ("RunPod; SXM vs PCIe...") are dropped."""
    return public_accelerators().find(re.sub(r"\s*\(.*?\)", "", text))


def _precision(text: str) -> str:
    text = text.lower()
    if "q4_0" in text:
        return "q4_0"
    for name in ("fp16", "bf16", "fp8", "int8", "int4", "fp4", "fp32"):
        if name in text:
            return name
    raise ValueError(f"unknown precision {text!r}")


def _file_gb(text: str) -> float:
    """A llama.cpp file size listed in GiB (the cases say so) as decimal GB."""
    return float(text.split()[0]) * GIB / GB


def _memory(inputs: dict, expected: dict) -> float:
    model = find_model(inputs["model"])
    if "tokens" in inputs:
        figure = kv_cache_per_sequence(model, inputs["kv_precision"], inputs["tokens"])
        total_gb = figure.value * inputs.get("batch", 1)
    else:
        total_gb = weights_memory(model, inputs["precision"]).value
    unit = expected["unit"]
    if unit.startswith("KB"):
        return total_gb * GB / 1e3
    return total_gb * GB / GIB if unit.startswith("GiB") else total_gb


def _profile(inputs: dict) -> str:
    return "llama_cpp" if "llama.cpp" in inputs.get("serving_engine", "") else "tuned_server"


def run_case(case: dict) -> tuple[float, float, str]:
    """The engine's estimate for one case, the published value and its unit."""
    inputs, expected = case["inputs"], case["expected"]
    assumed = case.get("inputs_assumed") or {}
    kind = case["kind"]
    if kind == "memory":
        return _memory(inputs, expected), expected["value"], expected["unit"]
    gpu = accelerator(inputs["gpu"])
    if kind == "training_gpu_hours":
        model = find_model(inputs["model"])
        overrides = {"mfu": inputs.get("mfu", assumed.get("mfu"))}
        a = assumptions_for(**{k: v for k, v in overrides.items() if v is not None})
        figure = training_gpu_hours(model, gpu, inputs["training_tokens"], inputs["precision"], a)
        return figure.value, expected["value"], expected["unit"]
    model = find_model(inputs["model"])
    precision = _precision(inputs["precision"])
    a = assumptions_for(_profile(inputs))
    gpus = int(inputs.get("gpu_count", 1))
    if kind == "decode_throughput":
        workload = InferenceWorkload(
            precision=precision,
            input_tokens=0,
            # "generation runs up to ~1024 tokens": the KV cache grows to that length.
            output_tokens=float(re.findall(r"~(\d+)", inputs.get("output_tokens", "~0"))[0]),
            weights_gb=_file_gb(inputs["weights_file_size"]),
        )
        figure = decode_tokens_per_second(model, gpu, workload, a, gpus, inputs.get("batch", 1))
        return figure.value, expected["value"], expected["unit"]
    workload = InferenceWorkload(
        precision=precision,
        input_tokens=inputs["input_tokens"],
        output_tokens=inputs["output_tokens"],
    )
    point = serving_throughput(model, gpu, workload, a, gpus)
    return point.tokens_per_second.value, expected["value"], expected["unit"]


def relative_error(estimate: float, expected: float) -> float:
    return abs(estimate - expected) / expected


def within(case: dict, estimate: float, expected: float) -> bool:
    """The case's own test: relative band, or a lower bound for ``comparison: at_least``."""
    tolerance = case["tolerance"]["relative"]
    if case["expected"].get("comparison") == "at_least":
        return estimate >= expected * (1 - tolerance)
    return relative_error(estimate, expected) <= tolerance
