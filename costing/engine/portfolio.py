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
    FleetTerms,
    add_into,
    api_tokens,
    demand_curve,
    gpu_load_curve,
    monthly_curve,
    owned_fleet,
    rented,
    whole_commitment,
)
from costing.engine.figures import Figure, Quantity
from costing.engine.finance import HOURS_PER_MONTH
from costing.engine.offers import Missing, Refused, Unavailable
from costing.engine.scenario import Scenario, ScenarioWorkload

OWNED = ("on_prem", "colocation", "hybrid")


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


class OfferLookups:
    """The offer look-ups of one scenario, each answered once (or its Missing raised again): a
    portfolio asks the same few questions of every workload (the cheapest server or cloud
    offer for a GPU type, term and rule profile, an owned fleet's terms)."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.found: dict[tuple, tuple] = {}

    def _once(self, key: tuple, find, *args):
        if key not in self.found:
            try:
                self.found[key] = (find(self.scenario, *args), None)
            except Missing as error:
                self.found[key] = (None, error)
        value, error = self.found[key]
        if error is not None:
            raise error.with_traceback(None)
        return value

    def cloud(self, gpu: str, term: str, rules) -> tuple:
        # Rule profiles are the scenario's own objects, alive as long as it is.
        return self._once(("cloud", gpu, term, id(rules)), opt.cheapest_cloud, gpu, term, rules)

    def server(self, gpu: str) -> tuple:
        return self._once(("server", gpu), opt.cheapest_server, gpu)

    def owned_terms(self, option: str, gpu: str) -> tuple:
        return self._once(("terms", option, gpu), owned_terms_figures, option, gpu)


def _choose(plan: Plan, scenario: Scenario, option: str, lookups: OfferLookups) -> None:
    """Pick the cheapest GPU type and permitted offer for one option, or record why there is
    none: a missing price, or the workload's rules refusing every priced offer."""
    term = scenario.assumptions.commitment_term
    rules = scenario.rules_for(plan.workload)
    costs: dict[str, tuple[float, tuple[Figure, ...], tuple, tuple]] = {}
    reasons: list[str] = []
    refusals: list[Refused] = []
    no_commitment: list[NoCommitmentPays] = []
    for gpu, place in plan.placements.items():
        try:
            rates: tuple[float | None, float | None, int] = (None, None, 1)
            if option in OWNED:
                server, price = lookups.server(gpu)
                level = place.base_gpus if option == "hybrid" else place.owned_need_gpus
                cost, figures = level * price.amount / server.gpu_count, (price.figure,)
                figures += lookups.owned_terms(option, gpu)
                suppliers = (("server", server.name, "", ""),)
                if option == "hybrid":
                    burst_offer, burst = lookups.cloud(gpu, "on_demand", rules)
                    figures += (burst.figure,)
                    suppliers += (_cloud_supplier("burst", burst_offer),)
                    rates = (burst.amount, None, 1)
            elif option == "cloud_on_demand":
                od_offer, od = lookups.cloud(gpu, "on_demand", rules)
                cost, figures = place.billed_gpu_hours * od.amount, (od.figure,)
                suppliers = (_cloud_supplier("on_demand", od_offer),)
                rates = (od.amount, None, 1)
            else:
                od_offer, od = lookups.cloud(gpu, "on_demand", rules)
                committed_offer, committed = lookups.cloud(gpu, term, rules)
                if committed.amount >= od.amount:
                    # A commitment is paid for every hour: at a rate no lower than on demand
                    # it never pays, and the option is not offered rather than shown at cost.
                    raise NoCommitmentPays(committed, od)
                size = committed_offer.gpu_count
                level = float(whole_commitment(place.base_gpus, size, committed.amount, od.amount))
                if level == 0:
                    raise NoCommitmentPays(committed, od, base_gpus=place.base_gpus, size=size)
                uncovered = max(place.base_gpus - level, 0.0) * HOURS_PER_MONTH
                cost = level * HOURS_PER_MONTH * committed.amount + (
                    uncovered + place.burst_gpu_hours) * od.amount  # fmt: skip
                figures = (committed.figure, od.figure)
                suppliers = (
                    _cloud_supplier("committed", committed_offer),
                    _cloud_supplier("on_demand", od_offer),
                )
                rates = (od.amount, committed.amount, size)
            costs[gpu] = (cost, figures, suppliers, rates)
        except Refused as error:
            refusals.append(error)
        except NoCommitmentPays as error:
            no_commitment.append(error)
        except Missing as error:
            reasons.append(str(error))
    if not costs:
        closed = plan.workload.model and scenario.architecture(plan.workload.model) is None
        if closed and plan.workload.kind not in ("speech_audio", "image_video", "other_gpu"):
            plan.incompatible.add(option)
            plan.inapplicable.add(option)
            why = (
                f"{plan.workload.model} has no published architecture (closed weights): it can "
                "only be used through its provider's API"
            )
        elif refusals:
            # Offers exist but the workload's rules refuse them all: the option is blocked.
            plan.incompatible.add(option)
            plan.unavailable[option] = refusals[0].for_option(option).as_result()
            return
        elif no_commitment:
            plan.incompatible.add(option)  # whatever the prices held, on demand is cheaper
            why = "; ".join(str(e) for e in no_commitment)
            plan.unavailable[option] = Unavailable(option, "committed price below on demand", why)
            return
        else:
            reasons += [f"{gpu} {why}" for gpu, why in plan.misfits.items()]
            why = "; ".join(reasons) or "the workload cannot be sized on any GPU type offered"
        missing = f"{option} price or GPU"
        if plan.misfits and not plan.placements:
            missing = "a GPU type the workload fits on"
        plan.unavailable[option] = Unavailable(option, missing, why)
        return
    gpu = min(costs, key=lambda name: costs[name][0])
    plan.choice[option], plan.prices[option] = plan.placements[gpu], costs[gpu][1]
    plan.suppliers[option], plan.rates[option] = costs[gpu][2], costs[gpu][3]


