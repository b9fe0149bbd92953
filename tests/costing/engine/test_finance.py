"""Finance and offers: hand-checked worked examples with sources, and hypothesis properties."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from costing.engine import finance
from costing.engine.figures import Source
from costing.engine.offers import (
    ApiOffer,
    CloudGpuOffer,
    Facility,
    FxConverter,
    FxRate,
    Missing,
    Price,
    ServerOffer,
    Staff,
    catalog_source,
)

USD = "USD"
CAPEX = 1_920_000.0  # legitlads.com Accelerator ROI Console example: 64 accelerators x $30,000
# Same example: cloud 64 x 8,760 h x 0.70 x $2 = 784,896/yr; energy and ops 728,680 / 4 years.
SAVING_PER_YEAR = 784_896.0 - 182_170.0

ECB = catalog_source("fx.csv: EUR/USD", url="https://eurodripusa.net/?p=3470", date="2025-02-28")
FX_ROWS = (
    FxRate("EUR", "USD", 1.0411, "2025-02-28", ECB),  # fx.csv, ECB reference rate
    FxRate("EUR", "USD", 1.0889, "2025-03-14", ECB),
    FxRate("EUR", "GBP", 0.82608, "2025-02-28", ECB),
    FxRate("EUR", "CHF", 0.9394, "2025-02-28", ECB),
)


def usd(amount: float, per: str = "") -> Price:
    return Price(amount, USD, per, Source("input"))


money = st.floats(-1e7, 1e7, allow_nan=False, allow_infinity=False)
flows_strategy = st.lists(money, min_size=1, max_size=60)
rates = st.floats(0.0, 0.5)


# Worked examples ------------------------------------------------------------------------------


def test_npv_with_annual_end_of_year_flows_reproduces_published_example():
    # legitlads.com ROI console: NPV of -$9.44K at 10% with end-of-year flows over 4 years.
    figure = finance.npv(
        [SAVING_PER_YEAR] * 4, 0.10, currency=USD, periods_per_year=1, upfront=-CAPEX
    )
    assert figure.value == pytest.approx(-9_440, abs=1)
    assert "end of each period" in figure.formula


def test_npv_of_the_same_flows_monthly_is_positive_as_the_case_audit_says():
    # The validation case's audit: discounting the same flows monthly gives about +76.6K.
    figure = finance.npv([SAVING_PER_YEAR / 12] * 48, 0.10, currency=USD, upfront=-CAPEX)
    assert figure.value == pytest.approx(76_600, abs=100)


def test_monthly_rate_compounds_to_the_annual_rate():
    assert finance.periodic_rate(0.10).value == pytest.approx(0.00797414043, rel=1e-9)
    factors = finance.discount_factors(0.10, 24)
    assert factors[11] == pytest.approx(1 / 1.1)
    assert factors[23] == pytest.approx(1 / 1.21)


def test_cost_per_volume_and_per_gpu_hour():
    assert finance.cost_per_million_tokens(50.0, 2e7, currency=USD).value == pytest.approx(2.5)
    assert finance.cost_per_gpu_hour(87_072, 43_536, currency=USD).value == pytest.approx(2.0)
    with pytest.raises(ValueError, match="positive"):
        finance.cost_per_gpu_hour(10.0, 0, currency=USD)


def test_breakeven_month_interpolates_and_requires_staying_below():
    # A: 3 upfront then 1/month; B: 3/month. Cumulative A 3,4,5,6 vs B 0,3,6,9: cross at 1.5.
    figure = finance.breakeven_month([1, 1, 1], [3, 3, 3], upfront_a=3, currency=USD)
    assert figure.value == pytest.approx(1.5)
    # A dips below B in month 1 but ends above: no breakeven.
    assert finance.breakeven_month([0, 5], [1, 1], currency=USD) is None
    # A dips, rises above, then falls below for good: the last crossing counts.
    # Gap 0, -1, 1, -0.5, -2: from 1 above to 0.5 below in month 3, i.e. at 2 + 1/1.5.
    late = finance.breakeven_month([0, 3, 0, 0], [1, 1, 1.5, 1.5], currency=USD)
    assert late.value == pytest.approx(2 + 2 / 3)
    assert finance.breakeven_month([1, 1], [1, 1], currency=USD).value == 0.0


def test_npv_is_vectorized_over_samples_and_rates():
    flows = np.arange(24, dtype=float).reshape(2, 12)
    rates_per_sample = np.array([0.05, 0.2])
    together = finance.npv_values(flows, rates_per_sample, upfront=[-10.0, -20.0])
    apart = [
        finance.npv(row, rate, currency=USD, upfront=start).value
        for row, rate, start in zip(flows, rates_per_sample, [-10.0, -20.0], strict=True)
    ]
    assert together == pytest.approx(apart)


def test_breakeven_is_vectorized_over_samples():
    rng = np.random.default_rng(7)
    costs_a, costs_b = rng.uniform(0, 10, (50, 36)), rng.uniform(0, 12, (50, 36))
    upfront = rng.uniform(0, 40, 50)
    together = finance.breakeven_periods(costs_a, costs_b, upfront_a=upfront)
    for row, value in enumerate(together):
        figure = finance.breakeven_month(
            costs_a[row], costs_b[row], upfront_a=upfront[row], currency=USD
        )
        assert (figure is None and np.isnan(value)) or figure.value == pytest.approx(value)
    assert finance.cumulative(costs_a, upfront).shape == (50, 37)


def test_figures_show_their_working_as_json():
    figure = finance.npv([100.0] * 12, 0.08, currency=USD, upfront=-1_000)
    shown = json.loads(json.dumps(figure.as_dict()))
    assert shown["unit"] == USD
    assert "(1 + r)^(1/p) - 1" in shown["formula"]
    assert {item["name"] for item in shown["inputs"]} >= {"discount rate", "rate per period"}


# Offers ---------------------------------------------------------------------------------------


def test_missing_price_is_reported_never_zero():
    # cloud_gpu_offers.csv: Nebius H100 eu-north1 2.95/h on demand, 1.25 spot, no reserved price.
    offer = CloudGpuOffer(
        "Nebius", "gpu-h100-sxm 1gpu", "eu-north1", "H100 SXM 80GB", 1,
        on_demand_per_hour=usd(2.95, "hour"), spot_per_hour=usd(1.25, "hour"),
    )  # fmt: skip
    assert offer.price_per_gpu_hour("spot").value == 1.25
    with pytest.raises(Missing, match="reserved 1y price") as raised:
        offer.price_per_gpu_hour("reserved_1y")
    result = raised.value.for_option("cloud reserved").as_result()
    assert result.option == "cloud reserved"
    assert "no such price" in result.reason


def test_cloud_price_per_gpu_hour_divides_the_instance_price():
    # AWS p5.48xlarge $98.32/h for 8 H100 = $12.29 per GPU-hour (computespec.pages.dev).
    offer = CloudGpuOffer("AWS", "p5.48xlarge", "us-east-1", "H100", 8, usd(98.32, "hour"))
    assert offer.price_per_gpu_hour("on_demand").value == pytest.approx(12.29)


def test_api_token_cost_with_cache_batch_and_long_context():
    # api_offers.csv: Claude Opus 4.5 at 5 / 25 per 1M, cached 0.50, batch 50% off.
    opus = ApiOffer(
        "Anthropic", "claude-opus-4.5", usd(5, "1M tokens"), usd(25, "1M tokens"),
        usd(0.5, "1M tokens"), batch_discount_pct=50, source=Source("catalog"),
    )  # fmt: skip
    cost = opus.token_cost(input_tokens=1e6, output_tokens=1e6, cached_input_tokens=2e6)
    assert cost.value == pytest.approx(31.0)
    assert opus.token_cost(input_tokens=1e6, output_tokens=1e6, batch=True).value == 15.0
    # Gemini 3.1 Pro preview: 2 / 12 up to 200k-token prompts, 4 / 18 above.
    gemini = ApiOffer(
        "Google", "gemini-3.1-pro-preview", usd(2, "1M tokens"), usd(12, "1M tokens"),
        long_context_threshold_tokens=200_000, long_context_input_per_1m_tokens=usd(4, "1M"),
        long_context_output_per_1m_tokens=usd(18, "1M"), source=Source("catalog"),
    )  # fmt: skip
    long = gemini.token_cost(input_tokens=1e6, output_tokens=1e6, prompt_tokens_per_request=3e5)
    assert long.value == 22.0
    # Without a cached price, cached tokens cost the full input price, and the formula says so.
    cached = gemini.token_cost(input_tokens=0, output_tokens=0, cached_input_tokens=1e6)
    assert cached.value == 2.0
    assert "no cached price" in cached.formula
    with pytest.raises(Missing, match="batch"):
        gemini.token_cost(input_tokens=1, output_tokens=1, batch=True)
    no_tier = ApiOffer("X", "m", usd(1, "1M"), usd(1, "1M"), long_context_threshold_tokens=10,
                       source=Source("catalog"))  # fmt: skip
    with pytest.raises(Missing, match="long-context"):
        no_tier.token_cost(input_tokens=1, output_tokens=1, prompt_tokens_per_request=11)


def test_an_input_only_price_bills_work_without_output_and_output_without_a_price_is_missing():
    # api_offers.csv: OpenAI text-embedding-3-large, 0.13 USD per 1M input tokens, no output.
    embeddings = ApiOffer("OpenAI", "text-embedding-3-large", usd(0.13, "1M tokens"), None,
                          source=Source("catalog"))  # fmt: skip
    bill = embeddings.token_cost(input_tokens=456e6, output_tokens=0)
    assert bill.value == pytest.approx(59.28)
    assert bill.formula == "(input x input price) / 1e6"
    with pytest.raises(Missing, match="missing output price: OpenAI text-embedding-3-large"):
        embeddings.token_cost(input_tokens=1e6, output_tokens=1)


def test_server_power_falls_back_to_max_and_says_so():
    # servers.csv: DGX H100 max 10.2 kW, typical not published.
    dgx = ServerOffer("DGX H100", "H100 SXM", 8, usd(270_000), None, 10.2, 8, 20, 5,
                      source=Source("catalog"))  # fmt: skip
    assert dgx.power_kw().value == 10.2
    assert "upper bound" in dgx.power_kw().source.note
    bare = ServerOffer("x", "B200", 8, usd(1), None, None, None, None, 5, source=Source("catalog"))
    with pytest.raises(Missing, match="server power"):
        bare.power_kw()


def test_facility_energy_and_staff_costs():
    # sa-energy-cost-of-intelligence: 1.2 kW x PUE 1.25 x $0.06/kWh = $0.09 per hour.
    site = Facility("US", usd(0.06, "kWh"), 1.25, source=Source("catalog"))
    assert site.energy_cost_per_hour(1.2).value == pytest.approx(0.09)
    # staff.csv: BLS median sysadmin wage 90,520 / (1 - 29.8% benefits); 20 servers per admin.
    staff = Staff(usd(90_520 / 0.702, "FTE-year"), 20, source=Source("catalog"))
    assert staff.cost_per_month(100).value == pytest.approx(5 * 90_520 / 0.702 / 12)


def test_fx_conversion_shows_rate_and_date():
    # fx.csv: ECB 2025-02-28, 1 EUR = 1.0411 USD, so $104.11 = 100 EUR.
    fx = FxConverter("EUR", FX_ROWS, as_of="2025-03-01")
    figure = fx.convert(usd(104.11, "hour"), "H100 price")
    assert figure.value == pytest.approx(100.0)
    assert figure.unit == "EUR/hour"
    assert "2025-02-28" in figure.formula
    assert FxConverter("EUR", FX_ROWS).convert(usd(108.89)).value == pytest.approx(100.0)


def test_fx_cross_rate_and_missing_rate():
    fx = FxConverter("CHF", FX_ROWS)
    gbp = Price(82.608, "GBP", "", Source("input"))
    assert fx.convert(gbp).value == pytest.approx(93.94)
    with pytest.raises(Missing, match="FX rate USD->SEK"):
        FxConverter("SEK", FX_ROWS).convert(usd(1.0))
    with pytest.raises(Missing, match="on or before 2024-01-01"):
        FxConverter("EUR", FX_ROWS, as_of="2024-01-01").convert(usd(1.0))
    assert FxConverter("USD", ()).convert(usd(7.0)).value == 7.0


def test_price_needs_a_currency_code_and_a_sane_amount():
    with pytest.raises(ValueError, match="ISO 4217"):
        Price(1.0, "$", "hour", Source("input"))
    with pytest.raises(ValueError, match="finite"):
        Price(math.nan, USD, "hour", Source("input"))


# Properties -----------------------------------------------------------------------------------


@given(flows_strategy, money)
def test_zero_discount_rate_makes_npv_the_plain_sum(flows, upfront):
    value = finance.npv(flows, 0.0, currency=USD, upfront=upfront).value
    assert value == pytest.approx(sum(flows) + upfront, rel=1e-9, abs=1e-3)


@given(flows_strategy, rates, money)
def test_doubling_every_cash_flow_doubles_npv(flows, rate, upfront):
    once = finance.npv_values(flows, rate, upfront=upfront)
    twice = finance.npv_values(np.multiply(flows, 2), rate, upfront=2 * upfront)
    assert twice == pytest.approx(2 * once, rel=1e-9, abs=1e-3)


@given(flows_strategy, rates, st.data())
def test_npv_rises_with_each_cash_flow(flows, rate, data):
    index = data.draw(st.integers(0, len(flows) - 1))
    bigger = list(flows)
    bigger[index] += data.draw(st.floats(1.0, 1e6))
    assert finance.npv_values(bigger, rate) > finance.npv_values(flows, rate)


def _brute_force_breakeven(costs_a, costs_b, upfront_a):
    cum_a, cum_b = [upfront_a], [0.0]
    for a, b in zip(costs_a, costs_b, strict=True):
        cum_a.append(cum_a[-1] + a)
        cum_b.append(cum_b[-1] + b)
    gap = [x - y for x, y in zip(cum_a, cum_b, strict=True)]
    for month in range(len(gap)):
        if all(g <= 0 for g in gap[month:]):
            return month, gap
    return None, gap


@given(
    st.lists(st.tuples(st.floats(0, 1e5), st.floats(0, 1e5)), min_size=1, max_size=48),
    st.floats(0, 1e6),
)
def test_breakeven_month_is_where_cumulative_curves_cross(pairs, upfront_a):
    costs_a, costs_b = [a for a, _ in pairs], [b for _, b in pairs]
    figure = finance.breakeven_month(costs_a, costs_b, upfront_a=upfront_a, currency=USD)
    month, gap = _brute_force_breakeven(costs_a, costs_b, upfront_a)
    if month is None:
        assert figure is None
        return
    assert max(month - 1, 0) <= figure.value <= month
    if month > 0:
        # The interpolated gap is zero at the fractional month.
        fraction = figure.value - (month - 1)
        crossing = gap[month - 1] + (gap[month] - gap[month - 1]) * fraction
        assert crossing == pytest.approx(0.0, abs=1e-6 * max(1.0, abs(gap[month - 1])))


@given(st.floats(0, 1e9), st.sampled_from(["USD", "GBP", "CHF"]), st.sampled_from(["EUR", "GBP"]))
def test_fx_round_trip_returns_the_original_amount(amount, currency, reporting):
    there = FxConverter(reporting, FX_ROWS).convert(Price(amount, currency, "", Source("input")))
    back = FxConverter(currency, FX_ROWS).convert(
        Price(there.value, reporting, "", Source("input"))
    )
    assert back.value == pytest.approx(amount, rel=1e-12)
