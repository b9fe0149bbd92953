"""Sizing: worked examples with published figures, properties, and the edge cases."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costing.engine.architecture import (
    ModelArchitecture,
    bytes_per_parameter,
    kv_cache_bytes_per_token,
    kv_cache_per_sequence,
    weights_memory,
    weights_read_per_step,
)
from costing.engine.hardware import Accelerator, public_accelerators
from costing.engine.sizing import (
    DoesNotFit,
    InferenceWorkload,
    assumptions_for,
    decode_tokens_per_second,
    prefill_tokens_per_second,
    size_gpu_hours,
    size_inference,
    size_training,
    training_gpu_hours,
)
from tests.timing import finishes_within

GPUS = public_accelerators()
H100 = GPUS["NVIDIA H100 SXM"]
A100 = GPUS["NVIDIA A100 80GB SXM"]
SERVER = assumptions_for("tuned_server")
# Geometry from portal/fixtures/models.csv (HF config copies cited there).
LLAMA_8B = ModelArchitecture("Llama 3.1 8B", 8, 8, layers=32, kv_heads=8, head_dim=128)
LLAMA_70B = ModelArchitecture("Llama 3.1 70B", 70, 70, layers=80, kv_heads=8, head_dim=128)
LLAMA_405B = ModelArchitecture("Llama 3.1 405B", 405, 405, layers=126, kv_heads=8, head_dim=128)
DEEPSEEK_V3 = ModelArchitecture(
    "DeepSeek-V3", 671, 37, layers=61, kv_heads=128, head_dim=128,
    mla_kv_lora_rank=512, mla_rope_head_dim=64, experts=256, experts_per_token=8,
)  # fmt: skip
CHAT = InferenceWorkload("fp8", input_tokens=1000, output_tokens=1000, requests_per_day=100_000)


# Worked examples ---------------------------------------------------------------------------


def test_weights_are_parameters_times_bytes():
    # Hugging Face Llama 3.1 post, inference memory table: 405B is 810 GB in FP16, 203 GB INT4.
    assert weights_memory(LLAMA_405B, "fp16").value == pytest.approx(810)
    assert weights_memory(LLAMA_405B, "int4").value == pytest.approx(202.5)


def test_q4_0_counts_the_block_scale():
    # llama.cpp Q4_0: 32 weights of 4 bits + one fp16 scale per block = 4.5 bits per weight.
    assert bytes_per_parameter("q4_0").value == pytest.approx(4.5 / 8)
    assert weights_memory(LLAMA_70B, "q4_0").value == pytest.approx(39.375)


def test_gqa_kv_cache_per_token_matches_the_published_table():
    # Hugging Face Llama 3.1 post: 8B at 128,000 tokens is 15.62 (GiB); 2x32x8x128x2 B per token.
    per_token = kv_cache_bytes_per_token(LLAMA_8B, "fp16")
    assert per_token.value == 131_072
    sequence = kv_cache_per_sequence(LLAMA_8B, "fp16", 128_000)
    assert sequence.value * 1e9 / 2**30 == pytest.approx(15.62, rel=0.001)


def test_mla_caches_the_latent_not_every_head():
    # DeepSeek-V3 config: kv_lora_rank 512 + qk_rope_head_dim 64 per layer; the generic formula
    # (2 x 128 heads x 128) would overstate it 57-fold (validation README, "MLA").
    per_token = kv_cache_bytes_per_token(DEEPSEEK_V3, "bf16")
    assert per_token.value == 61 * 576 * 2
    generic = kv_cache_bytes_per_token(replace(DEEPSEEK_V3, mla_kv_lora_rank=None), "bf16")
    assert generic.value / per_token.value == pytest.approx(32_768 / 576)


# gpt-oss-120b model card (OpenAI, 2025-08-05, table 1): 114.71B MLP (routed expert) parameters
# in MXFP4, the other 2.12B (attention 0.96B, embeddings 1.16B) in BF16; checkpoint 60.8 GiB.
GPT_OSS_120B = ModelArchitecture(
    "gpt-oss-120b", 116.83, 5.13, layers=36, kv_heads=8, head_dim=64,
    experts=128, experts_per_token=4, expert_params_b=114.71, expert_precision="mxfp4",
)  # fmt: skip


def test_mxfp4_counts_its_block_scale():
    # OCP MX spec: 32 FP4 elements share one 8-bit (E8M0) scale: 4 + 8/32 = 4.25 bits each.
    assert bytes_per_parameter("mxfp4").value == pytest.approx(4.25 / 8)
    assert bytes_per_parameter("nvfp4").value == pytest.approx(4.5 / 8)


def test_mixed_precision_experts_reproduce_the_published_checkpoint():
    """114.71e9 x 4.25/8 = 60.94 GB of experts + 2.12e9 x 2 = 4.24 GB of the rest = 65.18 GB
    = 60.70 GiB, against the card's 60.8 GiB (0.2% under)."""
    weights = weights_memory(GPT_OSS_120B, "bf16")
    assert weights.value == pytest.approx(65.18, abs=0.01)
    assert weights.value * 1e9 / 2**30 == pytest.approx(60.8, rel=0.005)
    # Serving in FP8 shrinks the BF16 part and keeps the experts in MXFP4 (never inflated).
    assert weights_memory(GPT_OSS_120B, "fp8").value == pytest.approx(60.94 + 2.12, abs=0.01)
    # Without the per-component format the whole model at BF16 would be 233.66 GB.
    uniform = replace(GPT_OSS_120B, expert_precision=None)
    assert weights_memory(uniform, "bf16").value == pytest.approx(233.66)


