"""Maps the finance validation cases (TCO totals, breakevens, cost per 1M tokens) onto the engine.

Each case's ``inputs`` are read from its YAML file and fed to ``costing.engine.finance`` and
``costing.engine.offers``; throughput is the tokens/s the case states, never the sizing model, so
these cases check the cost arithmetic alone. ``run_case`` returns the headline figure for a
benchmark table; ``evaluate`` adds the secondary published values some cases carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from costing.engine import finance
from costing.engine.figures import Quantity, Source
from costing.engine.offers import CloudGpuOffer, Price

VALIDATION_DIR = Path(__file__).resolve().parent.parent / "validation"
FINANCE_KINDS = frozenset({"tco_total", "tco_breakeven", "cost_per_million_tokens"})


@dataclass(frozen=True)
class Check:
    """One engine figure against one published figure, with its own tolerance."""

    name: str
    estimate: float
    expected: float
    relative: float | None = None
    absolute: float | None = None
    at_least: bool = False

    @property
    def error(self) -> float:
        return (self.estimate - self.expected) / self.expected

    @property
    def passed(self) -> bool:
        if self.at_least:
            return self.estimate >= self.expected * (1 - (self.relative or 0.0))
        if self.absolute is not None:
            return abs(self.estimate - self.expected) <= self.absolute
        return abs(self.error) <= (self.relative or 0.0)


@dataclass(frozen=True)
class CaseResult:
    """The headline check of a case and any secondary ones."""

    headline: Check
    unit: str
    secondary: tuple[Check, ...] = field(default_factory=tuple)


def finance_cases() -> list[dict]:
    """Every validation YAML whose kind is a finance kind, sorted by file name."""
    cases = [yaml.safe_load(path.read_text()) for path in sorted(VALIDATION_DIR.glob("*.yaml"))]
    return [case for case in cases if case["kind"] in FINANCE_KINDS]


def _case_price(case: dict, amount: float, per: str) -> Price:
    return Price(amount, "USD", per, Source("reference", case["id"], url=case["source_url"]))


def _rental_offer(case: dict, gpu: str, gpu_count: int, amount: float) -> CloudGpuOffer:
    """The case's rental price as a cloud offer, so the per-GPU-hour division is the engine's."""
    price = _case_price(case, amount, "hour")
    return CloudGpuOffer("case", gpu, "", gpu, gpu_count, on_demand_per_hour=price)


def _deepseek_fleet(case: dict) -> list[Check]:
    # The average fleet, not the peak: costing 278 peak nodes would give 106,752 USD/day.
    inputs = case["inputs"]
    offer = _rental_offer(case, inputs["gpu"], 1, inputs["price_per_gpu_hour_usd"])
    gpu_hours = inputs["average_nodes_in_service"] * inputs["gpus_per_node"] * inputs["hours"]
    cost = finance.rental_cost(gpu_hours, offer.price_per_gpu_hour("on_demand"))
    return [Check("daily cost", cost.value, case["expected"]["value"])]


def _training_rental(case: dict) -> list[Check]:
    inputs = case["inputs"]
    gpus = inputs.get("gpus_per_instance", 1)
    hourly = inputs.get("instance_price_usd_per_hour", inputs.get("price_per_gpu_hour_usd"))
    offer = _rental_offer(case, inputs["gpu"], gpus, hourly)
    cost = finance.rental_cost(inputs["gpu_hours"], offer.price_per_gpu_hour("on_demand"))
    at_least = case["expected"].get("comparison") == "at_least"
    return [Check("training rental cost", cost.value, case["expected"]["value"], at_least=at_least)]


def _reserved_vs_on_demand(case: dict) -> list[Check]:
    # The reservation is stated in words ("all upfront, $501 total"); the total is read from them.
    inputs = case["inputs"]
    upfront = float(re.search(r"\$([\d,.]+) total", inputs["reserved"]).group(1).replace(",", ""))
    monthly = finance.reserved_cost_per_month(
        upfront=upfront, term_months=inputs["horizon_months"], currency="USD"
    )
    on_demand = _case_price(case, inputs["on_demand_usd_per_hour"], "hour")
    hours = finance.breakeven_hours_per_month(monthly, on_demand.quantity("on-demand price"))
    return [Check("breakeven hours per month", hours.value, case["expected"]["value"])]


def _buy_vs_rent(case: dict) -> list[Check]:
    inputs, published = case["inputs"], case["expected"]["also_published"]
    months = inputs["horizon_years"] * 12
    capex = inputs["capex_total_usd"]
    # Energy and operations are "treated as fixed per year", so they are spread evenly by month.
    own_monthly = np.full(months, inputs["energy_and_ops_total_usd_over_horizon"] / months)
    rent_per_hour = inputs["accelerators"] * inputs["cloud_rate_usd_per_accelerator_hour"]
    rent_full_monthly = np.full(months, rent_per_hour * finance.HOURS_PER_MONTH)
    rent_monthly = rent_full_monthly * inputs["utilisation"]
    own_total = capex + own_monthly.sum() - inputs["residual_value"]
    cloud_total = rent_monthly.sum()
    payback = finance.payback_period(capex, rent_monthly - own_monthly, currency="USD")
    payback_years = payback.value if payback else float("inf")
    utilisation = finance.breakeven_utilisation(own_total, rent_full_monthly.sum(), currency="USD")
    # inputs_assumed names the NPV timing: annual end-of-year flows reproduce the published NPV,
    # the engine's monthly default gives about +76.6K on the same flows.
    convention = case.get("inputs_assumed", {}).get("npv_cash_flow_convention", "monthly")
    per_year = 1 if convention.startswith("annual") else 12
    saving = (rent_monthly - own_monthly).reshape(-1, 12 // per_year).sum(axis=1)
    rate = Quantity("discount rate", inputs["discount_rate"], "fraction/year", Source("reference"))
    npv = finance.npv(saving, rate, currency="USD", periods_per_year=per_year, upfront=-capex)
    # Tolerances from the case's justification: totals 0.1%, NPV +/- $1K, utilisation as headline.
    return [
        Check("payback years", payback_years, case["expected"]["value"]),
        Check("own total", own_total, published["own_total_usd"], relative=0.001),
        Check("cloud total", cloud_total, published["cloud_total_usd"], relative=0.001),
        Check("saving", cloud_total - own_total, published["saving_usd"], relative=0.001),
        Check("breakeven utilisation", utilisation.value, published["breakeven_utilisation"]),
        Check("NPV at 10%", npv.value, published["npv_usd_at_10pct"], absolute=1000.0),
    ]


def _cost_per_million(case: dict) -> list[Check]:
    inputs = case["inputs"]
    hourly = _case_price(case, inputs["price_usd_per_gpu_hour"] * inputs["gpu_count"], "hour")
    cost = finance.cost_per_million_tokens_at_rate(
        hourly.quantity("price per hour"),
        inputs["throughput_tokens_per_s"],
        utilisation=inputs["utilisation"],
    )
    return [Check("cost per 1M tokens", cost.value, case["expected"]["value"])]


def _energy_and_depreciation(case: dict) -> list[Check]:
    # The case's rule: depreciation accrues every hour; energy only in the hours producing tokens.
    inputs, expected = case["inputs"], case["expected"]
    tariff = _case_price(case, inputs["electricity_usd_per_kwh"], "kWh")
    energy_per_hour = inputs["gpu_power_kw"] * inputs["pue"] * tariff.amount
    energy = finance.cost_per_million_tokens_at_rate(
        energy_per_hour, inputs["throughput_tokens_per_s"], currency="USD"
    )
    yearly = finance.straight_line_depreciation(
        inputs["gpu_capex_usd"], inputs["lifetime_years"], currency="USD"
    )
    hardware = finance.cost_per_million_tokens_at_rate(
        yearly.value / finance.HOURS_PER_YEAR,
        inputs["throughput_tokens_per_s"],
        utilisation=inputs["utilisation"],
        currency="USD",
    )
    wh_per_1k = energy_per_hour / tariff.amount * 1000 / (inputs["throughput_tokens_per_s"] * 3.6)
    return [
        Check(
            "electricity + hardware per 1M tokens",
            energy.value + hardware.value,
            expected["electricity_usd_per_m"] + expected["hardware_usd_per_m"],
        ),
        Check("electricity per 1M tokens", energy.value, expected["electricity_usd_per_m"]),
        Check("hardware per 1M tokens", hardware.value, expected["hardware_usd_per_m"]),
        Check("energy Wh per 1k tokens", wh_per_1k, expected["energy_wh_per_1k_tokens"]),
    ]


_MAPPINGS = {
    "tco-deepseek-inference-fleet-daily-cost": _deepseek_fleet,
    "tco-deepseek-v3-training-rental-cost": _training_rental,
    "tco-llama31-training-hours-on-aws-p5": _training_rental,
    "breakeven-reserved-vs-ondemand-hours-per-month": _reserved_vs_on_demand,
    "breakeven-buy-vs-rent-64-accelerators-payback-npv": _buy_vs_rent,
    "cpm-h100-70b-fp8-single-stream": _cost_per_million,
    "cpm-energy-and-depreciation-floor": _energy_and_depreciation,
}


def evaluate(case: dict) -> CaseResult:
    """Runs a case; checks without their own tolerance take the case's ``tolerance.relative``."""
    mapping = _MAPPINGS.get(case["id"])
    if mapping is None:
        raise KeyError(f"no engine mapping for validation case {case['id']!r}")
    relative = case["tolerance"]["relative"]
    checks = [
        check
        if check.relative is not None or check.absolute is not None
        else Check(check.name, check.estimate, check.expected, relative, None, check.at_least)
        for check in mapping(case)
    ]
    unit = case["expected"].get("unit", "")
    return CaseResult(checks[0], unit, tuple(checks[1:]))


def run_case(case: dict) -> tuple[float, float, str]:
    """(engine estimate, published figure, unit) of a case's headline figure."""
    result = evaluate(case)
    return result.headline.estimate, result.headline.expected, result.unit
