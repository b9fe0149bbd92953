"""Load the sizing validation cases and run each through the engine (shared by tests and bench)."""

from __future__ import annotations

import csv
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
from costing.engine.hardware import find_accelerator, load_accelerators
from costing.engine.sizing import (
    InferenceWorkload,
    assumptions_for,
    decode_tokens_per_second,
    serving_throughput,
    training_gpu_hours,
)

ROOT = Path(__file__).resolve().parents[3]
CASES_DIR = ROOT / "tests" / "costing" / "validation"
MODELS_CSV = ROOT / "portal" / "fixtures" / "models.csv"
SIZING_KINDS = (
    "memory",
    "decode_throughput",
    "prefill_throughput",
    "serving_throughput",
    "training_gpu_hours",
)
THROUGHPUT_KINDS = ("decode_throughput", "prefill_throughput", "serving_throughput")
GIB = 2**30

# Geometry models.csv leaves blank, from the models' published configs: Llama 2 (paper, table 1:
# 7B is multi-head with 32 KV heads, 70B uses 8), Llama 4 Maverick (HF config.json: 48 layers,
# 8 KV heads x 128, 128 routed experts, one per token).
EXTRA_GEOMETRY = {
    "Llama 2 7B": {"layers": 32, "kv_heads": 32, "head_dim": 128, "hidden_size": 4096},
    "Llama 2 70B": {"layers": 80, "kv_heads": 8, "head_dim": 128, "hidden_size": 8192},
    "Llama 4 Maverick (17Bx128E)": {
        "layers": 48,
        "kv_heads": 8,
        "head_dim": 128,
        "hidden_size": 5120,
        "experts": 128,
        "experts_per_token": 1,
    },
}
# Expert counts from the models.csv notes (not separate columns there).
EXPERTS = {"Qwen3-235B-A22B (MoE)": (128, 8), "Qwen3-30B-A3B (MoE)": (128, 8)}


def load_cases(kinds: tuple[str, ...] = SIZING_KINDS) -> list[dict]:
    """Every YAML case of the given kinds, in file-name order."""
    cases = [yaml.safe_load(path.read_text()) for path in sorted(CASES_DIR.glob("*.yaml"))]
    return [case for case in cases if case["kind"] in kinds]


def _int(text: str) -> int:
    return int(text) if text.strip() else 0


@cache
def models() -> dict[str, ModelArchitecture]:
    """models.csv rows as architectures, keyed by their name there."""
    result = {}
    with MODELS_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row["params_b"]:
                continue
            fields = {
                "layers": _int(row["layers"]),
                "kv_heads": _int(row["kv_heads"]),
                "head_dim": _int(row["head_dim"]),
                "hidden_size": _int(row["hidden_size"]),
                **EXTRA_GEOMETRY.get(row["model"], {}),
            }
            if row["model"] in EXPERTS:
                fields["experts"], fields["experts_per_token"] = EXPERTS[row["model"]]
            result[row["model"]] = ModelArchitecture(
                name=row["model"],
                params_b=float(row["params_b"]),
                active_params_b=float(row["active_params_b"] or row["params_b"]),
                context_tokens=_int(row["context_tokens"]),
                **fields,
            )
    return result


def find_model(text: str) -> ModelArchitecture:
    """The models.csv row a case's model text names (the text may add a checkpoint name)."""
    head = re.split(r"[(]", text)[0].strip().lower()
    for name, model in models().items():
        short = re.split(r"[(]", name)[0].strip().lower()
        if head == short or head.startswith(short + " "):
            return model
    raise KeyError(f"no model in models.csv for {text!r}")


def accelerator(text: str):
    """The accelerator a case names; remarks in brackets ("RunPod; SXM vs PCIe...") are dropped."""
    return find_accelerator(re.sub(r"\s*\(.*?\)", "", text), load_accelerators())


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
    if "tokens" in inputs:
        model = ModelArchitecture(
            name=inputs["model"],
            params_b=0,
            layers=inputs["layers"],
            kv_heads=inputs["kv_heads"],
            head_dim=inputs["head_dim"],
        )
        figure = kv_cache_per_sequence(model, inputs["kv_precision"], inputs["tokens"])
        total_gb = figure.value * inputs.get("batch", 1)
    else:
        model = ModelArchitecture(name=inputs["model"], params_b=inputs["params_b"])
        total_gb = weights_memory(model, inputs["precision"]).value
    return total_gb * GB / GIB if expected["unit"].startswith("GiB") else total_gb


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
