"""Deployment options: hand-checked monthly cash flows of each option on a one-server scenario."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import numpy as np
import pytest

from costing.engine import options as opt
from costing.engine.cashflows import loan_payments
from costing.engine.evaluate import evaluate
from costing.engine.offers import Unavailable
from costing.engine.results import OptionResult
from costing.engine.scenario import load_scenario
from tests.costing.engine.test_scenario import EXAMPLE

SRC = {"reference": "test figure", "note": "round number chosen to check by hand"}


def usd(amount: float) -> dict:
    return {"amount": amount, "currency": "USD", "source": SRC}


def small_document(**assumptions) -> dict:
    """One GPU-hours workload (one H100 busy all month) and one token workload, one server."""
    return {
        "name": "hand-checked",
        "reporting_currency": "USD",
        "start_date": "2027-01-01",
        "horizon_months": 12,
        "discount_rate_per_year": 0.0,
        "assumptions": {
            "idle_power_fraction": 0.3,
            "owned_utilisation_target": 0.7,
            "residual_value_fraction": 0.0,
            **assumptions,
        },
        "workloads": [
            {
                "id": "render",
                "kind": "other_gpu",
                "gpu_hours_per_month": 730,
                "peak_gpus": 1,
                "gpu_class": "H100 SXM",
            },
        ],
        "offers": {
            "cloud_gpu": [
                {
                    "provider": "P",
                    "instance": "h100x1",
                    "region": "eu",
                    "gpu": "H100 SXM",
                    "gpu_count": 1,
                    "on_demand_per_hour": usd(3.0),
                    "reserved_1y_per_hour": usd(2.0),
                },
            ],
            "api": [
                {
                    "provider": "Q",
                    "model": "chat-model",
                    "input_per_1m_tokens": usd(1.0),
                    "output_per_1m_tokens": usd(2.0),
                },
            ],
            "servers": [
                {
                    "name": "8x H100",
                    "gpu": "H100 SXM",
                    "gpu_count": 8,
                    "price": usd(200_000),
                    "power_typical_kw": 10.0,
                    "support_pct_per_year": 20,
                    "useful_life_years": 5,
                },
            ],
            "facility_onprem": {
                "region": "here",
                "electricity_per_kwh": usd(0.2),
                "pue": 1.5,
                "build_cost_per_kw": usd(0),
            },
            "facility_colocation": {
                "region": "there",
                "electricity_per_kwh": usd(0.2),
                "pue": 1.5,
                "colocation_per_kw_month": usd(150),
            },
            "staff": {"loaded_cost_per_fte_year": usd(120_000), "servers_per_fte": 20},
        },
        "options": ["on_prem", "colocation", "cloud_on_demand", "cloud_committed", "hybrid"],
    }


def run(document: dict):
    return evaluate(load_scenario(document))


def option(result, name: str) -> OptionResult:
    outcome = result.portfolio[name]
    assert isinstance(outcome, OptionResult), outcome
    return outcome


# One server: 8 GPUs of which the workload keeps one busy all month: utilisation 730 / (8 x 730).
SUPPORT = 200_000 * 0.20 / 12  # 3,333.33 per month
ENERGY = 10 * (0.3 + 0.7 * 0.125) * 730 * 1.5 * 0.2  # 3.875 kW x 730 h x PUE x tariff = 848.625
STAFF = 1 / 20 * 120_000 / 12  # 500 per month
BOOK_AT_12_MONTHS = 200_000 * (1 - 12 / 60)  # straight line over 5 years, no resale value


def test_on_prem_month_by_month_matches_the_hand_calculation():
    result = run(small_document())
    onprem = option(result, "on_prem")
    assert onprem.components["purchase"][0] == pytest.approx(200_000)
    assert onprem.components["support"][1:] == pytest.approx([SUPPORT] * 12)
    assert onprem.components["energy"][1:] == pytest.approx([ENERGY] * 12)
    assert onprem.components["staff"][1:] == pytest.approx([STAFF] * 12)
    assert onprem.components["residual"][-1] == pytest.approx(-BOOK_AT_12_MONTHS)
    expected = 200_000 + 12 * (SUPPORT + ENERGY + STAFF) - BOOK_AT_12_MONTHS
    assert float(onprem.total[0]) == pytest.approx(expected)  # 96,183.50
    assert onprem.figure("fleet utilisation").value == pytest.approx(0.125)
    assert onprem.unit_costs["utilisation"] == pytest.approx(0.125)  # by stable key too


def test_colocation_pays_rent_per_kw_instead_of_building():
    colo = option(run(small_document()), "colocation")
    assert colo.components["colocation"][1:] == pytest.approx([10 * 150] * 12)
    assert "facility_build" not in colo.components
    expected = 200_000 + 12 * (SUPPORT + ENERGY + STAFF + 1500) - BOOK_AT_12_MONTHS
    assert float(colo.total[0]) == pytest.approx(expected)


def test_cloud_on_demand_bills_the_gpu_hours_of_the_work():
    cloud = option(run(small_document()), "cloud_on_demand")
    assert cloud.components["cloud_on_demand"][1:] == pytest.approx([730 * 3.0] * 12)
    assert float(cloud.total[0]) == pytest.approx(12 * 2190)
    assert cloud.figure("cost per GPU-hour").value == pytest.approx(3.0)
    assert cloud.unit_costs["per_gpu_hour"] == pytest.approx(3.0)


def test_cloud_committed_covers_the_steady_base_at_the_committed_rate():
    committed = option(run(small_document()), "cloud_committed")
    assert committed.components["cloud_committed"][1:] == pytest.approx([730 * 2.0] * 12)
    assert committed.components["cloud_on_demand"].sum() == pytest.approx(0.0)


def test_hybrid_owns_the_base_and_bursts_the_peak_to_the_cloud():
    document = small_document()
    document["workloads"][0].update(gpu_hours_per_month=365, peak_gpus=4)
    hybrid = option(run(document), "hybrid")
    # Base = average load, 0.5 GPU, owned; the batch work fits in it, so nothing bursts.
    assert hybrid.components["cloud_on_demand"].sum() == pytest.approx(0.0)
    assert hybrid.components["purchase"][0] == pytest.approx(200_000)


def test_hybrid_bursts_a_serving_peak_on_demand():
    document = small_document()
    document["models"] = [{"name": "Llama 3.1 8B", "params_b": 8, "layers": 32, "kv_heads": 8,
                           "head_dim": 128, "hidden_size": 4096}]  # fmt: skip
    document["workloads"] = [
        {"id": "chat", "kind": "chat", "model": "Llama 3.1 8B", "input_tokens": 1000,
         "output_tokens": 500, "requests_per_day": 2_000_000, "peak_factor": 4},
    ]  # fmt: skip
    result = run(document)
    hybrid = option(result, "hybrid")
    sizing = result.workloads[0].sizing["hybrid"]
    burst = 730 * (4 / 24) * (sizing["peak_gpus"] - sizing["base_gpus"])
    assert sizing["peak_gpus"] > sizing["base_gpus"]
    assert hybrid.components["cloud_on_demand"][1] == pytest.approx(burst * 3.0)


def test_managed_api_bills_tokens_at_the_offer_price():
    document = small_document()
    document["workloads"] = [
        {"id": "chat", "kind": "chat", "model": "chat-model", "input_tokens": 1000,
         "output_tokens": 500, "requests_per_day": 1000},
    ]  # fmt: skip
    document["options"] = ["managed_api"]
    api = option(run(document), "managed_api")
    per_day = 1000 * (1000 * 1.0 + 500 * 2.0) / 1e6  # 2 USD per day
    assert api.components["api_tokens"][1:] == pytest.approx([per_day * 365 / 12] * 12)
    assert api.figure("cost per 1M tokens").value == pytest.approx(2 / 1.5)
    assert api.unit_costs == {"per_million_tokens": pytest.approx(2 / 1.5)}  # no GPU-hours


def _api_month(workload: dict, **offer) -> float:
    """The first month's API bill of one workload against the small document's API offer."""
    document = small_document()
    document["offers"]["api"][0].update(offer)
    document["workloads"] = [workload]
    document["options"] = ["managed_api"]
    return float(option(run(document), "managed_api").components["api_tokens"][1])


MONTH = 365 / 12  # days in the engine's month


def test_an_api_bills_cached_input_at_its_cached_price_and_batch_work_at_its_batch_tier():
    """1,000 requests a day of 1,000 input and 500 output tokens at 1 / 2 USD per 1M tokens:
    2 USD a day. With a third of the input cached at 0.10: 1,000 x (667 x 1 + 333 x 0.1 + 500 x
    2) / 1e6 = 1.70 USD a day. The same work as a batch job at a 50% batch tier: 1 USD a day;
    without a batch tier the batch work pays the standard price."""
    chat = {"id": "w", "kind": "chat", "model": "chat-model", "input_tokens": 1000,
            "output_tokens": 500, "requests_per_day": 1000}  # fmt: skip
    cached = {**chat, "cached_input_share": 1 / 3}
    assert _api_month(cached, cached_input_per_1m_tokens=usd(0.1)) == pytest.approx(
        (1000 * 2 / 3 + 1000 / 3 * 0.1 + 1000) / 1000 * MONTH)  # fmt: skip
    batch = {**chat, "kind": "batch_inference"}
    assert _api_month(batch, batch_discount_pct=50) == pytest.approx(1.0 * MONTH)
    assert _api_month(batch) == pytest.approx(2.0 * MONTH)


def test_speech_and_image_work_get_an_api_option_billed_by_minute_and_image():
    """108,000 audio minutes a month at 0.003 USD a minute: 324 USD a month; 37,800 images at
    0.04 USD: 1,512 USD. Speech work stating no minutes (restoration, voice cloning) is not an
    API's work: no API option for it, never a zero bill."""
    speech = {"id": "s", "kind": "speech_audio", "gpu_hours_per_month": 45, "peak_gpus": 2,
              "gpu_class": "L40S", "audio_minutes_per_month": 108_000}  # fmt: skip
    assert _api_month(speech, per_audio_minute=usd(0.003)) == pytest.approx(324.0)
    images = {"id": "i", "kind": "image_video", "gpu_hours_per_month": 80, "peak_gpus": 3,
              "gpu_class": "L40S", "images_per_month": 37_800}  # fmt: skip
    assert _api_month(images, per_image=usd(0.04)) == pytest.approx(1_512.0)
    document = small_document()
    document["offers"]["api"][0]["per_audio_minute"] = usd(0.003)
    document["workloads"] = [{**speech, "audio_minutes_per_month": 0, "gpu_class": "H100 SXM"}]
    document["options"] = ["managed_api", "cloud_on_demand"]
    result = run(document)
    alone = result.portfolio["managed_api"]
    assert alone.missing == "model API"
    assert "speech_audio work stating no audio minutes a month" in alone.reason


