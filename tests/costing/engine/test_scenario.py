"""Scenario documents: schema and meaning checks name the JSON path; the schema follows the code."""

from __future__ import annotations

import copy
import json
from dataclasses import fields
from pathlib import Path

import pytest

from costing.engine.architecture import ModelArchitecture
from costing.engine.cashflows import Drivers
from costing.engine.evaluate import evaluate
from costing.engine.scenario import (
    SCHEMA,
    UNCERTAIN_INPUTS,
    Assumptions,
    Financing,
    Offers,
    Scenario,
    ScenarioInvalid,
    ScenarioWorkload,
    load_scenario,
)

EXAMPLE = Path(__file__).resolve().parents[3] / "costing/engine/examples/media-house.json"


@pytest.fixture
def document() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def errors_of(document: dict) -> dict[str, str]:
    with pytest.raises(ScenarioInvalid) as caught:
        load_scenario(document)
    return dict(caught.value.errors)


def test_the_example_loads_into_frozen_dataclasses(document):
    scenario = load_scenario(document)
    assert len(scenario.workloads) == 12
    assert scenario.workloads[0].model == "Llama 3.3 70B"
    assert scenario.offers.servers[0].price.source.url.startswith("https://")
    assert scenario.uncertainty.seed == 42
    assert scenario.uncertainty.inputs["demand"].high == 1.8
    with pytest.raises(AttributeError):
        scenario.name = "changed"


def test_a_schema_error_names_the_json_path(document):
    document["workloads"][3]["peak_factor"] = 0.5
    assert "$.workloads[3].peak_factor" in errors_of(document)


def test_every_schema_error_is_reported_at_once(document):
    document["horizon_months"] = 0
    del document["workloads"][1]["kind"]
    document["offers"]["servers"][0]["price"]["currency"] = "dollars"
    found = errors_of(document)
    assert "$.horizon_months" in found
    assert "'kind' is a required property" in found["$.workloads[1]"]
    assert "$.offers.servers[0].price.currency" in found


def test_unknown_fields_are_refused(document):
    document["assumptions"]["discount"] = 0.1
    assert "$.assumptions" in errors_of(document)


def test_unknown_gpu_names_are_refused(document):
    document["offers"]["cloud_gpu"][2]["gpu"] = "Banana 9000"
    document["workloads"][6]["gpu_class"] = "Quantum X"
    found = errors_of(document)
    assert "unknown accelerator" in found["$.offers.cloud_gpu[2].gpu"]
    assert "$.workloads[6].gpu_class" in found


def test_a_model_known_only_by_its_api_is_priced_by_api_alone(document):
    """GIVEN a closed model (no architecture) offered by an API, in a document with every option
    WHEN it is evaluated THEN the self-hosted options are unavailable for it, saying why, and the
    managed API prices it."""
    document["workloads"][0]["model"] = "llama-3.3-70b-versatile"  # an API name only
    document["workloads"][0]["api_equivalent"] = ""
    result = evaluate(load_scenario(document))
    first = result.workloads[0]
    assert first.options["on_prem"].reason.startswith("llama-3.3-70b-versatile has no published")
    assert first.options["cloud_on_demand"].reason == first.options["on_prem"].reason
    assert first.options["managed_api"].total.mean() > 0


def test_a_model_without_architecture_or_api_is_refused(document):
    document["workloads"][0]["model"] = "Closed and unsold 1T"
    found = errors_of(document)
    assert "no architecture in $.models and is offered by no API" in found["$.workloads[0].model"]


def test_an_unknown_model_is_refused(document):
    document["workloads"][2]["model"] = "Nowhere 3B"
    assert "$.workloads[2].model" in errors_of(document)


def test_a_currency_without_fx_rate_is_refused(document):
    document["offers"]["cloud_gpu"][0]["on_demand_per_hour"]["currency"] = "JPY"
    found = errors_of(document)
    assert "FX rate JPY->EUR" in found["$.offers.cloud_gpu[0].on_demand_per_hour.currency"]


def test_other_meaning_checks(document):
    document["workloads"][1]["id"] = document["workloads"][0]["id"]
    document["workloads"][0]["api_equivalent"] = "gpt-nothing"
    document["assumptions"]["sizing_overrides"] = {"mfu": 0.5, "magic": 2}
    document["uncertainty"]["inputs"]["demand"] = {"low": 2, "likely": 1, "high": 3}
    found = errors_of(document)
    assert "duplicate" in found["$.workloads[1].id"]
    assert "$.workloads[0].api_equivalent" in found
    assert "$.assumptions.sizing_overrides.magic" in found
    assert "$.uncertainty.inputs.demand" in found


def _properties(name: str) -> set[str]:
    return set(SCHEMA["$defs"][name]["properties"])


@pytest.mark.parametrize(
    ("schema_name", "cls", "extra_in_code"),
    [
        ("workload", ScenarioWorkload, set()),
        ("assumptions", Assumptions, set()),
        ("offers", Offers, set()),
        ("model", ModelArchitecture, set()),
    ],
)
def test_schema_matches_the_dataclasses(schema_name, cls, extra_in_code):
    assert _properties(schema_name) == {f.name for f in fields(cls)} - extra_in_code


def test_schema_top_level_and_nested_blocks_match_the_code():
    written = {f.name for f in fields(Scenario) if f.metadata.get("document", True)}
    assert set(SCHEMA["properties"]) == written
    financing = SCHEMA["$defs"]["assumptions"]["properties"]["financing"]["properties"]
    assert set(financing) == {f.name for f in fields(Financing)}
    uncertain = SCHEMA["$defs"]["uncertainty"]["properties"]["inputs"]["properties"]
    assert set(uncertain) == set(UNCERTAIN_INPUTS) == {f.name for f in fields(Drivers)}


def test_the_likely_values_are_the_deterministic_drivers(document):
    document["uncertainty"]["inputs"]["cloud_price"]["likely"] = 1.1
    drivers = Drivers.likely(load_scenario(document).uncertainty)
    assert drivers.cloud_price == 1.1
    assert drivers.samples == 1


def test_the_document_is_not_changed_by_loading(document):
    before = copy.deepcopy(document)
    load_scenario(document)
    assert document == before


def test_prices_convert_at_the_rate_in_force_on_the_prices_as_of_day(document):
    """GIVEN EUR/USD 1.0889 on 2025-03-14 and 1.1684 on 2026-04-13 (ECB reference rates)
    THEN 1 USD is 1 / 1.0889 EUR as of 2025-12-31, 1 / 1.1684 EUR as of 2026-04-13 and with no
    date (the latest held), and a day before either rate is an error naming the currency."""
    document["offers"]["fx"].append(
        {"base": "EUR", "quote": "USD", "rate": 1.1684, "date": "2026-04-13"}
    )

    def usd_in_eur(as_of: str | None) -> float:
        dated = {**document, "prices_as_of": as_of} if as_of else document
        return load_scenario(dated).fx().rate("USD", "EUR").value

    assert usd_in_eur("2025-12-31") == pytest.approx(1 / 1.0889)
    assert usd_in_eur("2026-04-13") == pytest.approx(1 / 1.1684)
    assert usd_in_eur(None) == pytest.approx(1 / 1.1684)
    errors = errors_of({**document, "prices_as_of": "2025-01-01"})
    assert any("FX rate USD->EUR: no rate on or before 2025-01-01" in e for e in errors.values())
