"""Managed APIs priced as they bill, through the run's own path: the demo's inventory and the
shipped catalog, built into a scenario document (scenario_build) and priced by the engine."""

from __future__ import annotations

import pytest

from costing.engine.evaluate import evaluate
from costing.engine.offers import Missing
from costing.engine.options import cheapest_api
from costing.engine.scenario import load_scenario
from costing.scenarios import scenario_document_for
from costing.services import public_catalog_load
from portal.models import Workload
from portal.models.workload import Residency
from portal.services.demo import demo_organization_load


@pytest.fixture
def demo(db):
    public_catalog_load()
    return demo_organization_load(username="claire", password="demo-pass-1234")


def priced(document: dict, workload_id: str):
    """The engine's cheapest permitted API offer for one workload of the document, and its bill
    for a month in the reporting currency (the bill in the offer's currency is its first input)."""
    scenario = load_scenario(document)
    workload = next(w for w in scenario.workloads if w.id == workload_id)
    return cheapest_api(workload, scenario)


def test_transcription_is_billed_by_the_minute_by_transcription_offers_only(demo):
    """GIVEN the shipped catalog WHEN the demo's document is built THEN the per-minute offers are
    the four transcription rows of api_offers.csv (Groq's 0.04 USD an audio hour as 0.04 / 60 a
    minute) and Mistral's twelve voxtral transcription entries of the shipped LiteLLM subset
    (per second x 60: voxtral-mini-2602 5e-05 x 60 = 0.003), never ElevenLabs' speech synthesis
    "per minute"; the transcription workload's 108,000 minutes, held in the EU, cost 324 USD a
    month at Mistral's 0.003 USD a minute (EU processing at list price): Groq publishes no
    regional price, and OpenAI's whisper-1 bills 648 USD."""
    document = scenario_document_for(organization=demo, options=["managed_api"])

    per_minute = {
        (offer["provider"], offer["model"]): offer["per_audio_minute"]["amount"]
        for offer in document["offers"]["api"]
        if offer.get("per_audio_minute")
    }
    shipped = {key: price for key, price in per_minute.items() if key[1].startswith("mistral/")}
    assert {key: per_minute[key] for key in per_minute.keys() - shipped.keys()} == pytest.approx({
        ("OpenAI", "whisper-1 (transcription)"): 0.006,
        ("OpenAI", "gpt-realtime-whisper (streaming STT)"): 0.017,
        ("Mistral AI", "voxtral-mini (transcription)"): 0.003,
        ("Groq", "whisper-large-v3-turbo"): 0.04 / 60,
    })  # fmt: skip
    assert len(shipped) == 12 and {provider for provider, _ in shipped} == {"Mistral AI"}
    assert shipped[("Mistral AI", "mistral/voxtral-mini-2602")] == pytest.approx(0.003)
    assert min(shipped.values()) == pytest.approx(0.003)
    offer, bill = priced(document, "NL-STT-03")
    assert offer.provider == "Mistral AI" and offer.per_audio_minute.amount == 0.003
    in_usd = bill.inputs[0]
    assert (in_usd.value, in_usd.unit) == (pytest.approx(324.0), "USD")
    assert bill.unit == "EUR/month"


