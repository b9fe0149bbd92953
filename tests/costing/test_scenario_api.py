"""Managed APIs priced as they bill, through the run's own path: the demo's inventory and the
shipped catalog, built into a scenario document (scenario_build) and priced by the engine."""

from __future__ import annotations

import pytest

from costing.engine.options import cheapest_api
from costing.engine.scenario import load_scenario
from costing.scenarios import scenario_document_for
from costing.services import public_catalog_load
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
