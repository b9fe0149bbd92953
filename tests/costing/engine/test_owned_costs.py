"""Owned fleets costed without bias: worked examples, each figure derived by hand."""

from __future__ import annotations

import pytest

from costing.engine.architecture import ModelArchitecture
from costing.engine.evaluate import evaluate
from costing.engine.hardware import public_accelerators
from costing.engine.scenario import load_scenario
from costing.engine.sizing import (
    InferenceWorkload,
    assumptions_for,
    size_inference,
    training_gpu_hours,
)
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


def _gpu_jobs(*jobs: tuple[float, int], **assumptions) -> dict:
    """GPU-hours jobs (GPU-hours a month, GPUs at once) on H100s; servers hold 8 GPUs."""
    document = small_document(**assumptions)
    document["workloads"] = [
        {"id": f"job-{i}", "kind": "other_gpu", "gpu_hours_per_month": hours,
         "peak_gpus": gang, "gpu_class": "H100 SXM"}
        for i, (hours, gang) in enumerate(jobs)
    ]  # fmt: skip
    document["options"] = ["on_prem"]
    return document


def _servers(document: dict) -> list[float]:
    fleet = evaluate(load_scenario(document)).fleets["on_prem"][0]
    return fleet["servers_by_month"]


def test_a_job_that_keeps_8_gpus_busy_all_month_buys_one_8_gpu_server():
    """8 GPUs x 730 h = 5,840 GPU-hours a month. At the default target (1: no headroom) the
    fleet needs 5,840 / (730 x 1.0) = 8 GPUs: one 8-GPU server, bought once, never two. A user
    who sets 80% as headroom needs 5,840 / (730 x 0.8) = 10 GPUs: two servers, by choice."""
    document = _gpu_jobs((5_840, 8))
    document["assumptions"].pop("owned_utilisation_target")
    assert _servers(document) == [1.0] * 12
    assert evaluate(load_scenario(document)).fleets["on_prem"][0]["utilisation"] == 1.0
    assert _servers(_gpu_jobs((5_840, 8), owned_utilisation_target=0.8)) == [2.0] * 12


def test_batch_jobs_fill_idle_hours_instead_of_stacking_their_peaks():
    """Three render jobs of 146 GPU-hours a month (0.2 GPU on average each), each wanting
    4 GPUs at once. Run flat, they fill 3 x 146 / 730 = 0.6 GPU, and the largest gang needs 4:
    one 8-GPU server. If the user says their peaks coincide, 4 + 4 + 4 = 12 GPUs: two servers."""
    jobs = ((146, 4), (146, 4), (146, 4))
    assert _servers(_gpu_jobs(*jobs, owned_utilisation_target=1.0)) == [1.0] * 12
    together = _gpu_jobs(*jobs, owned_utilisation_target=1.0, batch_peaks_coincide=True)
    assert _servers(together) == [2.0] * 12


def test_each_workload_carries_the_share_of_the_fleet_it_holds_idle_hours_included():
    """Two jobs on one 8-GPU server: 365 GPU-hours (0.5 GPU held on average) and 1,095 GPU-hours
    (1.5 GPU). They hold 0.5 / 2 = 25% and 1.5 / 2 = 75% of what the fleet's work needs, and
    carry those shares of the whole server's cost: its 6 idle GPUs included, nothing lost."""
    result = evaluate(load_scenario(_gpu_jobs((365, 1), (1_095, 1), owned_utilisation_target=1.0)))
    small, large = (w.options["on_prem"] for w in result.workloads)
    fleet = result.portfolio["on_prem"]
    assert float(small.total[0]) == pytest.approx(0.25 * float(fleet.total[0]))
    assert float(large.total[0]) == pytest.approx(0.75 * float(fleet.total[0]))


def _committed(hours: float):
    document = _gpu_jobs((hours, 1))
    document["options"] = ["cloud_on_demand", "cloud_committed"]
    return evaluate(load_scenario(document)).portfolio["cloud_committed"]


def test_a_commitment_is_bought_in_whole_instances_and_only_where_it_pays():
    """On demand 3.00 and committed 2.00 USD/GPU-hour on a 1-GPU instance: a committed instance
    pays once the load fills 2.00 / 3.00 = 2/3 of it.
    - 365 GPU-hours (0.5 GPU): no commitment pays; on demand costs 1,095 USD a month.
    - 1,095 GPU-hours (1.5 GPU): one instance committed (730 x 2 = 1,460) and 365 h on demand
      (1,095): 2,555 USD a month, not 1,095 x 2 = 2,190 as if half an instance could be rented.
    - 1,241 GPU-hours (1.7 GPU): two instances, 2 x 730 x 2 = 2,920 USD, below one instance
      and 511 h on demand (1,460 + 1,533 = 2,993)."""
    refused = _committed(365)
    assert "no commitment pays" in refused.reason and "pays only from 67%" in refused.reason
    assert float(_committed(1_095).total[0]) == pytest.approx(12 * 2_555)
    assert float(_committed(1_241).total[0]) == pytest.approx(12 * 2_920)


