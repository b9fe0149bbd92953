"""The one resolver from a model to the API names serving it: the shipped catalog's names and
the names providers use for the same weights match; another version, size or model never does."""

from __future__ import annotations

import csv

import pytest

from costing.engine.api_models import ApiMatch, ApiModels, ServedName
from costing.engine.hardware import DEFAULT_PATH

API_OFFERS_CSV = DEFAULT_PATH.parent / "api_offers.csv"


@pytest.fixture(scope="module")
def shipped() -> ApiModels:
    """Every (provider, model) of the shipped API catalog."""
    with API_OFFERS_CSV.open(newline="", encoding="utf-8") as handle:
        return ApiModels((row["provider"], row["model"]) for row in csv.DictReader(handle))


def test_llama_3_3_70b_is_served_under_fireworks_and_groqs_names(shipped):
    found = shipped.serving("Llama 3.3 70B", "fp8")
    assert found.offers == (
        ("Fireworks AI", "llama-v3p3-70b-instruct"),
        ("Groq", "llama-3.3-70b-versatile"),
    )
    assert found.models == ("llama-3.3-70b-versatile", "llama-v3p3-70b-instruct")
    assert found.passed_over == ()


@pytest.mark.parametrize(
    "name",
    [
        "Meta-Llama-3_3-70B-Instruct",  # OVHcloud AI Endpoints
        "meta-llama/Llama-3.3-70B-Instruct",  # Hugging Face path, as Nebius and Scaleway list it
        "accounts/fireworks/models/llama-v3p3-70b-instruct",  # Fireworks' full model path
        "llama3.3-70b-instruct",
    ],
)
def test_each_providers_spelling_of_one_model_reads_the_same(name):
    assert ServedName.of(name) == ServedName.of("Llama 3.3 70B")


@pytest.mark.parametrize(
    ("model", "offer"),
    [
        ("Llama 3.1 70B", "llama-v3p3-70b-instruct"),  # 3.1 is not 3.3
        ("Llama 3.3 70B", "Meta-Llama-3.1-70B-Instruct-Turbo"),
        ("Llama 3.1 8B", "Meta-Llama-3.1-70B-Instruct-Turbo"),  # 8B is not 70B
        ("Llama 3.1 70B", "llama3-70b-8192"),  # Groq's Llama 3 (April 2024) with an 8K context
        ("Whisper large-v3", "whisper-large-v3-turbo"),  # 4 decoder layers against 32
        ("Llama 3.1 70B", "llama-v3p1-nemotron-70b-instruct"),  # NVIDIA's fine-tune of it
        ("Llama 3.3 70B", "deepseek-llama3.3-70b"),  # DeepSeek's distillation onto it
        ("gpt-4o", "gpt-4o-mini"),
        ("gpt-4o", "gpt-4o (2024-05-13 launch)"),  # another snapshot, priced apart
        ("Mistral Large 2 (2407)", "mistral-large (2024 v1)"),
    ],
)
def test_another_version_size_or_model_never_matches(model, offer):
    assert ApiModels([("Provider", offer)]).serving(model, "bf16").offers == ()


def test_mistral_large_2_and_azures_list_price_deployment_are_their_models(shipped):
    assert shipped.serving("Mistral Large 2 (2407)").models == ("mistral-large-2407 (Large 2)",)
    assert shipped.serving("gpt-4o").offers == (
        ("OpenAI", "gpt-4o"),
        ("Azure OpenAI (Microsoft)", "gpt-4o (Global Standard)"),
    )


def test_fp8_serving_is_the_same_model_only_for_work_at_fp8_or_below(shipped):
    """Together's "-Instruct-Turbo" serves the weights in FP8: the same service as a workload
    sized at FP8 or INT4, a cheaper one than a BF16 workload asks for, passed over with why."""
    turbo = ("Together AI", "Meta-Llama-3.1-70B-Instruct-Turbo")
    assert ServedName.of(turbo[1]).precision == "fp8"
    assert shipped.serving("Llama 3.1 70B", "fp8").offers == (turbo,)
    assert shipped.serving("Llama 3.1 70B", "int4").offers == (turbo,)
    bf16 = shipped.serving("Llama 3.1 70B", "bf16")
    assert bf16.offers == ()
    assert bf16.passed_over == (
        "Together AI Meta-Llama-3.1-70B-Instruct-Turbo serves it in fp8, below the workload's bf16",
    )


@pytest.mark.parametrize(
    "name",
    ["Llama-3.3-70B-Instruct-FP8", "llama-3.3-70b-instruct-fp8-fast", "Llama-3.3-70B-int4"],
)
def test_a_precision_stated_in_the_name_is_read_as_one(name):
    """ "-FP8" is the precision the API serves the weights in, not the words "fp" and "8" (which
    would make it another model, never served)."""
    precision = "int4" if "int4" in name else "fp8"
    words = {"llama", "3.3", "70b"} | ({"fast"} if "fast" in name else set())
    assert ServedName.of(name) == ServedName(frozenset(words), precision)
    offers = [("Provider", name)]
    if "fast" not in name:  # a serving tier the reading does not know stays another model
        assert ApiModels(offers).serving("Llama 3.3 70B", precision).offers == tuple(offers)
        assert ApiModels(offers).serving("Llama 3.3 70B", "bf16").passed_over


def test_models_the_catalog_does_not_serve_find_nothing(shipped):
    for model in ("Llama 3.1 8B", "bge-large-en-v1.5 (embedding)", "Qwen2.5 72B"):
        assert shipped.serving(model, "bf16") == ApiMatch()