def test_the_llama_3_3_70b_chat_is_priced_at_the_cheapest_offer_serving_that_model(demo):
    """GIVEN the demo's staff assistant on Llama 3.3 70B (1,400 requests a day of 1,800 input
    and 350 output tokens), its data no longer held in the EU WHEN the document is built THEN
    the resolver records the five offers serving that model under their own names, and the
    engine bills Nebius's (0.13 / 0.40 USD per 1M in the shipped LiteLLM subset, no cached
    price, so the cached third at the input price): (1,800 x 0.13 + 350 x 0.40) / 1e6 =
    0.000374 USD a request, 15.93 USD a month; Groq's 0.59 / 0.79 would bill 57.00."""
    Workload.objects.for_organization(demo).filter(external_id="NL-CHAT-04").update(
        residency_requirement=Residency.NONE
    )
    document = scenario_document_for(organization=demo, options=["managed_api"])

    chat = next(row for row in document["workloads"] if row["id"] == "NL-CHAT-04")
    assert chat["api_models"] == [
        "llama-3.3-70b-versatile",
        "llama-v3p3-70b-instruct",
        "nebius/meta-llama/Llama-3.3-70B-Instruct",
        "ovhcloud/Meta-Llama-3_3-70B-Instruct",
        "scaleway/meta/llama-3.3-70b-instruct",
    ]
    offer, bill = priced(document, "NL-CHAT-04")
    assert (offer.provider, offer.model) == ("Nebius", "nebius/meta-llama/Llama-3.3-70B-Instruct")
    assert bill.inputs[0].value == pytest.approx(1400 * 365 / 12 * 0.000374)
    assert "no cached price: input price used" in bill.inputs[0].formula


def test_work_held_in_the_eu_is_not_priced_at_a_us_offers_list_price(demo):
    """The same chat held in the EU, as the demo states it: neither US provider nor Nebius
    publishes a price for processing kept in a region, so none prices it; OVHcloud's list price
    processes in France (uplift 0): (1,800 + 350) x 0.67 / 1e6 = 0.0014405 USD a request,
    61.34 USD a month (Scaleway's 0.90 would bill 82.40)."""
    document = scenario_document_for(organization=demo, options=["managed_api"])

    offer, bill = priced(document, "NL-CHAT-04")
    assert (offer.provider, offer.model) == ("OVHcloud", "ovhcloud/Meta-Llama-3_3-70B-Instruct")
    assert bill.inputs[0].value == pytest.approx(1400 * 365 / 12 * 0.0014405)
    for region in ("Groq", "Fireworks AI", "Nebius"):
        offers = [o for o in document["offers"]["api"] if o["provider"] == region]
        assert offers and all(o["regional_uplift_pct"] is None for o in offers), region


def test_a_model_no_offer_serves_stays_missing_with_the_reason(demo):
    """bge-large-en-v1.5 (the archive embeddings) has no offer in the catalog; Llama 3.1 70B
    (the contract search, sized at BF16) is served by Nebius and OVHcloud as published, and
    Together's FP8 "Turbo" is passed over and named."""
    document = scenario_document_for(organization=demo, options=["managed_api"])
    rows = {row["id"]: row for row in document["workloads"]}
    assert "api_models" not in rows["NL-EMB-08"]

    with pytest.raises(Missing) as embeddings:
        priced(document, "NL-EMB-08")
    assert embeddings.value.why == (
        "no API offer for 'bge-large-en-v1.5 (embedding)' or a named equivalent"
    )
    assert rows["NL-RAG-05"]["api_models"] == [
        "nebius/meta-llama/Meta-Llama-3.1-70B-Instruct",
        "ovhcloud/Meta-Llama-3_1-70B-Instruct",
    ]
    assert rows["NL-RAG-05"]["api_passed_over"] == [
        "Together AI Meta-Llama-3.1-70B-Instruct-Turbo serves it in fp8, below the workload's bf16"
    ]
    outcome = evaluate(load_scenario(document)).workloads
    embeddings_api = next(w for w in outcome if w.id == "NL-EMB-08").options["managed_api"]
    assert "no API offer" in embeddings_api.reason


def test_storyboard_images_are_billed_by_the_image(demo):
    """37,800 images a month at OpenAI's dall-e-2 1024x1024 (0.02 USD an image, the cheapest of
    the three per-image offers): 756 USD a month."""
    document = scenario_document_for(organization=demo, options=["managed_api"])

    offer, bill = priced(document, "NL-IMG-07")
    assert (offer.provider, offer.model) == ("OpenAI", "dall-e-2 1024x1024")
    assert bill.inputs[0].value == pytest.approx(756.0)
    assert bill.inputs[0].formula == "images x price per image"
