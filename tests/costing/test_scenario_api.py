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
    the four transcription rows (Groq's 0.04 USD an audio hour as 0.04 / 60 a minute), never
    ElevenLabs' speech synthesis "per minute"; the transcription workload's 108,000 minutes,
    held in the EU, cost 324 USD a month at Mistral's voxtral-mini (0.003 USD a minute, EU
    processing at list price): Groq publishes no regional price, and OpenAI's whisper-1 bills
    648 USD."""
    document = scenario_document_for(organization=demo, options=["managed_api"])

    per_minute = {
        (offer["provider"], offer["model"]): offer["per_audio_minute"]["amount"]
        for offer in document["offers"]["api"]
        if offer.get("per_audio_minute")
    }
    assert per_minute == pytest.approx({
        ("OpenAI", "whisper-1 (transcription)"): 0.006,
        ("OpenAI", "gpt-realtime-whisper (streaming STT)"): 0.017,
        ("Mistral AI", "voxtral-mini (transcription)"): 0.003,
        ("Groq", "whisper-large-v3-turbo"): 0.04 / 60,
    })  # fmt: skip
    offer, bill = priced(document, "NL-STT-03")
    assert (offer.provider, offer.model) == ("Mistral AI", "voxtral-mini (transcription)")
    in_usd = bill.inputs[0]
    assert (in_usd.value, in_usd.unit) == (pytest.approx(324.0), "USD")
    assert bill.unit == "EUR/month"


def test_the_llama_3_3_70b_chat_is_priced_at_the_cheapest_offer_serving_that_model(demo):
    """GIVEN the demo's staff assistant on Llama 3.3 70B (1,400 requests a day of 1,800 input
    and 350 output tokens), its data no longer held in the EU WHEN the document is built THEN
    the resolver records the two offers serving that model under their own names, and the
    engine bills Groq's llama-3.3-70b-versatile (0.59 / 0.79 USD per 1M, no cached price, so
    the cached third at the input price): (1,800 x 0.59 + 350 x 0.79) / 1e6 = 0.0013385 USD a
    request, 56.998 USD a month; Fireworks' 0.90 / 0.90 would bill 82.40."""
    Workload.objects.for_organization(demo).filter(external_id="NL-CHAT-04").update(
        residency_requirement=Residency.NONE
    )
    document = scenario_document_for(organization=demo, options=["managed_api"])

    chat = next(row for row in document["workloads"] if row["id"] == "NL-CHAT-04")
    assert chat["api_models"] == ["llama-3.3-70b-versatile", "llama-v3p3-70b-instruct"]
    offer, bill = priced(document, "NL-CHAT-04")
    assert (offer.provider, offer.model) == ("Groq", "llama-3.3-70b-versatile")
    assert bill.inputs[0].value == pytest.approx(1400 * 365 / 12 * 0.0013385)
    assert "no cached price: input price used" in bill.inputs[0].formula


def test_work_held_in_the_eu_is_not_priced_at_a_us_offers_list_price(demo):
    """The same chat held in the EU, as the demo states it: neither US provider publishes a
    price for processing kept in a region, so the option is missing and names both."""
    document = scenario_document_for(organization=demo, options=["managed_api"])

    with pytest.raises(Missing) as missing:
        priced(document, "NL-CHAT-04")
    assert "Groq llama-3.3-70b-versatile publishes no price" in missing.value.why
    assert "Fireworks AI llama-v3p3-70b-instruct publishes no price" in missing.value.why


def test_a_model_no_offer_serves_stays_missing_with_the_reason(demo):
    """Llama 3.1 8B (the tagging batch) has no offer in the catalog; Llama 3.1 70B (the contract
    search, sized at BF16) has only Together's FP8 "Turbo", passed over and named."""
    document = scenario_document_for(organization=demo, options=["managed_api"])
    rows = {row["id"]: row for row in document["workloads"]}
    assert "api_models" not in rows["NL-TAG-09"] and "api_models" not in rows["NL-RAG-05"]

    with pytest.raises(Missing) as tagging:
        priced(document, "NL-TAG-09")
    assert tagging.value.why == "no API offer for 'Llama 3.1 8B' or a named equivalent"
    with pytest.raises(Missing) as search:
        priced(document, "NL-RAG-05")
    assert search.value.why == (
        "no API offer for 'Llama 3.1 70B' or a named equivalent; passed over: Together AI "
        "Meta-Llama-3.1-70B-Instruct-Turbo serves it in fp8, below the workload's bf16"
    )
    outcome = evaluate(load_scenario(document)).workloads
    search_api = next(w for w in outcome if w.id == "NL-RAG-05").options["managed_api"]
    assert "serves it in fp8" in search_api.reason


def test_storyboard_images_are_billed_by_the_image(demo):
    """37,800 images a month at OpenAI's dall-e-2 1024x1024 (0.02 USD an image, the cheapest of
    the three per-image offers): 756 USD a month."""
    document = scenario_document_for(organization=demo, options=["managed_api"])

    offer, bill = priced(document, "NL-IMG-07")
    assert (offer.provider, offer.model) == ("OpenAI", "dall-e-2 1024x1024")
    assert bill.inputs[0].value == pytest.approx(756.0)
    assert bill.inputs[0].formula == "images x price per image"
