"""The shipped public models: every open one sizes, from its published config, as a run sees it."""

from __future__ import annotations

import pytest

from costing.engine.architecture import (
    ModelArchitecture,
    architecture_problems,
    kv_cache_bytes_per_token,
    weights_memory,
)
from costing.scenario_workloads import scenario_model
from portal.models import ModelSpec
from portal.services.model_specs import model_specs_seed_public


@pytest.fixture
def public(db) -> dict[str, ModelArchitecture]:
    created, updated = model_specs_seed_public()
    assert (created, updated) == (ModelSpec.objects.public().count(), 0)
    assert model_specs_seed_public() == (0, created)  # a second run refreshes, never duplicates
    return {
        spec.name: ModelArchitecture(**scenario_model(spec))
        for spec in ModelSpec.objects.public().filter(open_weights=True)
    }


def test_every_open_public_model_can_be_sized(public):
    assert len(public) == 31
    assert {name: architecture_problems(model) for name, model in public.items()} == {
        name: [] for name in public
    }


def test_mla_models_cache_the_latent(public):
    """ISCA '25 "Insights into DeepSeek-V3", table 1 (BF16): DeepSeek-V3 70.272 KB per token,
    Qwen-2.5 72B 327.680 KB, Llama-3.1 405B 516.096 KB."""
    assert kv_cache_bytes_per_token(public["DeepSeek-V3"], "bf16").value == 70_272
    assert kv_cache_bytes_per_token(public["DeepSeek-R1"], "bf16").value == 70_272
    assert kv_cache_bytes_per_token(public["Qwen2.5 72B"], "bf16").value == 327_680
    assert kv_cache_bytes_per_token(public["Llama 3.1 405B"], "bf16").value == 516_096


def test_mixed_precision_experts_come_from_the_shipped_rows(public):
    """gpt-oss model card, table 1: checkpoints of 60.8 GiB (120b) and 12.8 GiB (20b) with the
    experts in MXFP4 and the rest in BF16."""
    gib = 2**30 / 1e9
    assert weights_memory(public["gpt-oss-120b"], "bf16").value / gib == pytest.approx(60.8, 0.005)
    assert weights_memory(public["gpt-oss-20b"], "bf16").value / gib == pytest.approx(12.8, 0.005)


def test_windowed_and_expert_geometry_reaches_the_engine(public):
    gemma = public["Gemma 3 27B"]
    assert (gemma.sliding_window_tokens, gemma.sliding_window_layers, gemma.layers) == (
        1024,
        52,
        62,
    )
    maverick = public["Llama 4 Maverick (17Bx128E)"]
    assert (maverick.experts, maverick.experts_per_token, maverick.shared_experts) == (128, 1, 1)
    assert maverick.routed_expert_params_b == pytest.approx(386.547)
