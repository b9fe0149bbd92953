"""Options per workload and for the portfolio, with the owned fleets shared across workloads.

Owned fleets (on-prem, colocation, the owned base of hybrid) are sized per GPU type on the sum
of the workloads' GPU needs, packed into whole servers; each workload carries a share of the
shared fleet's costs equal to its share of the fleet's GPU-hours in that month.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from costing.engine import budget, finance
from costing.engine import options as opt
from costing.engine.cashflows import (
    Array,
    Drivers,
    add_into,
    api_tokens,
    demand_curve,
    gpu_load_curve,
    monthly_curve,
    owned_fleet,
    rented,
    whole_commitment,
)
from costing.engine.choices import (
    OWNED,
    OfferLookups,
    choose,
    fleet_terms,
    refuse_option,
)
from costing.engine.figures import Figure
from costing.engine.finance import HOURS_PER_MONTH
from costing.engine.offers import Missing, Refused, Unavailable
from costing.engine.scenario import Scenario, ScenarioWorkload


@dataclass
class Plan:
    """What one workload does under each option: its placement, prices, or why it cannot."""

    workload: ScenarioWorkload
    demand: Array  # (samples, months): what is asked of it (tokens an API bills)
    placements: dict[str, opt.Placement]
    # GPU type -> why the workload does not fit on it (no replica within the largest sized).
    misfits: dict[str, str] = field(default_factory=dict)
    choice: dict[str, opt.Placement] = field(default_factory=dict)
    prices: dict[str, tuple[Figure, ...]] = field(default_factory=dict)
    unavailable: dict[str, Unavailable] = field(default_factory=dict)
    api_bill: float = 0.0
    # Who is paid under each option: (role, provider or server, region), for sovereignty scoring.
    # (role, provider or server, region, offer id; "" for servers, which have no id)
    suppliers: dict[str, tuple[tuple[str, str, str, str], ...]] = field(default_factory=dict)
    # Options the workload cannot use whatever the prices (a closed model on GPUs, GPU-hours
    # work through a token API, a model no API offers); a missing price is never one of them.
    incompatible: set[str] = field(default_factory=set)
    # Of those, the ones that never apply to this kind of work (GPU work through an API, a
    # closed model on GPUs): a reason naming what is missing elsewhere tells a reader more.
    inapplicable: set[str] = field(default_factory=set)
    # option -> (on-demand, committed) price per GPU-hour of the offers chosen for it (rented
    # parts only; None where the option rents nothing at that term).
    rates: dict[str, tuple[float | None, float | None, int]] = field(default_factory=dict)
    # (samples, months): the GPU load relative to its sizing; demand itself unless the engine
    # sized the work (serving), whose throughput error then scales the GPUs it needs.
    load: Array | None = None

    def __post_init__(self):
        if self.load is None:
            self.load = self.demand


def make_plans(scenario: Scenario, drivers: Drivers) -> list[Plan]:
    """Size every workload on every GPU type offered and choose its offers per option."""
    gpus = {
        scenario.accelerators.find(o.gpu).name
        for o in (*scenario.offers.servers, *scenario.offers.cloud_gpu)
    }
    months, growth = scenario.horizon_months, scenario.assumptions.demand_growth_per_year
    plans = []
    lookups = OfferLookups(scenario)
    # One (samples, months) demand curve per distinct growth rate, shared by its workloads:
    # memory grows with the rates a portfolio uses, not with its workloads.
    curves: dict[float, Array] = {}
    loads: dict[float, Array] = {}
    for workload in scenario.workloads:
        budget.check(f"sizing and pricing workload {workload.id}")
        rate = growth if workload.growth_per_year is None else workload.growth_per_year
        if rate not in curves:
            curves[rate] = demand_curve(rate, drivers, months)
            loads[rate] = gpu_load_curve(curves[rate], drivers)
        # Serving is sized by the engine; batch, training and GPU-hours work by stated hours or
        # by a training estimate the throughput table does not measure.
        load = loads[rate] if workload.is_token else curves[rate]
        plan = Plan(workload, curves[rate], {}, load=load)
        plan.placements, plan.misfits = opt.placements(workload, scenario, gpus)
        rules = scenario.rules_for(workload)
        for option in scenario.options:
            if option in rules.refused_options:
                refuse_option(plan, option, rules.refused_options[option])
            elif option == "managed_api":
                offers = lookups.api_offers(workload)
                try:
                    offer, bill = opt.cheapest_api(workload, scenario, offers)
                    plan.api_bill, plan.prices[option] = bill.value, (bill,)
                    region = ", ".join(offer.regions)
                    plan.suppliers[option] = (("api", offer.provider, region, offer.id),)
                except Missing as error:
                    plan.unavailable[option] = opt.unavailable(option, error)
                    if not opt.api_billable(workload):
                        plan.inapplicable.add(option)
                    no_offer = not offers
                    if no_offer or option in plan.inapplicable or isinstance(error, Refused):
                        plan.incompatible.add(option)
            else:
                choose(plan, scenario, option, lookups)
        plans.append(plan)
    return plans


def owned_gang(plan: Plan, option: str) -> float:
    """GPUs the workload needs at once on the owned fleet (hybrid's bursts go to the cloud)."""
    return 0.0 if option == "hybrid" else plan.choice[option].gang_gpus


def steps(plan: Plan, option: str) -> bool:
    """Whether the workload holds whole warm replicas on this owned fleet (serving on premises
    or in colocation; hybrid's owned base follows the off-peak level)."""
    if option not in ("on_prem", "colocation") or option not in plan.choice:
        return False
    return plan.choice[option].replica_gpus > 0


def owned_levels(plan: Plan, option: str) -> tuple[Array, Array]:
    """(need in GPUs, busy GPU-hours on the owned fleet) per sample and month."""
    place = plan.choice[option]
    load = plan.load
    if option == "hybrid":
        return place.base_gpus * load, place.base_busy_gpu_hours * load
    if steps(plan, option):
        return place.owned_serving_gpus(load), place.busy_gpu_hours * load
    return place.owned_need_gpus * load, place.busy_gpu_hours * load


def merged_plans(plans: list[Plan], option: str) -> list[tuple[Plan, int]]:
    """Workloads that grow alike and use the same GPU type, added into one plan each (with the
    count of workloads in it): costs are linear in these levels, so the sum is costed once."""
    groups: dict[tuple, list[Plan]] = {}
    for plan in plans:
        if option not in plan.unavailable:
            gpu = plan.choice[option].gpu if option in plan.choice else ""
            # Workloads under different rules may rent at different prices: kept apart.
            key = (id(plan.load), gpu, plan.rates.get(option))
            groups.setdefault(key, []).append(plan)
    merged = []
    for members in groups.values():
        first = members[0]
        plan = Plan(first.workload, first.demand, {}, api_bill=sum(p.api_bill for p in members),
                    load=first.load)  # fmt: skip
        if option in first.rates:
            plan.rates[option] = first.rates[option]
        if option in first.choice:
            plan.choice[option] = opt.Placement.merged([p.choice[option] for p in members])
        merged.append((plan, len(members)))
    return merged


@dataclass
class Fleet:
    """One shared owned fleet per GPU type: its flows, servers, utilisation and total GPU-hours."""

    gpu: str
    flows: dict[str, Array]
    servers: Array
    utilisation: Array
    busy: Array
    need: Array  # the sum of the workloads' needs: each one's share of the fleet is its part
    gpus_held: Array


def shared_fleets(scenario: Scenario, plans: list[Plan], option: str, drivers: Drivers):
    """The owned fleets of an option: the combined need per GPU type, packed into servers."""
    need: dict[str, Array] = {}
    busy: dict[str, Array] = {}
    gang: dict[str, float] = {}
    # Whole warm replicas do not add up across workloads: each stepped one rounds alone (those
    # on one demand curve in one pass, ``serving_gpus_total``); the rest are linear in demand
    # and are summed merged.
    stepped: dict[tuple[str, int], list[Plan]] = {}
    for plan in plans:
        if option not in plan.unavailable and steps(plan, option):
            key = (plan.choice[option].gpu, id(plan.load))
            stepped.setdefault(key, []).append(plan)
    for (gpu, _), group in stepped.items():
        places = [plan.choice[option] for plan in group]
        load = group[0].load
        need[gpu] = need.get(gpu, 0.0) + opt.Placement.serving_gpus_total(places, load)
        hours = sum(place.busy_gpu_hours for place in places) * load
        busy[gpu] = busy.get(gpu, 0.0) + hours
        gang[gpu] = max(gang.get(gpu, 0.0), *(owned_gang(plan, option) for plan in group))
    linear = [p for p in plans if not steps(p, option)]
    for plan, _ in merged_plans(linear, option):
        gpu = plan.choice[option].gpu
        level, hours = owned_levels(plan, option)
        need[gpu] = need.get(gpu, 0.0) + level
        busy[gpu] = busy.get(gpu, 0.0) + hours
        gang[gpu] = max(gang.get(gpu, 0.0), owned_gang(plan, option))
    trend = monthly_curve(
        scenario.assumptions.electricity_price_trend_per_year, scenario.horizon_months
    )
    fleets = {}
    for gpu in sorted(need):
        terms = fleet_terms(scenario, option, gpu)
        # The largest job's gang is held even where the summed need is smaller.
        held_for = np.maximum(need[gpu], gang[gpu])
        flows, servers, use = owned_fleet(
            held_for, busy[gpu], terms, scenario.assumptions, drivers, trend
        )
        held = servers * terms.gpus_per_server
        fleets[gpu] = Fleet(gpu, flows, servers, use, busy[gpu], need[gpu], held)
    return fleets


def fleets_for(scenario, plans, drivers) -> tuple[dict, dict]:
    """The shared owned fleets per owned option, and why an owned option has none."""
    fleets, errors = {}, {}
    for option in (o for o in scenario.options if o in OWNED):
        budget.check(f"sizing the shared {option} fleet")
        try:
            fleets[option] = shared_fleets(scenario, plans, option, drivers)
        except Missing as error:
            errors[option] = error.for_option(option).as_result()
    return fleets, errors


def add_fleet(flows: dict[str, Array], fleet: Fleet) -> None:
    """Add a fleet's flows whole, as the shares of the workloads on it sum to: in every sample
    and month where they need it, and nothing where their need is zero."""
    needed = fleet.need > 0
    add_into(flows, fleet.flows, 1.0 if needed.all() else allocation(needed.astype(np.float64)))


def allocation(share: Array) -> Array:
    """Monthly shares (samples, months) -> weights per column: a start-of-month purchase follows
    that month's share, and the horizon column the last month's."""
    return np.concatenate([share, share[:, -1:]], axis=1)


def flows_npv(scenario: Scenario, flows: dict[str, Array]) -> Array:
    """NPV per sample of component flows (samples, months + 1), as the engine discounts them."""
    every = np.sum(list(flows.values()), axis=0)
    return finance.npv_with_upfront(every, scenario.discount_rate_per_year)


def workload_flows(scenario, plan, option, fleets, drivers, network_share) -> dict[str, Array]:
    """One workload's cash flows under one option: where owned, its share of the shared fleet
    in ``fleets`` (None leaves the fleet out: the caller counts it whole)."""
    a, months = scenario.assumptions, scenario.horizon_months
    fx = scenario.fx()
    software = fx.convert(a.software_per_gpu_year).value if a.software_per_gpu_year else 0.0
    flows: dict[str, Array] = {}
    if option == "managed_api":
        trend = monthly_curve(a.api_price_trend_per_year, months)
        return api_tokens(plan.api_bill, plan.demand, trend, drivers)
    place = plan.choice[option]
    if option in OWNED and fleets is not None:
        fleet = fleets[place.gpu]
        level, _ = owned_levels(plan, option)
        # Each workload carries the share of the fleet it holds (warm replicas, or the average
        # GPUs its batch work fills), idle hours included, so that the shares sum to the fleet.
        share = np.divide(level, fleet.need, out=np.zeros_like(level), where=fleet.need > 0)
        add_into(flows, fleet.flows, allocation(share))
    if option != "on_prem" and option != "colocation":
        cloud_trend = monthly_curve(a.cloud_price_trend_per_year, months)
        od, committed, size = plan.rates[option]
        load = plan.load
        if option == "cloud_on_demand":
            add_into(flows, rented(0.0, place.billed_gpu_hours * load, None, od,
                                   cloud_trend, drivers, software))  # fmt: skip
        elif option == "hybrid":
            # The base is owned (the fleet above); only the bursts over it are rented.
            add_into(flows, rented(0.0, place.burst_gpu_hours * load, None, od,
                                   cloud_trend, drivers, software))  # fmt: skip
        else:
            base = place.base_gpus * load
            held = whole_commitment(base, size, committed, od)
            on_demand = place.burst_gpu_hours * load + np.maximum(
                base - held, 0.0) * HOURS_PER_MONTH  # fmt: skip
            add_into(flows, rented(held, on_demand, committed, od, cloud_trend, drivers, software))
    if a.network_storage_per_month is not None:
        monthly = fx.convert(a.network_storage_per_month).value * network_share
        network = np.zeros((plan.demand.shape[0], months + 1))
        network[:, 1:] = monthly
        add_into(flows, {"network_storage": network})
    return flows
