"""Monthly cash flows as numpy arrays shaped (samples, months + 1), split by cost component.

Column 0 is time 0 (purchases at the start, undiscounted); column m is the end of month m, when
that month's bills are paid. The deterministic run is one sample with every uncertain input at
its likely value; a Monte Carlo run passes ``Drivers`` whose fields are arrays of shape
(samples,), and the same code returns one row per sample.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray

from costing.engine.finance import HOURS_PER_MONTH
from costing.engine.scenario import Assumptions, Uncertainty

Array = NDArray[np.float64]

COMPONENTS = {
    "purchase": "servers bought when the fleet must grow x server price (start of the month)",
    "refresh": "servers replaced at the end of their useful life x server price",
    "loan_payments": "purchases and refreshes repaid as a monthly annuity over the loan term;"
    " the balance left at the horizon is paid off then",
    "residual": "-(book value of the servers at the horizon, straight line to the resale value)"
    " and -(resale value of servers retired at a refresh)",
    "facility_build": "added kW of server power x build cost per kW (start of the month); at the"
    " horizon, -(the build's remaining value: straight line over the facility's own life)",
    "support": "servers held x purchase price x support % per year / 12",
    "energy": "servers x power kW x (idle + (1 - idle) x utilisation) x 730 h x PUE x tariff",
    "colocation": "servers held x power kW x colocation rent per kW-month",
    "staff": "servers held / servers per FTE x loaded cost per FTE-year / 12",
    "software": "GPUs held or rented x software per GPU-year / 12",
    "network_storage": "network and storage per month, for every self-hosted option",
    "cloud_committed": "committed GPUs x 730 h x committed price per GPU-hour",
    "cloud_on_demand": "GPU-hours rented on demand x on-demand price per GPU-hour",
    "api_tokens": "tokens per month x price per 1M tokens / 1e6",
}


@dataclass(frozen=True, slots=True)
class Drivers:
    """The uncertain inputs as multipliers (a float, or an array of shape (samples,) each)."""

    cloud_price: ArrayLike = 1.0
    api_price: ArrayLike = 1.0
    server_price: ArrayLike = 1.0
    electricity_tariff: ArrayLike = 1.0
    staff_cost: ArrayLike = 1.0
    demand: ArrayLike = 1.0
    demand_growth_delta_per_year: ArrayLike = 0.0  # added to every workload's growth
    # Throughput served / throughput the engine sized for: below 1, serving needs more GPUs
    # (the engine's own error, from its validation table). Last, so that the other inputs keep
    # their random streams.
    throughput: ArrayLike = 1.0

    @classmethod
    def likely(cls, uncertainty: Uncertainty) -> Drivers:
        """Every uncertain input at its likely value: the deterministic run."""
        return cls(**{name: r.likely for name, r in uncertainty.inputs.items()})

    @property
    def samples(self) -> int:
        sizes = {np.size(getattr(self, f.name)) for f in fields(self)} - {1}
        if len(sizes) > 1:
            raise ValueError(f"drivers disagree on the number of samples: {sorted(sizes)}")
        return sizes.pop() if sizes else 1

    def column(self, name: str) -> Array:
        """One driver as a (samples, 1) column, ready to broadcast over months."""
        value = np.asarray(getattr(self, name), dtype=np.float64).reshape(-1, 1)
        return np.broadcast_to(value, (self.samples, 1))


def monthly_curve(change_per_year: ArrayLike, months: int) -> Array:
    """(samples, months): (1 + change)^((m - 1) / 12) for months m = 1..months."""
    change = np.asarray(change_per_year, dtype=np.float64).reshape(-1, 1)
    return (1 + change) ** (np.arange(months, dtype=np.float64) / 12)


def gpu_load_curve(demand: Array, drivers: Drivers) -> Array:
    """GPUs a sized serving load needs relative to the sizing: demand / throughput error."""
    return demand / drivers.column("throughput")


def demand_curve(growth_per_year: float, drivers: Drivers, months: int) -> Array:
    """Demand relative to today, per sample and month: demand driver x compound growth."""
    growth = growth_per_year + drivers.column("demand_growth_delta_per_year")
    return drivers.column("demand") * monthly_curve(np.maximum(growth, -0.99), months)


def at_month_ends(values: Array) -> Array:
    """(samples, months) bills -> (samples, months + 1) with nothing at time 0."""
    return _at_ends(values, 1.0)


def _at_ends(values: ArrayLike, factor: ArrayLike) -> Array:
    """values x factor written at the month ends of a new (samples, months + 1) array, with
    nothing at time 0: the product is formed in place, with no temporary of its size."""
    values = np.asarray(values, dtype=np.float64)
    out = np.empty((*values.shape[:-1], values.shape[-1] + 1))
    out[..., 0] = 0.0
    np.multiply(values, factor, out=out[..., 1:])
    return out


def at_month_starts(values: Array) -> Array:
    """(samples, months) purchases at the start of each month -> columns 0..months-1."""
    return np.pad(values, ((0, 0), (0, 1)))


@dataclass(frozen=True, slots=True)
class FleetTerms:
    """A server type and its site, all money in the reporting currency."""

    server_price: float
    gpus_per_server: int
    power_kw: float
    support_per_year: float  # fraction of the purchase price
    life_months: int
    tariff_per_kwh: float
    pue: float
    build_per_kw: float | None  # owned facility
    rent_per_kw_month: float | None  # colocation
    staff_per_fte_year: float
    servers_per_fte: float
    software_per_gpu_year: float
    # A room is a long-lived asset: what of its build outlives the horizon is credited back.
    build_life_months: int = 180


def loan_payments(capex: Array, annual_rate: float, term_months: int) -> Array:
    """Each purchase at column k repaid in equal payments at columns k+1 .. k+term."""
    monthly = (1 + annual_rate) ** (1 / 12) - 1
    factor = monthly / (1 - (1 + monthly) ** -term_months) if monthly else 1 / term_months
    total = np.cumsum(capex, axis=-1)
    lagged = np.pad(total, ((0, 0), (term_months, 0)))[:, : total.shape[1]]
    owed = total - lagged  # purchases made within the last ``term`` columns
    payments = factor * np.pad(owed, ((0, 0), (1, 0)))[:, :-1]
    # The balance still owed at the horizon is paid off then: what is bought is paid for.
    horizon = capex.shape[1] - 1
    left = np.maximum(np.arange(capex.shape[1]) + term_months - horizon, 0).astype(np.float64)
    annuity = (1 - (1 + monthly) ** -left) / monthly if monthly else left
    payments[:, -1] += np.sum(capex * factor * annuity, axis=1)
    return payments


def owned_fleet(
    need_gpus: Array,
    busy_gpu_hours: Array,
    terms: FleetTerms,
    assumptions: Assumptions,
    drivers: Drivers,
    tariff_trend: Array,
) -> tuple[dict[str, Array], Array, Array]:
    """Cash flows of one shared server fleet, its servers held and its utilisation per month.

    Servers are bought when the need first exceeds the fleet and kept (a fleet is not sold
    when demand dips); the need is in GPUs, packed into whole servers.
    """
    # Arrays are built in place where they can be: a Monte Carlo fleet is (samples, months)
    # and every temporary of that size costs more to allocate than to compute.
    samples, months = need_gpus.shape
    held = np.maximum.accumulate(need_gpus, axis=1)
    held /= terms.gpus_per_server
    held -= 1e-9
    np.ceil(held, out=held)
    # Servers bought at the start of each month (column ``months``, the horizon, buys none).
    buys = np.zeros((samples, months + 1))
    buys[:, 0] = held[:, 0]
    np.subtract(held[:, 1:], held[:, :-1], out=buys[:, 1:months])
    life = terms.life_months
    if life < 1:
        raise ValueError(f"a server's life is at least one month, got {life}")
    refresh_units = np.zeros_like(buys)
    if assumptions.refresh_at_end_of_life:
        # One refresh per life within the horizon: at most `months` of them.
        for shift in range(life, months, life):
            refresh_units[:, shift:months] += buys[:, : months - shift]
    price = terms.server_price * drivers.column("server_price")
    salvage = assumptions.residual_value_fraction
    age = months - np.arange(months + 1, dtype=np.float64)
    book = 1 - (1 - salvage) * np.minimum(age / life, 1.0)
    alive = np.arange(months + 1) >= (months - life if assumptions.refresh_at_end_of_life else 0)
    residual = refresh_units * -salvage
    residual[:, -1] -= (buys + refresh_units) @ (book * alive)
    residual *= price
    flows = {"purchase": buys * price, "refresh": refresh_units * price, "residual": residual}
    capacity_gpu_hours = held * terms.gpus_per_server
    capacity_gpu_hours *= HOURS_PER_MONTH
    use = np.zeros_like(held)
    np.divide(busy_gpu_hours, capacity_gpu_hours, out=use, where=held > 0)
    np.minimum(use, 1.0, out=use)
    idle = assumptions.idle_power_fraction
    drawn = use * (1 - idle)
    drawn += idle
    kw = held * terms.power_kw
    kw *= drawn
    tariff = terms.tariff_per_kwh * drivers.column("electricity_tariff") * tariff_trend
    energy = _at_ends(kw, HOURS_PER_MONTH)
    energy[:, 1:] *= terms.pue
    energy[:, 1:] *= tariff
    flows["energy"] = energy
    if terms.build_per_kw is not None:
        build = np.zeros_like(buys)
        np.multiply(buys[:, :months], terms.power_kw, out=build[:, :months])
        build[:, :months] *= terms.build_per_kw
        # Straight-line book value of each month's build at the horizon, credited then.
        built_age = months - np.arange(months + 1, dtype=np.float64)
        left = np.maximum(1 - built_age / terms.build_life_months, 0.0)
        build[:, -1] -= build @ left
        flows["facility_build"] = build
    if terms.rent_per_kw_month is not None:
        rent = _at_ends(held, terms.power_kw)
        rent[:, 1:] *= terms.rent_per_kw_month
        flows["colocation"] = rent
    support = _at_ends(held, price)
    support[:, 1:] *= terms.support_per_year
    support[:, 1:] /= 12
    flows["support"] = support
    staff = np.zeros_like(buys)
    np.divide(held, terms.servers_per_fte, out=staff[:, 1:])
    staff[:, 1:] *= terms.staff_per_fte_year * drivers.column("staff_cost")
    staff[:, 1:] /= 12
    flows["staff"] = staff
    software = _at_ends(held, terms.gpus_per_server)
    software[:, 1:] *= terms.software_per_gpu_year
    software[:, 1:] /= 12
    flows["software"] = software
    financing = assumptions.financing
    if financing.kind == "loan":
        capex = flows.pop("purchase") + flows.pop("refresh")
        flows["loan_payments"] = loan_payments(capex, financing.annual_rate, financing.term_months)
    return flows, held, use


def whole_commitment(
    base_gpus: ArrayLike, instance_gpus: int, committed_rate: float, on_demand_rate: float
) -> Array:
    """GPUs committed in whole instances. The part of an instance the base leaves over is
    committed too only when renting that part on demand would cost more than the whole
    instance's committed hours: fraction x on-demand > committed rate. A 1-year commitment at
    41.75 USD a month against 0.096 USD/hour on demand pays from 435 hours a month."""
    units = np.asarray(base_gpus, dtype=np.float64) / instance_gpus
    whole = np.floor(units + 1e-9)
    extra = (units - whole) * on_demand_rate > committed_rate
    return (whole + extra) * instance_gpus


def rented(
    committed_gpus: Array,
    on_demand_gpu_hours: Array,
    committed_price: float | None,
    on_demand_price: float,
    price_trend: Array,
    drivers: Drivers,
    software_per_gpu_year: float,
) -> dict[str, Array]:
    """Cash flows of rented GPUs: a commitment for the base and on-demand hours for the rest."""
    scale = drivers.column("cloud_price") * price_trend
    on_demand = _at_ends(on_demand_gpu_hours, on_demand_price)
    on_demand[:, 1:] *= scale
    flows = {"cloud_on_demand": on_demand}
    hours = on_demand_gpu_hours
    if committed_price is not None:
        committed_hours = committed_gpus * HOURS_PER_MONTH
        committed = _at_ends(committed_hours, committed_price)
        committed[:, 1:] *= scale
        flows["cloud_committed"] = committed
        hours = hours + committed_hours
    software = np.zeros(on_demand.shape)
    np.divide(hours, HOURS_PER_MONTH, out=software[:, 1:])
    software[:, 1:] *= software_per_gpu_year
    software[:, 1:] /= 12
    flows["software"] = software
    return flows


def api_tokens(bill_per_month: float, demand: Array, price_trend: Array, drivers: Drivers):
    """Token bills: today's monthly bill x demand x API price trend x API price driver."""
    scale = drivers.column("api_price") * price_trend
    bills = _at_ends(demand, bill_per_month)
    bills[:, 1:] *= scale
    return {"api_tokens": bills}


def add_into(total: dict[str, Array], flows: dict[str, Array], weight: ArrayLike = 1.0) -> None:
    """Accumulate component flows in place, so that workloads are summed as they are computed."""
    whole = np.ndim(weight) == 0 and weight == 1.0  # no product to form
    for name, values in flows.items():
        if name in total:
            total[name] += values if whole else values * weight
        elif whole:
            total[name] = np.array(values, dtype=np.float64)  # a copy: ``flows`` may be kept
        else:
            total[name] = np.asarray(values * weight, dtype=np.float64)