def test_routed_expert_parameters_follow_from_total_active_and_routing():
    """DeepSeek-V3: (671 - 37) / (1 - 8/256) = 654.45B in routed experts; the config's
    58 MoE layers x 256 experts x 3 x 7168 x 2048 = 653.85B agree within 0.1%."""
    assert DEEPSEEK_V3.routed_expert_params_b == pytest.approx(654.45, abs=0.01)
    assert DEEPSEEK_V3.routed_expert_params_b == pytest.approx(
        58 * 256 * 3 * 7168 * 2048 / 1e9, rel=0.001
    )
    assert LLAMA_70B.routed_expert_params_b is None


def test_a_decode_step_reads_the_dense_part_and_the_experts_tokens_use():
    """gpt-oss-120b at batch 1 in BF16: 4.24 GB of BF16 weights always, plus 4 of 128 experts
    (60.94 GB x 4/128 = 1.90 GB): 6.14 GB per step, not the active share of the total."""
    weights = weights_memory(GPT_OSS_120B, "bf16")
    read = weights_read_per_step(GPT_OSS_120B, weights, 1, "bf16")
    assert read.value == pytest.approx(4.24 + 60.94 * 4 / 128, abs=0.01)


def test_sliding_window_layers_stop_growing_at_the_window():
    # Gemma 2 9B (models.csv): 42 layers, half of them with a 4,096-token window.
    gemma = ModelArchitecture(
        "Gemma 2 9B", 9, layers=42, kv_heads=8, head_dim=256,
        sliding_window_tokens=4096, sliding_window_layers=21,
    )  # fmt: skip
    full = kv_cache_per_sequence(replace(gemma, sliding_window_layers=0), "bf16", 8192).value
    assert kv_cache_per_sequence(gemma, "bf16", 8192).value == pytest.approx(full * 0.75)


def test_decode_at_batch_one_is_bandwidth_over_weight_bytes():
    # Llama 2 7B f16 (12.63 GiB file) on an H100 PCIe (2.0 TB/s, gpus.csv): llama.cpp measured
    # 83.32 tok/s (XiongjieDai/GPU-Benchmarks-on-LLM-Inference); the roofline at 55% gives 81.
    llama_cpp = assumptions_for("llama_cpp")
    weights_gb = 12.63 * 2**30 / 1e9
    workload = InferenceWorkload("fp16", 0, 0, weights_gb=weights_gb)
    speed = decode_tokens_per_second(LLAMA_8B, GPUS["NVIDIA H100 PCIe"], workload, llama_cpp)
    assert speed.value == pytest.approx(0.55 * 2000 / weights_gb)
    assert speed.value == pytest.approx(83.32, rel=0.1)


def test_prefill_is_the_dense_peak_over_two_flops_per_parameter():
    # H100 SXM FP8 dense 1,979 TFLOPS (gpus.csv); 8B parameters; efficiency 0.5.
    speed = prefill_tokens_per_second(LLAMA_8B, H100, "fp8", SERVER)
    assert speed.value == pytest.approx(1979e12 * 0.5 / 16e9)


def test_training_llama31_405b_from_6nd():
    # Llama 3.1 model card: 30.84M H100-hours; 6 x 405e9 x 15.6e12 at 40% of 989.5 TFLOPS
    # gives 26.6M, 14% under, because the card also counts long-context and annealing stages.
    hours = training_gpu_hours(LLAMA_405B, H100, 15.6e12, "bf16", SERVER)
    assert hours.value == pytest.approx(6 * 405e9 * 15.6e12 / (989.5e12 * 0.4 * 3600))
    assert hours.value == pytest.approx(30.84e6, rel=0.2)