def test_processing_held_in_a_region_pays_the_regional_uplift():
    """2 USD a day plus a 10% regional uplift: 2.20 USD a day where the data must stay put."""
    chat = {"id": "w", "kind": "chat", "model": "chat-model", "input_tokens": 1000,
            "output_tokens": 500, "requests_per_day": 1000}  # fmt: skip
    chat["regional_processing"] = True
    assert _api_month(chat, regional_uplift_pct=10) == pytest.approx(2.2 * MONTH)
    assert _api_month({**chat, "regional_processing": False}, regional_uplift_pct=10) == (
        pytest.approx(2.0 * MONTH))  # fmt: skip


def test_an_offer_processing_in_the_region_at_its_list_price_pays_nothing_extra():
    """An uplift of 0 (Mistral processes in the EU by default) is the list bill, 2 USD a day,
    and the working shows the 0% with the source that states it."""
    chat = {"id": "w", "kind": "chat", "model": "chat-model", "input_tokens": 1000,
            "output_tokens": 500, "requests_per_day": 1000}  # fmt: skip
    chat["regional_processing"] = True
    stated = {"reference": "uplift row", "url": "https://mistral.ai/cloud/inference/"}
    assert _api_month(chat, regional_uplift_pct=0) == pytest.approx(2.0 * MONTH)
    document = small_document()
    document["offers"]["api"][0].update(regional_uplift_pct=0, regional_uplift_source=stated)
    document["workloads"], document["options"] = [chat], ["managed_api"]
    result = run(document)
    working = str(option(result, "managed_api").as_dict()) + str(result.as_dict().get("sources"))
    assert "regional processing uplift" in working and "mistral.ai/cloud/inference" in working