class NoCommitmentPays(Exception):
    """The cheapest permitted commitment costs no less than on demand for the same hours: its
    price is no lower, or the base load fills too little of one committed instance."""

    def __init__(self, committed, on_demand, *, base_gpus: float | None = None, size: int = 1):
        if base_gpus is None:
            why = (
                f"the cheapest committed price {committed.amount:,.4f} is not below the "
                f"cheapest on-demand price {on_demand.amount:,.4f} {on_demand.figure.unit}"
            )
        else:
            pays_from = committed.amount / on_demand.amount
            why = (
                f"the base load of {base_gpus:,.2f} GPUs fills {base_gpus / size:.0%} of one "
                f"{size}-GPU committed instance, which pays only from {pays_from:.0%} "
                f"(committed {committed.amount:,.4f} against on demand {on_demand.amount:,.4f} "
                f"{on_demand.figure.unit})"
            )
        super().__init__(f"no commitment pays: {why} ({committed.label}; {on_demand.label})")


def _refuse_option(plan: Plan, option: str, refusal) -> None:
    """The workload's rules refuse the whole option (data may not sit there)."""
    plan.incompatible.add(option)
    why = f"refused by rule {refusal.rule} ({refusal.reason})"
    plan.unavailable[option] = Unavailable(option, f"{option} the workload's rules permit", why,
                                           refusal.rule, option)  # fmt: skip


