"""Evaluating scenarios: properties every option must keep, and the samples axis of the drivers."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costing.engine import finance
from costing.engine.cashflows import Drivers
from costing.engine.evaluate import evaluate
from costing.engine.offers import Unavailable
from costing.engine.results import OptionResult
from costing.engine.scenario import load_scenario
from tests.costing.engine.test_options import small_document, usd
from tests.costing.engine.test_scenario import EXAMPLE
from tests.timing import finishes_within

quick = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ALL = ["on_prem", "colocation", "cloud_on_demand", "cloud_committed", "managed_api", "hybrid"]


def portfolio_document(horizon_months: int = 36, growth: float = 0.2) -> dict:
    """The one-server document with a chat workload added, trends on and every option asked."""
    document = small_document(
        demand_growth_per_year=growth,
        cloud_price_trend_per_year=-0.1,
        api_price_trend_per_year=-0.2,
        electricity_price_trend_per_year=0.03,
        software_per_gpu_year=usd(4_500),
        network_storage_per_month=usd(1_000),
    )
    document["horizon_months"] = horizon_months
    document["discount_rate_per_year"] = 0.08
    document["models"] = [{"name": "Llama 3.1 8B", "params_b": 8, "layers": 32, "kv_heads": 8,
                           "head_dim": 128, "hidden_size": 4096}]  # fmt: skip
    document["workloads"].append(
        {
            "id": "chat",
            "kind": "chat",
            "model": "Llama 3.1 8B",
            "input_tokens": 1500,
            "output_tokens": 300,
            "requests_per_day": 200_000,
            "peak_factor": 3,
            "api_equivalent": "chat-model",
        }
    )
    document["options"] = ALL
    return document


def totals(result) -> dict[str, float]:
    return {
        k: float(v.total[0]) for k, v in result.portfolio.items() if isinstance(v, OptionResult)
    }


@pytest.fixture(scope="module")
def base():
    return load_scenario(portfolio_document())


def test_work_the_api_cannot_take_keeps_its_cheapest_rented_option(base):
    """GIVEN GPU-hours rendering, which no token API can take WHEN the portfolio goes through
    the managed API THEN rendering keeps its cheapest rented GPUs, named, and the total still
    covers every workload."""
    result = evaluate(base)
    api = result.portfolio["managed_api"]
    assert isinstance(api, OptionResult)
    (fallback,) = api.fallbacks
    assert fallback["workload"] == "render"
    assert fallback["option"] in ("cloud_on_demand", "cloud_committed")
    assert "GPU work (other_gpu) is not billed by an API" in fallback["reason"]
    render = next(w for w in result.workloads if w.id == "render")
    chat_api = sum(w.options["managed_api"].total for w in result.workloads if w.id != "render")
    assert api.total == pytest.approx(chat_api + render.options[fallback["option"]].total)
    assert api.figure("workloads on another option").value == 1
    assert set(totals(result)) == set(ALL)


def test_an_option_no_workload_can_use_is_unavailable_not_a_copy_of_another():
    """GIVEN only GPU-hours work (no token API can take any of it) THEN the managed API is
    unavailable for the portfolio, rather than every workload falling back to rented GPUs."""
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["workloads"] = [w for w in document["workloads"] if "gpu_hours_per_month" in w]
    result = evaluate(load_scenario(document))
    api = result.portfolio["managed_api"]
    assert isinstance(api, Unavailable)
    assert api.reason.startswith("no workload of the portfolio can use it")


def test_an_option_no_workload_can_use_names_what_is_missing_before_what_never_applied():
    """GIVEN GPU work first and token work whose model no API offers WHEN the API portfolio is
    unavailable THEN its reason names the missing API offer, not that GPU work is no API's."""
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    gpu_work = [w for w in document["workloads"] if "gpu_hours_per_month" in w]
    chat = next(w for w in document["workloads"] if w["kind"] == "chat")
    document["workloads"] = [*gpu_work, {**chat, "api_equivalent": ""}]
    document["offers"]["api"] = []
    api = evaluate(load_scenario(document)).portfolio["managed_api"]
    assert isinstance(api, Unavailable)
    assert f"first: no API offer for {chat['model']!r}" in api.reason