def test_an_offer_publishing_no_regional_price_cannot_take_work_held_in_a_region():
    """No uplift published: the regional bill is missing and named, never the list price. With
    a second offer publishing +10%, the work goes there at 1.1 x its list bill."""
    chat = {"id": "w", "kind": "chat", "model": "chat-model", "input_tokens": 1000,
            "output_tokens": 500, "requests_per_day": 1000}  # fmt: skip
    chat["regional_processing"] = True
    document = small_document()
    document["workloads"], document["options"] = [chat], ["managed_api"]
    alone = run(document).workloads[0].options["managed_api"]
    assert isinstance(alone, Unavailable)
    assert "missing regional processing price" in alone.reason
    assert "Q chat-model publishes no price for processing held in a region" in alone.reason
    dearer = {**document["offers"]["api"][0], "provider": "R", "input_per_1m_tokens": usd(1.5),
              "regional_uplift_pct": 10}  # fmt: skip
    document["offers"]["api"].append(dearer)
    # 1,000 x (1,000 x 1.5 + 500 x 2) / 1e6 = 2.50 USD a day, plus 10%.
    bill = option(run(document), "managed_api").components["api_tokens"][1]
    assert bill == pytest.approx(2.5 * 1.1 * MONTH)


def test_prices_in_another_currency_are_converted_with_the_rate_shown():
    document = small_document()
    document["offers"]["cloud_gpu"][0]["on_demand_per_hour"] = {"amount": 2.5, "currency": "EUR"}
    document["offers"]["fx"] = [{"base": "EUR", "quote": "USD", "rate": 1.2, "date": "2025-03-14"}]
    cloud = option(run(document), "cloud_on_demand")
    assert cloud.components["cloud_on_demand"][1] == pytest.approx(730 * 3.0)
    price = next(f for f in cloud.figures if f.name.startswith("P h100x1"))
    assert "2025-03-14" in str(price.as_dict())


