"""Owned fleets costed without bias: worked examples, each figure derived by hand."""

from __future__ import annotations

import pytest

from costing.engine.evaluate import evaluate
from costing.engine.scenario import load_scenario
from tests.costing.engine.test_options import option, small_document, usd


def _with_build(horizon_months: int, **facility) -> dict:
    document = small_document()
    document["horizon_months"] = horizon_months
    document["offers"]["facility_onprem"].update(build_cost_per_kw=usd(10_000), **facility)
    return document


def test_a_facility_build_is_spread_over_the_rooms_life_with_its_remaining_value_credited():
    """One 8x H100 server of 10 kW; the room costs 10,000 USD per kW to build and lasts 15 years.
    Built at time 0: 10 kW x 10,000 = 100,000 USD. At the 12-month horizon the room has 168 of
    its 180 months left: 100,000 x 168 / 180 = 93,333.33 USD is credited back. The year is
    charged 100,000 x 12 / 180 = 6,666.67 USD, less than a year's colocation rent for the same
    server (10 kW x 150 USD/kW-month x 12 = 18,000 USD), never the whole build."""
    onprem = option(evaluate(load_scenario(_with_build(12))), "on_prem")
    build = onprem.components["facility_build"]
    assert build[0] == pytest.approx(100_000)
    assert build[-1] == pytest.approx(-93_333.333, abs=0.01)
    assert build.sum() == pytest.approx(6_666.667, abs=0.01)
    assert build.sum() < 10 * 150 * 12


def test_over_five_years_a_room_of_15_years_charges_a_third_of_its_build():
    """60 of 180 months: 100,000 x 60 / 180 = 33,333.33 USD; a 10-year room: 100,000 x 60 / 120
    = 50,000 USD (the life is the scenario's to state)."""
    fifteen = option(evaluate(load_scenario(_with_build(60))), "on_prem")
    assert fifteen.components["facility_build"].sum() == pytest.approx(33_333.333, abs=0.01)
    ten = option(evaluate(load_scenario(_with_build(60, build_life_years=10))), "on_prem")
    assert ten.components["facility_build"].sum() == pytest.approx(50_000, abs=0.01)