def test_a_workload_no_replica_can_hold_is_unavailable_on_gpus_with_the_reason(base):
    """GIVEN a chat workload of 1e200 input tokens a request, past any schema (the engine is
    also called from Python) WHEN the scenario is evaluated THEN it ends at once, and every GPU
    option of that workload says it does not fit on the GPU type offered."""
    huge = [replace(w, input_tokens=1e200) if w.id == "chat" else w for w in base.workloads]
    with finishes_within(5):
        result = evaluate(replace(base, workloads=tuple(huge)))
    chat = next(w for w in result.workloads if w.id == "chat")
    for option in ("on_prem", "colocation", "cloud_on_demand", "cloud_committed", "hybrid"):
        unavailable = chat.options[option]
        assert isinstance(unavailable, Unavailable)
        assert unavailable.missing == "a GPU type the workload fits on"
        assert unavailable.reason.startswith("NVIDIA H100 SXM does not fit: ")
        assert "more than the largest replica sized (1,024 GPUs)" in unavailable.reason


@quick
@given(st.floats(0.1, 3.0), st.floats(1.0, 2.0))
def test_more_demand_never_costs_less(base, demand, more):
    # Both demands in one run: the samples axis carries them side by side.
    result = evaluate(base, Drivers(demand=np.array([demand, demand * more])))
    for name, outcome in result.portfolio.items():
        if isinstance(outcome, OptionResult):
            assert outcome.total[1] >= outcome.total[0] - 1e-6, name
    for workload in result.workloads:
        api = workload.options["managed_api"]
        if isinstance(api, OptionResult):
            assert api.total[1] >= api.total[0] - 1e-9


def test_a_zero_discount_rate_makes_npv_the_plain_sum():
    document = portfolio_document()
    document["discount_rate_per_year"] = 0.0
    result = evaluate(load_scenario(document))
    for outcome in result.available().values():
        assert float(outcome.npv[0]) == pytest.approx(float(outcome.total[0]))
        assert "end of each period" in outcome.figure("net present value").formula


def test_a_positive_discount_rate_makes_npv_smaller_than_the_sum(base):
    for outcome in evaluate(base).available().values():
        assert float(outcome.npv[0]) < float(outcome.total[0])


def _scale_prices(node, factor: float):
    if isinstance(node, dict):
        if {"amount", "currency"} <= set(node):
            node["amount"] *= factor
        for value in node.values():
            _scale_prices(value, factor)
    elif isinstance(node, list):
        for value in node:
            _scale_prices(value, factor)


@quick
@given(st.sampled_from([2.0, 0.5, 3.7]))
def test_scaling_every_price_scales_every_cost(factor):
    document = portfolio_document()
    before = evaluate(load_scenario(document))
    _scale_prices(document, factor)
    after = evaluate(load_scenario(document))
    for name, total in totals(before).items():
        assert totals(after)[name] == pytest.approx(total * factor, rel=1e-9), name
    for old, new in zip(before.workloads, after.workloads, strict=True):
        for name, outcome in old.options.items():
            if isinstance(outcome, OptionResult):
                assert float(new.options[name].total[0]) == pytest.approx(
                    float(outcome.total[0]) * factor, rel=1e-9
                )


@quick
@given(st.floats(1.0, 8.0), st.floats(0.0, 3.0), st.booleans())
def test_a_longer_useful_life_never_raises_yearly_on_prem_cost(life, extra, refresh):
    document = portfolio_document(horizon_months=60)
    document["assumptions"].update(refresh_at_end_of_life=refresh, residual_value_fraction=0.1)
    costs = []
    for years in (life, life + extra):
        document["offers"]["servers"][0]["useful_life_years"] = years
        result = evaluate(load_scenario(document))
        costs.append(float(result.portfolio["on_prem"].total[0]) / 5)  # per year of 60 months
    assert costs[1] <= costs[0] + 1e-6


def test_breakeven_is_where_the_cumulative_curves_cross():
    document = portfolio_document(horizon_months=60)
    document["assumptions"]["owned_utilisation_target"] = 1.0
    document["workloads"][0].update(gpu_hours_per_month=8 * 730, peak_gpus=8)  # a full server
    result = evaluate(load_scenario(document))
    available = result.available()
    assert len(result.breakevens) == len(available) * (len(available) - 1) // 2
    crossings = 0
    for row in result.breakevens:
        cheap = available[row["cheaper_at_horizon"]]
        dear = available[next(o for o in row["options"] if o != row["cheaper_at_horizon"])]
        # Cumulative cost at time 0 and at each month's end, as finance.cumulative gives it.
        gap = finance.cumulative(cheap.monthly[1:], cheap.monthly[0]) - finance.cumulative(
            dear.monthly[1:], dear.monthly[0]
        )
        month = row["breakeven_month"]
        assert np.all(gap[int(np.ceil(month)) :] <= 1e-6)
        if month > 0:
            crossings += 1
            assert gap[int(np.floor(month))] > 0
    assert crossings >= 1  # owning starts dearer and catches up with renting