def test_shared_fleet_packs_workloads_into_servers_and_splits_by_gpu_hours():
    document = small_document()
    second = {"id": "encode", "kind": "other_gpu", "gpu_hours_per_month": 2190, "peak_gpus": 3,
              "gpu_class": "H100 SXM"}  # fmt: skip
    document["workloads"].append(second)
    result = run(document)
    onprem = option(result, "on_prem")
    # 1.43 + 4.29 GPUs (need / 0.7 target) = 5.7 GPUs: one 8-GPU server, not two.
    assert onprem.components["purchase"][0] == pytest.approx(200_000)
    shares = [w.options["on_prem"].components["support"][1] for w in result.workloads]
    assert shares == pytest.approx([SUPPORT * 0.25, SUPPORT * 0.75])  # 730 : 2,190 GPU-hours


def test_refresh_at_end_of_life_and_resale_value():
    document = small_document(residual_value_fraction=0.1)
    document["horizon_months"] = 24
    document["offers"]["servers"][0]["useful_life_years"] = 1
    onprem = option(run(document), "on_prem")
    assert onprem.components["refresh"][12] == pytest.approx(200_000)
    # Sold at 10% when replaced, and the second server is worth 10% at the horizon.
    assert onprem.components["residual"][12] == pytest.approx(-20_000)
    assert onprem.components["residual"][24] == pytest.approx(-20_000)


def test_a_loan_spreads_the_purchase_and_pays_off_the_balance_at_the_horizon():
    capex = np.zeros((1, 13))
    capex[0, 0] = 120_000
    payments = loan_payments(capex, 0.0, 24)
    assert payments[0, 1:12] == pytest.approx([5_000] * 11)
    assert payments[0, 12] == pytest.approx(5_000 + 60_000)  # last payment + balance left
    document = small_document(financing={"kind": "loan", "annual_rate": 0.06, "term_months": 12})
    onprem = option(run(document), "on_prem")
    assert "purchase" not in onprem.components
    assert onprem.components["loan_payments"].sum() > 200_000  # interest


def test_missing_prices_make_options_unavailable_with_the_reason():
    document = small_document()
    document["offers"]["facility_onprem"]["build_cost_per_kw"] = None
    document["offers"]["cloud_gpu"][0]["reserved_1y_per_hour"] = None
    result = run(document)
    assert isinstance(result.portfolio["on_prem"], Unavailable)
    assert "build cost" in result.portfolio["on_prem"].missing
    assert isinstance(result.portfolio["cloud_committed"], Unavailable)
    assert "reserved 1y" in result.portfolio["cloud_committed"].reason


def test_cheapest_offer_is_chosen_among_those_that_can_serve():
    document = small_document()
    cheaper = copy.deepcopy(document["offers"]["cloud_gpu"][0])
    cheaper.update(instance="h100x8", gpu_count=8, on_demand_per_hour=usd(20.0))  # 2.5 per GPU
    cheaper["reserved_1y_per_hour"] = None
    document["offers"]["cloud_gpu"].append(cheaper)
    result = run(document)
    assert option(result, "cloud_on_demand").components["cloud_on_demand"][1] == pytest.approx(
        730 * 2.5
    )
    committed = option(result, "cloud_committed")  # only the first offer has a 1-year price
    assert committed.components["cloud_committed"][1] == pytest.approx(730 * 2.0)


def test_a_scenario_sizes_a_workload_once_for_all_its_evaluations_and_copies():
    """GIVEN the media house WHEN it is evaluated again, or its copy without rules THEN each
    workload's sizing is the one already made (a run evaluates its scenario some eight times),
    with the same figures; a copy with other assumptions sizes anew."""
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    scenario = load_scenario(document)
    workload, gpus = scenario.workloads[0], {"NVIDIA H100 SXM", "NVIDIA L40S"}
    sized = opt.placements(workload, scenario, gpus)
    assert opt.placements(workload, scenario.unrestricted(), gpus) is sized
    other = replace(scenario, assumptions=replace(scenario.assumptions, peak_hours_per_day=4.0))
    assert opt.placements(workload, other, gpus) is not sized
    again = evaluate(scenario).as_dict()
    assert again == evaluate(load_scenario(document)).as_dict()