def _cloud_supplier(role: str, offer) -> tuple[str, str, str, str]:
    return (role, offer.provider, offer.region, offer.id)


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
                _refuse_option(plan, option, rules.refused_options[option])
            elif option == "managed_api":
                try:
                    offer, bill = opt.cheapest_api(workload, scenario)
                    plan.api_bill, plan.prices[option] = bill.value, (bill,)
                    region = ", ".join(offer.regions)
                    plan.suppliers[option] = (("api", offer.provider, region, offer.id),)
                except Missing as error:
                    plan.unavailable[option] = opt.unavailable(option, error)
                    if not opt.api_billable(workload):
                        plan.inapplicable.add(option)
                    no_offer = not opt.api_offers_for(workload, scenario)
                    if no_offer or option in plan.inapplicable or isinstance(error, Refused):
                        plan.incompatible.add(option)
            else:
                _choose(plan, scenario, option, lookups)
        plans.append(plan)
    return plans


def fleet_terms(scenario: Scenario, option: str, gpu: str) -> FleetTerms:
    """The server, site and staff terms of one owned fleet, in the reporting currency."""
    server, price = opt.cheapest_server(scenario, gpu)
    offers, fx, a = scenario.offers, scenario.fx(), scenario.assumptions
    site = offers.facility_colocation if option == "colocation" else offers.facility_onprem
    where = "colocation facility" if option == "colocation" else "owned facility"
    if site is None:
        raise Missing(where, "the scenario has no such facility offer")
    if offers.staff is None:
        raise Missing("staff cost", "the scenario has no staff offer")
    if server.support_pct_per_year is None:
        raise Missing("support %", f"{server.name} has no support percentage")
    rent = build = None
    if option == "colocation":
        if site.colocation_per_kw_month is None:
            raise Missing("colocation rent per kW-month", f"{site.region} has none")
        rent = fx.convert(site.colocation_per_kw_month).value
    else:
        if site.build_cost_per_kw is None:
            why = f"{site.region} has none (give 0 with a source if the room exists)"
            raise Missing("facility build cost per kW", why)
        build = fx.convert(site.build_cost_per_kw).value
    software = a.software_per_gpu_year
    return FleetTerms(
        server_price=price.amount,
        gpus_per_server=server.gpu_count,
        power_kw=server.power_kw().value,
        support_per_year=server.support_pct_per_year / 100,
        life_months=max(round(server.useful_life_years * 12), 1),
        tariff_per_kwh=fx.convert(site.electricity_per_kwh).value,
        pue=site.pue,
        build_per_kw=build,
        build_life_months=max(round(site.build_life_years * 12), 1),
        rent_per_kw_month=rent,
        staff_per_fte_year=fx.convert(offers.staff.loaded_cost_per_fte_year).value,
        servers_per_fte=offers.staff.servers_per_fte,
        software_per_gpu_year=fx.convert(software).value if software else 0.0,
    )


def owned_terms_figures(scenario: Scenario, option: str, gpu: str) -> tuple:
    """The site, staff and server terms of an owned fleet with their sources, for explanations."""
    server, _ = opt.cheapest_server(scenario, gpu)
    offers, fx = scenario.offers, scenario.fx()
    site = offers.facility_colocation if option == "colocation" else offers.facility_onprem
    found: list = [server.power_kw()]
    if server.support_pct_per_year is not None:
        found.append(
            Quantity("support % per year", server.support_pct_per_year, "%", server.source)
        )
    if site is not None:
        found.append(fx.convert(site.electricity_per_kwh, "electricity tariff"))
        found.append(Quantity("PUE", site.pue, "ratio", site.source))
        if option == "colocation" and site.colocation_per_kw_month is not None:
            found.append(fx.convert(site.colocation_per_kw_month, "colocation rent per kW-month"))
        if option != "colocation" and site.build_cost_per_kw is not None:
            found.append(fx.convert(site.build_cost_per_kw, "facility build cost per kW"))
            found.append(Quantity("facility life", site.build_life_years, "years", site.source))
    if offers.staff is not None:
        found.append(fx.convert(offers.staff.loaded_cost_per_fte_year, "loaded cost per FTE-year"))
        found.append(
            Quantity(
                "servers per FTE", offers.staff.servers_per_fte, "servers", offers.staff.source
            )
        )
    return tuple(found)


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