@quick
@given(st.sampled_from(["on_demand_per_hour", "reserved_1y_per_hour"]), st.floats(1.0, 5.0))
def test_a_missing_price_makes_the_option_unavailable_never_cheaper(field, cheaper):
    document = portfolio_document()
    second = dict(document["offers"]["cloud_gpu"][0], instance="other")
    second[field] = usd(cheaper)
    document["offers"]["cloud_gpu"].append(second)
    before = totals(evaluate(load_scenario(document)))
    document["offers"]["cloud_gpu"][1][field] = None  # one offer loses a price
    after = evaluate(load_scenario(document))
    for name, total in totals(after).items():
        # A cheaper on-demand offer can leave no commitment that pays: nothing to compare then.
        assert name not in before or total >= before[name] - 1e-6, name
    for offer in document["offers"]["cloud_gpu"]:
        offer[field] = None  # no offer has it any more
    gone = evaluate(load_scenario(document))
    option = "cloud_on_demand" if field == "on_demand_per_hour" else "cloud_committed"
    assert isinstance(gone.portfolio[option], Unavailable)
    assert gone.portfolio[option].reason


def test_the_samples_axis_matches_running_each_sample_alone(base):
    drivers = Drivers(
        cloud_price=np.array([0.8, 1.0, 1.3]),
        api_price=np.array([1.0, 0.5, 1.4]),
        server_price=np.array([1.2, 0.9, 1.0]),
        electricity_tariff=np.array([0.5, 1.0, 1.5]),
        staff_cost=np.array([1.0, 1.1, 0.9]),
        demand=np.array([0.7, 1.0, 1.6]),
        demand_growth_delta_per_year=np.array([-0.1, 0.0, 0.3]),
        throughput=np.array([0.85, 1.0, 1.2]),
    )
    together = evaluate(base, drivers)
    assert together.samples == 3
    for i in range(3):
        alone = evaluate(base, Drivers(**{k: float(v[i]) for k, v in vars_of(drivers).items()}))
        for name, outcome in alone.available().items():
            assert float(together.portfolio[name].total[i]) == pytest.approx(
                float(outcome.total[0])
            )
            assert float(together.portfolio[name].npv[i]) == pytest.approx(float(outcome.npv[0]))


def vars_of(drivers: Drivers) -> dict:
    return {name: getattr(drivers, name) for name in drivers.__dataclass_fields__}


def test_the_example_result_is_json_ready_and_shows_its_working():
    result = evaluate(load_scenario(json.loads(EXAMPLE.read_text(encoding="utf-8"))))
    data = json.loads(json.dumps(result.as_dict()))
    assert data["currency"] == "EUR"
    assert "end of each period" in data["discounting"]
    onprem = data["portfolio"]["on_prem"]
    assert len(onprem["monthly_total"]) == 61
    names = {f["name"] for f in onprem["figures"]}
    assert {"total cost", "net present value", "fleet utilisation"} <= names
    assert data["fleets"]["on_prem"][0]["gpu"] == "NVIDIA H100 SXM"
    chat = data["workloads"][0]
    assert chat["sizing"]["cloud_on_demand"]["binding_constraint"] in {
        "memory", "bandwidth", "compute", "latency"
    }  # fmt: skip
    # A workload the API cannot take keeps its cheapest other option, owned ones included.
    fallback = data["portfolio"]["managed_api"]["fallbacks"][0]
    kept = next(w for w in data["workloads"] if w["id"] == fallback["workload"])
    priced = {k: v["npv"] for k, v in kept["options"].items() if "npv" in v}
    assert fallback["option"] == min(priced, key=priced.get) != "managed_api"
    assert result.cheapest in result.available()


def test_the_portfolio_is_the_sum_of_its_workloads_however_it_is_computed(base):
    """GIVEN workloads merged by growth and GPU type for the portfolio
    THEN each option's portfolio flows equal the sum of the workloads' own flows (a commitment,
    bought in whole instances for the pooled base, costs at most that sum), and skipping the
    per-workload detail (as a Monte Carlo does) changes nothing."""
    drivers = Drivers(demand=np.array([0.5, 1.0, 2.0]), cloud_price=np.array([1.0, 0.9, 1.2]))
    full = evaluate(base, drivers)
    lean = evaluate(base, drivers, per_workload=False)
    assert lean.workloads == ()
    for name, outcome in full.available().items():
        kept = {f["workload"]: f["option"] for f in outcome.fallbacks}
        summed = sum(w.options[kept.get(w.id, name)].total for w in full.workloads)
        if name == "cloud_committed":
            assert np.all(outcome.total <= summed + 1e-6)
        else:
            assert outcome.total == pytest.approx(summed)
        assert lean.portfolio[name].total == pytest.approx(outcome.total)
        assert lean.portfolio[name].npv == pytest.approx(outcome.npv)