LLAMA_33_70B = ModelArchitecture(  # config.json of meta-llama/Llama-3.3-70B-Instruct
    "Llama 3.3 70B", 70.6, layers=80, kv_heads=8, head_dim=128, hidden_size=8192
)


def _assistant(requests_per_day: float) -> InferenceWorkload:
    return InferenceWorkload(
        precision="fp8", input_tokens=1800, output_tokens=350, requests_per_day=requests_per_day,
        peak_factor=6, ttft_target_s=1.5, output_tokens_per_s_target=25,
    )  # fmt: skip


def test_the_replica_shape_is_the_cheapest_that_meets_the_targets_at_the_actual_load():
    """200 requests a day x peak factor 6 / 86,400 s = 0.0139 requests/s at the peak. One H100
    holds the 70.6 GB of FP8 weights with room for 3 sequences and serves 0.262 requests/s
    (92 tokens/s) at 25 tokens/s per user: one 1-GPU replica carries the peak. A 2-GPU replica
    serves the most per GPU (1,574 tokens/s, 787 per GPU) but this load would leave it idle:
    2 GPUs bought for what 1 carries. At 20,000 requests a day (1.39 requests/s at the peak)
    1-GPU replicas need ceil(1.39 / 0.262) = 6 GPUs, one 2-GPU replica (4.50 requests/s) 2."""
    h100 = public_accelerators().find("H100 SXM")
    small = size_inference(LLAMA_33_70B, h100, _assistant(200))
    assert (small.gpus_per_replica.value, small.total_gpus.value) == (1.0, 1.0)
    assert small.tokens_per_second.value == pytest.approx(92, abs=1)
    busy = size_inference(LLAMA_33_70B, h100, _assistant(20_000))
    assert (busy.gpus_per_replica.value, busy.total_gpus.value) == (2.0, 2.0)
    assert busy.tokens_per_second.value == pytest.approx(1_574, abs=1)


def test_warm_serving_capacity_steps_with_demand_while_one_replica_covers_the_peak():
    """The assistant of 200 requests a day (0.0139 requests/s at the peak) on 1-GPU servers:
    one 1-GPU replica serves 0.262 requests/s, so today's peak fills 5.3% of it. Demand grows
    30% a year: month 60 is 1.3^(59/12) = 3.63 times today, 19% of the replica. One replica,
    one server, all 60 months (scaling GPUs with demand would have bought 4 by month 60)."""
    document = small_document()
    document["horizon_months"] = 60
    document["models"] = [
        {"name": "Llama 3.3 70B", "params_b": 70.6, "layers": 80, "kv_heads": 8,
         "head_dim": 128, "hidden_size": 8192}
    ]  # fmt: skip
    document["workloads"] = [
        {"id": "assistant", "kind": "chat", "model": "Llama 3.3 70B", "precision": "fp8",
         "input_tokens": 1800, "output_tokens": 350, "requests_per_day": 200, "peak_factor": 6,
         "ttft_target_s": 1.5, "output_tokens_per_s_target": 25, "growth_per_year": 0.3}
    ]  # fmt: skip
    document["offers"]["servers"][0].update(name="1x H100", gpu_count=1, price=usd(30_000))
    document["options"] = ["on_prem", "cloud_on_demand"]
    result = evaluate(load_scenario(document))
    assert result.fleets["on_prem"][0]["servers_by_month"] == [1.0] * 60
    # Renting scales with the load instead: month 60 bills 3.63 times month 1's GPU-hours.
    cloud = result.portfolio["cloud_on_demand"].components["cloud_on_demand"]
    assert cloud[60] / cloud[1] == pytest.approx(1.3 ** (59 / 12))


LLAMA_31_8B = ModelArchitecture(  # config.json of meta-llama/Llama-3.1-8B
    "Llama 3.1 8B", 8.03, layers=32, kv_heads=8, head_dim=128, hidden_size=4096
)


def test_fp8_training_is_not_credited_the_doubled_peak_at_the_same_mfu():
    """1e9 tokens of full training of an 8.03B model on H100 (dense BF16 peak 989.5 TFLOPS) at
    40% MFU of that peak: 6 x 8.03e9 x 1e9 / (989.5e12 x 0.40 x 3600) = 33.81 GPU-hours. The
    same run in FP8 is the same 33.81 GPU-hours (the FP8 peak of 1,979 TFLOPS at the same MFU
    would have claimed 16.91); a stated 1.3x measured speedup gives 33.81 / 1.3 = 26.01."""
    h100 = public_accelerators().find("H100 SXM")
    bf16 = training_gpu_hours(LLAMA_31_8B, h100, 1e9, "bf16")
    fp8 = training_gpu_hours(LLAMA_31_8B, h100, 1e9, "fp8")
    assert bf16.value == pytest.approx(33.81, abs=0.01)
    assert fp8.value == pytest.approx(bf16.value)
    faster = training_gpu_hours(
        LLAMA_31_8B, h100, 1e9, "fp8", assumptions_for(low_precision_training_speedup=1.3)
    )
    assert faster.value == pytest.approx(26.01, abs=0.01)
    assert "low-precision speedup" in faster.formula