def test_lora_costs_two_thirds_of_full_fine_tuning():
    full = training_gpu_hours(LLAMA_8B, H100, 1e9, "bf16", SERVER)
    lora = training_gpu_hours(LLAMA_8B, H100, 1e9, "bf16", SERVER, lora=True)
    assert lora.value == pytest.approx(full.value * 2 / 3)
    assert "LoRA" in lora.formula


def test_70b_in_bf16_needs_two_h100_and_serves_best_on_more():
    # 140 GB of weights + one 2k-token sequence over 72 usable GB per GPU = 1.96 -> 2 GPUs;
    # two GPUs leave 4 GB of KV room, so wider replicas serve more tokens per GPU.
    result = size_inference(LLAMA_70B, H100, replace(CHAT, precision="bf16"))
    assert result.figure("GPUs per replica (memory)").value == 2
    assert result.gpus_per_replica.value > 2


def test_model_that_does_not_fit_one_node_spans_whole_nodes():
    # 810 GB of FP16 weights over 72 usable GB per H100 = 11.3 GPUs -> two 8-GPU nodes.
    result = size_inference(LLAMA_405B, H100, replace(CHAT, precision="fp16"))
    assert result.gpus_per_replica.value == 16
    assert result.total_gpus.value == result.replicas.value * 16


def test_zero_demand_keeps_the_stated_minimum():
    # Choice: load alone needs no replica; a workload that exists keeps min_replicas (default 1)
    # warm, and min_replicas=0 lets batch work scale to zero.
    idle = replace(CHAT, requests_per_day=0)
    kept = size_inference(LLAMA_8B, H100, idle)
    assert kept.replicas.value == 1
    assert kept.utilization.value == 0
    assert kept.replicas.inputs[0].value == 0  # replicas for peak load
    gone = size_inference(LLAMA_8B, H100, idle, assumptions_for(min_replicas=0))
    assert gone.replicas.value == 0
    assert gone.total_gpus.value == 0


def test_binding_constraints_are_named():
    decode_heavy = InferenceWorkload("fp8", 128, 2048, requests_per_day=1e6)
    assert size_inference(LLAMA_8B, H100, decode_heavy).binding_constraint == "bandwidth"
    prompt_heavy = InferenceWorkload("fp8", 8000, 10, requests_per_day=1e6)
    assert size_inference(LLAMA_8B, H100, prompt_heavy).binding_constraint == "compute"
    # 70B in BF16 deployed on two H100: 140 GB of weights leave room for a handful of sequences.
    tight = replace(decode_heavy, precision="bf16", gpus_per_replica=2)
    assert size_inference(LLAMA_70B, H100, tight).binding_constraint == "memory"


def test_per_user_speed_target_limits_the_batch():
    free = size_inference(LLAMA_70B, H100, CHAT)
    fast = size_inference(LLAMA_70B, H100, replace(CHAT, output_tokens_per_s_target=60))
    assert fast.binding_constraint == "latency"
    per_gpu = [r.tokens_per_second.value / r.gpus_per_replica.value for r in (fast, free)]
    assert per_gpu[0] < per_gpu[1]
    assert fast.total_gpus.value >= free.total_gpus.value
    assert fast.figure("decode tokens/s per stream").value >= 60


def test_ttft_target_adds_gpus_to_a_replica():
    long_prompt = replace(CHAT, input_tokens=100_000, ttft_target_s=2.0)
    result = size_inference(LLAMA_70B, A100, long_prompt)
    assert result.gpus_per_replica.value == 8
    assert result.binding_constraint == "latency"


def test_training_sizing_counts_gpus_for_the_month():
    # 1e12 tokens of Llama 3.1 8B a month at 40% MFU on H100: 6 x 8e9 x 1e12 / (989.5e12 x 0.4)
    # = 33,690 GPU-hours -> 47 GPUs for 730 h; full training state (16 B/param) needs 2 GPUs.
    result = size_training(LLAMA_8B, H100, 1e12)
    assert result.gpus_per_replica.value == 2
    assert result.total_gpus.value == 48
    assert result.binding_constraint == "compute"
    assert 0.9 < result.utilization.value <= 1


def test_gpu_hours_work_takes_its_peak():
    result = size_gpu_hours(1460, 4)
    assert result.total_gpus.value == 4
    assert result.utilization.value == pytest.approx(0.5)