def test_priced_components_name_their_prices_with_catalog_sources():
    """GIVEN the example WHEN evaluated THEN the on-demand cost figure lists the price it used,
    traced to its catalog row, URL and date."""
    result = evaluate(load_scenario(json.loads(EXAMPLE.read_text(encoding="utf-8"))))
    figures = {f.name: f for f in result.portfolio["cloud_on_demand"].figures}
    on_demand = figures["cloud_on_demand over horizon"]
    assert on_demand.value > 0
    prices = [item for item in on_demand.inputs if "on_demand" in item.name]
    assert prices, "the on-demand component names no price"
    leaves = [q for price in prices for q in price.inputs if hasattr(q, "source")]
    catalog = [q for q in leaves if q.source.kind == "catalog"]
    assert catalog and all(q.source.url.startswith("http") for q in catalog)
    assert all(q.source.date for q in catalog)


def test_a_cheaper_server_that_cannot_be_costed_is_passed_over():
    """GIVEN a cheaper H100 server with no support rate WHEN on-prem is priced THEN the
    complete server is used and the option stays available, at the same cost as without it."""
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    baseline = evaluate(load_scenario(document)).portfolio["on_prem"]
    cheap = dict(document["offers"]["servers"][0], name="Bare H100 kit", support_pct_per_year=None)
    cheap["price"] = dict(cheap["price"], amount=100_000)
    document["offers"]["servers"].append(cheap)
    with_kit = evaluate(load_scenario(document)).portfolio["on_prem"]
    assert with_kit.npv == pytest.approx(baseline.npv)


def test_every_owned_cost_component_names_its_terms_with_sources():
    """Energy, facility, staff and support totals list the tariff, PUE, build cost, staff cost
    and support rate they were computed from, each traced to a catalog row."""
    result = evaluate(load_scenario(json.loads(EXAMPLE.read_text(encoding="utf-8"))))
    figures = {f.name: f for f in result.portfolio["on_prem"].figures}
    expected = {
        "energy over horizon": {"electricity tariff in EUR", "PUE", "server power (max)"},
        "facility_build over horizon": {"facility build cost per kW in EUR", "server power (max)"},
        "staff over horizon": {"loaded cost per FTE-year in EUR", "servers per FTE"},
        "support over horizon": {"support % per year"},
    }
    for component, names in expected.items():
        inputs = {item.name for item in figures[component].inputs}
        assert names <= inputs, (component, inputs)
    pue = next(i for i in figures["energy over horizon"].inputs if i.name == "PUE")
    assert pue.source.kind == "catalog" and pue.source.url.startswith("http")


def test_each_workload_has_breakevens_between_its_priced_options():
    result = evaluate(load_scenario(json.loads(EXAMPLE.read_text(encoding="utf-8"))))
    for workload in result.workloads:
        priced = sorted(k for k, v in workload.options.items() if hasattr(v, "npv"))
        pairs = {tuple(sorted(row["options"])) for row in workload.breakevens}
        assert len(pairs) == len(priced) * (len(priced) - 1) // 2
        for row in workload.breakevens:
            assert row["cheaper_at_horizon"] in row["options"]


def test_the_engines_throughput_error_scales_the_gpus_serving_needs_and_nothing_else(base):
    """GIVEN the portfolio (GPU-hours rendering and a chat service) WHEN serving achieves 80%
    of the throughput the engine sized for THEN the chat service rents 1 / 0.8 = 1.25 times
    the GPU-hours on demand, its API bill is unchanged (an API bills tokens, not GPUs), and
    rendering's stated GPU-hours are unchanged."""
    sized = evaluate(base, Drivers())
    slower = evaluate(base, Drivers(throughput=0.8))
    by_id = {w.id: w for w in sized.workloads}
    slow_by_id = {w.id: w for w in slower.workloads}

    def rented(result, option="cloud_on_demand"):
        return float(result.options[option].components["cloud_on_demand"].sum())

    chat, slow_chat = by_id["chat"], slow_by_id["chat"]
    assert rented(slow_chat) == pytest.approx(rented(chat) * 1.25)
    api = float(chat.options["managed_api"].total[0])
    assert float(slow_chat.options["managed_api"].total[0]) == pytest.approx(api)
    render = next(w for w in by_id if w != "chat")
    assert rented(slow_by_id[render]) == pytest.approx(rented(by_id[render]))
