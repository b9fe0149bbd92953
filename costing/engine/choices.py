"""Which offers each option of a workload uses: the cheapest its rules permit, the terms of an
owned fleet, and why an option is unavailable or refused (a part of building the plans)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from costing.engine import options as opt
from costing.engine.cashflows import FleetTerms, whole_commitment
from costing.engine.deployment_options import DEPLOYMENT_OPTIONS
from costing.engine.figures import Figure, Quantity
from costing.engine.finance import HOURS_PER_MONTH
from costing.engine.offers import Missing, Refused, Unavailable
from costing.engine.scenario import Scenario

if TYPE_CHECKING:
    from costing.engine.portfolio import Plan

OWNED = tuple(option.id for option in DEPLOYMENT_OPTIONS if option.owned)


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

    def api_offers(self, workload) -> list:
        """``options.api_offers_for``, which depends on the model, its named equivalent and
        the kind of work only: asked once per such triple, not once per workload."""
        key = ("api", workload.model, workload.api_equivalent, workload.kind)
        if key not in self.found:
            self.found[key] = (opt.api_offers_for(workload, self.scenario), None)
        return self.found[key][0]


def choose(plan: Plan, scenario: Scenario, option: str, lookups: OfferLookups) -> None:
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
                    suppliers += (cloud_supplier("burst", burst_offer),)
                    rates = (burst.amount, None, 1)
            elif option == "cloud_on_demand":
                od_offer, od = lookups.cloud(gpu, "on_demand", rules)
                cost, figures = place.billed_gpu_hours * od.amount, (od.figure,)
                suppliers = (cloud_supplier("on_demand", od_offer),)
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
                    cloud_supplier("committed", committed_offer),
                    cloud_supplier("on_demand", od_offer),
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


def refuse_option(plan: Plan, option: str, refusal) -> None:
    """The workload's rules refuse the whole option (data may not sit there)."""
    plan.incompatible.add(option)
    why = f"refused by rule {refusal.rule} ({refusal.reason})"
    plan.unavailable[option] = Unavailable(option, f"{option} the workload's rules permit", why,
                                           refusal.rule, option)  # fmt: skip


def cloud_supplier(role: str, offer) -> tuple[str, str, str, str]:
    return (role, offer.provider, offer.region, offer.id)


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