# Bounds: absurd inputs end in "does not fit" or a domain error, never in an endless search ---


@pytest.mark.parametrize("field", ["input_tokens", "output_tokens"])
def test_a_sequence_no_replica_can_hold_does_not_fit_at_once(field):
    """GIVEN 1e300 tokens per request (the what-if that grew a replica for ever) WHEN sized
    THEN it does not fit, naming the largest replica sized, within a second."""
    absurd = replace(CHAT, **{field: 1e300})
    with finishes_within(1), pytest.raises(DoesNotFit) as refused:
        size_inference(LLAMA_70B, H100, absurd)
    message = str(refused.value)
    assert message.startswith("does not fit: 1.64e+296 GB for the weights and one sequence")
    assert message.endswith("more than the largest replica sized (1,024 GPUs)")


def test_kv_heads_copied_past_the_largest_replica_do_not_fit():
    """GIVEN one KV head, copied to every GPU of a node, and 6e8 tokens a request: 137 H100 by
    memory, 8 times the KV cache once copied WHEN sized THEN the search for room stops at the
    largest replica (1,024 GPUs) and says so."""
    one_kv_head = replace(LLAMA_8B, kv_heads=1)
    long = replace(CHAT, precision="bf16", input_tokens=6e8, output_tokens=0)
    with finishes_within(2), pytest.raises(DoesNotFit) as refused:
        size_inference(one_kv_head, H100, long)
    assert str(refused.value) == (
        "does not fit: no replica of up to 1,024 x NVIDIA H100 SXM leaves KV cache room for "
        "one sequence of 600,000,000 tokens of Llama 3.1 8B"
    )


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0])
@pytest.mark.parametrize("field", ["input_tokens", "requests_per_day", "peak_factor"])
def test_demand_that_is_not_a_finite_count_is_refused(field, value):
    with pytest.raises(ValueError, match=f"{field.replace('_', ' ')} must be a finite number"):
        size_inference(LLAMA_8B, H100, replace(CHAT, **{field: value}))


def test_training_and_gpu_hours_refuse_infinite_amounts():
    with pytest.raises(ValueError, match="training tokens per month must be a finite number"):
        size_training(LLAMA_8B, H100, float("inf"))
    with pytest.raises(ValueError, match="gpu hours per month must be a finite number"):
        size_gpu_hours(float("nan"), 1)


def test_a_node_wider_than_the_largest_replica_stops_the_doubling_there():
    """GIVEN a sizing override of a billion GPUs per node and a first-token target no replica
    meets WHEN sized THEN the largest candidate is the largest replica sized (1,024 GPUs),
    not a billion."""
    unreachable = replace(CHAT, ttft_target_s=1e-9)
    with finishes_within(2):
        result = size_inference(LLAMA_8B, H100, unreachable, assumptions_for(gpus_per_node=10**9))
    assert result.gpus_per_replica.value == 1024
    assert result.binding_constraint == "latency"


@pytest.mark.parametrize(
    "name",
    ["H100 SXM", "H100 SXM 80GB", "NVIDIA H100 SXM", "h100-80gb sxm", "SXM H100"],
)
def test_h100_names_in_the_data_and_the_cases(name):
    assert GPUS.find(name).name == "NVIDIA H100 SXM"


def test_a100_names_and_unknown_names():
    assert GPUS.find("A100 80GB SXM") is A100
    assert GPUS.find("A100-80GB") is A100
    # The H800 (DeepSeek's training and serving GPU) is shipped with its own 400 GB/s NVLink.
    assert GPUS.find("H800").interconnect_gb_s == 400
    with pytest.raises(KeyError, match="M2 Ultra"):
        GPUS.find("Apple M2 Ultra")


def test_reference_figures_carry_file_row_and_url():
    source = H100.bandwidth.source
    assert source.kind == "reference"
    assert source.reference == "gpus.csv line 4: NVIDIA H100 SXM"
    assert source.url.startswith("https://")


def test_custom_accelerator_without_tensor_figures_still_decodes():
    # Apple M2 Ultra: 192 GB unified memory, 800 GB/s (validation README, "Hardware names").
    m2 = Accelerator("Apple M2 Ultra", memory_gb=192, memory_bandwidth_tb_s=0.8)
    workload = InferenceWorkload("q4_0", 0, 128)
    speed = decode_tokens_per_second(LLAMA_70B, m2, workload, assumptions_for("llama_cpp"))
    assert 5 < speed.value < 15
    assert m2.bandwidth.source.kind == "input"
    with pytest.raises(ValueError, match="no dense tensor"):
        m2.dense_tflops("bf16")


