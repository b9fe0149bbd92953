"""Finance: discounting and NPV, cumulative curves, breakeven months and unit costs.

Arrays run over time on their last axis, so a Monte Carlo run can pass (samples, months) and get
one result per sample. Scalar helpers return ``Figure``s that state their formula and inputs.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from costing.engine.figures import Figure, Quantity, Source

HOURS_PER_YEAR = 8760.0  # 365 x 24, the year cloud price lists and the validation cases use
HOURS_PER_MONTH = HOURS_PER_YEAR / 12  # 730 h, as AWS and others bill a month

DISCOUNTING = (
    "cash flows at the end of each period (bills are paid in arrears; a purchase at the start "
    "is passed as the upfront amount, undiscounted); per-period rate (1 + r)^(1/p) - 1 from the "
    "effective annual rate r, so that 12 months of discounting equal exactly one year at r "
    "(r/12 would compound to more than r)"
)

Value = float | Quantity | Figure


def _qty(value: Value, name: str, unit: str) -> Quantity | Figure:
    """A bare number becomes an input quantity; figures and quantities keep their source."""
    if isinstance(value, Quantity | Figure):
        return value
    return Quantity(name, float(value), unit, Source("input"))


def _currency(amount: Value, currency: str) -> str:
    """The currency of an amount: from its unit, else the caller's; money never goes without one."""
    found = amount.unit.split("/")[0] if isinstance(amount, Quantity | Figure) else currency
    if not found:
        raise ValueError("an amount given as a bare number needs currency=...")
    return found


def periodic_rate(annual_rate: Value, periods_per_year: int = 12) -> Figure:
    """Per-period rate equivalent to an effective annual rate: discounting, growth, price trends."""
    rate = _qty(annual_rate, "annual rate", "fraction/year")
    return Figure(
        "rate per period",
        (1 + rate.value) ** (1 / periods_per_year) - 1,
        f"fraction per 1/{periods_per_year} year",
        f"(1 + annual rate)^(1/{periods_per_year}) - 1",
        (rate,),
    )


def discount_factors(
    annual_rate: ArrayLike, periods: int, periods_per_year: int = 12
) -> NDArray[np.float64]:
    """Factor for the end of period t = 1..periods: (1 + r)^(-t / p); rates may be per sample."""
    rate = np.asarray(annual_rate, dtype=np.float64)[..., None]
    t = np.arange(1, periods + 1, dtype=np.float64)
    return (1 + rate) ** (-t / periods_per_year)