def test_fp8_on_a100_computes_at_16_bit():
    assert A100.dense_tflops_by_precision["fp8"] is None
    assert A100.dense_tflops("fp8").name.endswith("dense bf16 peak")
    assert H100.dense_tflops_by_precision["fp16"] == 989.5


# Properties --------------------------------------------------------------------------------

tokens = st.integers(min_value=1, max_value=200_000)


@settings(max_examples=40, deadline=None)
@given(short=tokens, extra=st.integers(min_value=0, max_value=200_000))
def test_more_tokens_never_need_less_memory(short, extra):
    gemma = ModelArchitecture(
        "windowed", 9, layers=42, kv_heads=8, head_dim=256,
        sliding_window_tokens=4096, sliding_window_layers=21,
    )  # fmt: skip
    for model in (LLAMA_8B, gemma, DEEPSEEK_V3):
        less = kv_cache_per_sequence(model, "bf16", short).value
        assert kv_cache_per_sequence(model, "bf16", short + extra).value >= less
    fewer = size_inference(LLAMA_70B, H100, replace(CHAT, input_tokens=short))
    more = size_inference(LLAMA_70B, H100, replace(CHAT, input_tokens=short + extra))
    for name in ("memory for weights and one sequence", "GPUs per replica (memory)"):
        assert more.figure(name).value >= fewer.figure(name).value


@settings(max_examples=40, deadline=None)
@given(
    bandwidth=st.floats(min_value=0.1, max_value=10),
    factor=st.floats(min_value=1, max_value=4),
    batch=st.integers(min_value=1, max_value=512),
)
def test_more_bandwidth_never_lowers_decode_speed(bandwidth, factor, batch):
    slow = replace(H100, memory_bandwidth_tb_s=bandwidth)
    fast = replace(H100, memory_bandwidth_tb_s=bandwidth * factor)
    for model in (LLAMA_70B, DEEPSEEK_V3):
        before = decode_tokens_per_second(model, slow, CHAT, SERVER, 8, batch).value
        assert decode_tokens_per_second(model, fast, CHAT, SERVER, 8, batch).value >= before


@settings(max_examples=40, deadline=None)
@given(requests=st.floats(min_value=0, max_value=1e8), peak=st.floats(min_value=1, max_value=10))
def test_doubling_peak_load_never_lowers_replicas(requests, peak):
    workload = replace(CHAT, requests_per_day=requests, peak_factor=peak)
    once = size_inference(LLAMA_8B, H100, workload).replicas.value
    twice = size_inference(LLAMA_8B, H100, replace(workload, peak_factor=2 * peak))
    assert twice.replicas.value >= once


@settings(max_examples=40, deadline=None)
@given(params=st.floats(min_value=0.1, max_value=2000), k=st.floats(min_value=0.5, max_value=8))
def test_weights_scale_linearly_with_parameters(params, k):
    one = weights_memory(ModelArchitecture("m", params), "bf16").value
    assert weights_memory(ModelArchitecture("m", params * k), "bf16").value == pytest.approx(
        one * k
    )


@settings(max_examples=30, deadline=None)
@given(batch=st.integers(min_value=1, max_value=4096))
def test_moe_reads_active_weights_at_batch_one_and_approach_all_weights(batch):
    workload = InferenceWorkload("fp8", 0, 0)
    at_one = decode_tokens_per_second(DEEPSEEK_V3, H100, workload, SERVER, 8, 1).value
    dense = replace(DEEPSEEK_V3, active_params_b=671)
    at_batch = decode_tokens_per_second(DEEPSEEK_V3, H100, workload, SERVER, 8, batch).value
    assert at_batch <= at_one
    assert at_batch >= decode_tokens_per_second(dense, H100, workload, SERVER, 8, batch).value


def test_a_measured_throughput_replaces_the_estimate():
    """100,000 requests a day of 1,000 output tokens = 1.16 requests/s at peak factor 1. A
    replica of 2 H100s measured at 2,000 tokens/s serves 2 requests/s: one replica, 58% busy."""
    measured = replace(CHAT, measured_tokens_per_second=2_000, gpus_per_replica=2)
    result = size_inference(LLAMA_70B, H100, measured, SERVER)
    assert (result.gpus_per_replica.value, result.replicas.value) == (2, 1)
    assert result.binding_constraint == "measured"
    assert result.utilization.value == pytest.approx(100_000 / 86_400 / 2)
    assert result.tokens_per_second.name == "measured tokens/s per replica"