def npv_values(
    cash_flows: ArrayLike,
    annual_rate: ArrayLike,
    *,
    periods_per_year: int = 12,
    upfront: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """NPV over the last axis: upfront + sum of end-of-period flows x discount factors."""
    flows = np.asarray(cash_flows, dtype=np.float64)
    factors = discount_factors(annual_rate, flows.shape[-1], periods_per_year)
    return np.asarray(upfront, dtype=np.float64) + np.sum(flows * factors, axis=-1)


def npv_with_upfront(flows: ArrayLike, annual_rate: float) -> NDArray[np.float64]:
    """NPV per row of flows laid out (rows, 1 + periods): column 0 at time 0, undiscounted,
    then the end of each month; one product with the vector of discount factors."""
    flows = np.asarray(flows, dtype=np.float64)
    return flows[:, 1:] @ discount_factors(annual_rate, flows.shape[1] - 1) + flows[:, 0]


def npv(
    cash_flows: ArrayLike,
    annual_rate: Value,
    *,
    currency: str,
    periods_per_year: int = 12,
    upfront: Value = 0.0,
    name: str = "net present value",
) -> Figure:
    """NPV of one cash-flow stream, with the discounting convention stated in the formula."""
    flows = np.asarray(cash_flows, dtype=np.float64)
    rate = _qty(annual_rate, "discount rate", "fraction/year")
    start = _qty(upfront, "upfront amount (time 0)", currency)
    value = npv_values(flows, rate.value, periods_per_year=periods_per_year, upfront=start.value)
    return Figure(
        name,
        float(value),
        currency,
        f"upfront + sum over t = 1..{flows.shape[-1]} of flow_t / (1 + r)^(t/{periods_per_year}); "
        + DISCOUNTING,
        (
            rate,
            periodic_rate(rate, periods_per_year),
            start,
            Figure("undiscounted flows", float(flows.sum()), currency, "sum of flow_t"),
        ),
    )


def cumulative(cash_flows: ArrayLike, upfront: ArrayLike = 0.0) -> NDArray[np.float64]:
    """Cumulative cost at t = 0 (the upfront amount) and at the end of each period after it."""
    flows = np.asarray(cash_flows, dtype=np.float64)
    start = np.broadcast_to(np.asarray(upfront, dtype=np.float64), flows.shape[:-1])[..., None]
    # Summed in time order from the upfront amount, as a ledger would be.
    return np.cumsum(np.concatenate([start, flows], axis=-1), axis=-1)


def breakeven_periods(
    costs_a: ArrayLike,
    costs_b: ArrayLike,
    *,
    upfront_a: ArrayLike = 0.0,
    upfront_b: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Fractional period from which A's cumulative cost stays at or below B's; NaN if never.

    Costs accrue evenly within a period, so the crossing is interpolated linearly inside it.
    """
    gap = cumulative(costs_a, upfront_a) - cumulative(costs_b, upfront_b)
    below = gap <= 0
    # "Stays there": A is at or below B from this point to the end of the horizon.
    stays = np.flip(np.logical_and.accumulate(np.flip(below, -1), axis=-1), -1)
    first = np.argmax(stays, axis=-1)
    prev_index = np.maximum(first - 1, 0)
    prev = np.take_along_axis(gap, prev_index[..., None], -1)[..., 0]
    here = np.take_along_axis(gap, first[..., None], -1)[..., 0]
    # prev > 0 >= here whenever first > 0, so the denominator is positive there.
    step = np.where(first > 0, prev - here, 1.0)
    fraction = np.where(first > 0, prev / step, 0.0)
    result = np.where(first > 0, prev_index + fraction, 0.0)
    return np.where(stays[..., -1], result, np.nan)


def breakeven_month(
    costs_a: ArrayLike,
    costs_b: ArrayLike,
    *,
    currency: str,
    upfront_a: float = 0.0,
    upfront_b: float = 0.0,
    label_a: str = "A",
    label_b: str = "B",
) -> Figure | None:
    """Month (fractional) from which option A is no dearer than B over the rest of the horizon."""
    month = float(breakeven_periods(costs_a, costs_b, upfront_a=upfront_a, upfront_b=upfront_b))
    if np.isnan(month):
        return None
    totals = tuple(
        Figure(f"{label} total over horizon", float(np.sum(costs) + upfront), currency,
               "upfront + sum of monthly costs")
        for label, costs, upfront in ((label_a, costs_a, upfront_a), (label_b, costs_b, upfront_b))
    )  # fmt: skip
    return Figure(
        f"breakeven month, {label_a} vs {label_b}",
        month,
        "months",
        f"first month m with cumulative cost of {label_a} <= {label_b} from m to the horizon; "
        "linear interpolation within the month of the crossing (costs accrue evenly)",
        totals,
    )


def _unit_cost(name: str, cost: Value, volume: Value, scale: float, per: str, currency: str):
    money = _currency(cost, currency)
    amount, count = _qty(cost, "cost", money), _qty(volume, "volume", per)
    if count.value <= 0:
        raise ValueError(f"{name}: the volume must be positive, got {count.value}")
    label = "1M tokens" if scale == 1e6 else "GPU-hour"
    formula = f"cost / {per}" + (" x 1e6" if scale == 1e6 else "")
    return Figure(
        name, amount.value / count.value * scale, f"{money}/{label}", formula, (amount, count)
    )


def cost_per_million_tokens(cost: Value, tokens: Value, *, currency: str = "") -> Figure:
    """Cost over a period / tokens produced in it x 1e6."""
    return _unit_cost("cost per 1M tokens", cost, tokens, 1e6, "tokens", currency)


def cost_per_gpu_hour(cost: Value, gpu_hours: Value, *, currency: str = "") -> Figure:
    """Cost over a period / GPU-hours delivered in it."""
    return _unit_cost("cost per GPU-hour", cost, gpu_hours, 1.0, "GPU-hours", currency)
