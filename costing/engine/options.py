"""Deployment options: each workload sized per GPU type, and the cheapest offer chosen per option.

Load shape: a workload runs at its peak level for ``peak_hours_per_day`` and at an off-peak level
the rest of the day, chosen so that the day's GPU-hours equal the measured average load; a
serving workload never drops below one warm replica. Batch work (training, GPU-hours) has no
warm floor: it runs for its GPU-hours and stops.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from costing.engine.figures import Figure, Quantity, Source
from costing.engine.finance import HOURS_PER_MONTH
from costing.engine.hardware import Accelerator, Accelerators
from costing.engine.offers import (
    ApiOffer,
    CloudGpuOffer,
    FxConverter,
    Missing,
    Refused,
    ServerOffer,
    Unavailable,
)
from costing.engine.roofline import InferenceWorkload
from costing.engine.scenario import (
    NO_RULES,
    TRAINING_KINDS,
    Eligibility,
    Scenario,
    ScenarioWorkload,
)
from costing.engine.sizing import (
    SECONDS_PER_DAY,
    DoesNotFit,
    SizingResult,
    size_gpu_hours,
    size_inference,
    size_training,
)

DAYS_PER_MONTH = 365 / 12

# Inventories repeat the same shapes (one model, one precision, a few traffic levels), and every
# input of sizing is a frozen dataclass: the same question is answered once.
_size_inference = lru_cache(maxsize=8192)(size_inference)
_size_training = lru_cache(maxsize=1024)(size_training)


@dataclass(frozen=True, slots=True)
class Placement:
    """A workload sized on one GPU type: its load levels in GPUs and its GPU-hours per month.

    Every number is per month at today's demand and scales with demand, so the placements of
    workloads that grow alike can be added up (``merged``) and costed once.
    """

    gpu: str
    sizing: SizingResult | None
    peak_gpus: float  # GPUs at the peak (what a fleet must hold)
    base_gpus: float  # GPUs at the off-peak level (what a commitment or an owned base covers)
    busy_gpu_hours: float  # GPU-hours of work per month
    billed_gpu_hours: float  # GPU-hours rented per month when scaling with the load
    burst_gpu_hours: float  # GPU-hours above the base level: on demand in committed and hybrid
    # GPUs it holds in an owned fleet: serving holds its warm replicas for the peak (peaks
    # coincide in office hours); batch work runs flat across the month and fills the hours
    # serving leaves idle: GPU-hours / (730 h x utilisation target). Linear in demand, so the
    # fleet's need is the sum and whole servers are rounded once, at the fleet.
    owned_need_gpus: float
    base_busy_gpu_hours: float  # GPU-hours of work the owned base of hybrid carries
    # GPUs a batch job needs at once (its gang): the fleet never holds fewer while it is on it.
    gang_gpus: float = 0.0
    # Serving only: an owned fleet holds whole warm replicas, added only when the peak load
    # outgrows them: GPUs per replica x max(minimum, ceil(replicas of load at today's peak x
    # demand)). Zero for batch work and for sums of placements (``merged``).
    replica_gpus: float = 0.0
    peak_load_replicas: float = 0.0
    min_replicas: float = 0.0

    def owned_serving_gpus(self, demand):
        """GPUs of whole warm replicas an owned fleet holds for this serving load at ``demand``
        (relative to today): while one replica covers the peak, growth adds none."""
        replicas = np.ceil(self.peak_load_replicas * np.asarray(demand) - 1e-9)
        return self.replica_gpus * np.maximum(replicas, self.min_replicas)

    @staticmethod
    def serving_gpus_total(placements: list[Placement], demand):
        """The sum of ``owned_serving_gpus(demand)`` over serving placements on one demand
        curve. It is monotone in demand: a placement that holds as many replicas at the curve's
        lowest as at its highest holds them throughout, a constant that needs no pass over the
        (samples, months) curve. Most serving loads fill a fraction of one replica."""
        demand = np.asarray(demand, dtype=np.float64)
        low, high = demand.min(initial=np.inf), demand.max(initial=-np.inf)
        total, constant = np.zeros(demand.shape), 0.0
        for place in placements:
            at_low = float(place.owned_serving_gpus(low))
            if demand.size and at_low == float(place.owned_serving_gpus(high)):
                constant += at_low
            else:
                total += place.owned_serving_gpus(demand)
        return total + constant

    @staticmethod
    def merged(placements: list[Placement]) -> Placement:
        """The sum of placements on one GPU type (their sizing stays with each workload)."""
        sums = [sum(getattr(p, name) for p in placements) for name in _ADDITIVE]
        return Placement(
            placements[0].gpu, None, *sums, gang_gpus=max(p.gang_gpus for p in placements)
        )


_ADDITIVE = (
    "peak_gpus",
    "base_gpus",
    "busy_gpu_hours",
    "billed_gpu_hours",
    "burst_gpu_hours",
    "owned_need_gpus",
    "base_busy_gpu_hours",
)


@dataclass(frozen=True, slots=True)
class PricedOffer:
    """One offer price in the reporting currency, per GPU-hour or per GPU, with its conversion."""

    label: str
    amount: float
    figure: Figure


def _placement(workload: ScenarioWorkload, scenario: Scenario, gpu: Accelerator) -> Placement:
    a = scenario.sizing_assumptions()
    model = scenario.architecture(workload.model)
    if workload.is_token:
        spec = InferenceWorkload(
            precision=workload.precision,
            input_tokens=workload.input_tokens,
            output_tokens=workload.output_tokens,
            requests_per_day=workload.requests_per_day,
            peak_factor=workload.peak_factor,
            ttft_target_s=workload.ttft_target_s,
            output_tokens_per_s_target=workload.output_tokens_per_s_target,
        )
        measured = workload.measured_throughput
        if measured is not None and scenario.accelerators.find(measured.gpu) is gpu:
            spec = replace(
                spec,
                gpus_per_replica=measured.gpus_per_replica,
                measured_tokens_per_second=measured.tokens_per_second,
                measured_source=measured.source,
            )
        sizing = _size_inference(model, gpu, spec, a)
        busy = sizing.total_gpus.value * sizing.utilization.value * HOURS_PER_MONTH
    elif workload.kind in TRAINING_KINDS:
        lora = workload.fine_tuning_method == "lora"
        tokens = workload.training_tokens_per_month
        sizing = _size_training(model, gpu, tokens, workload.precision, a, lora)
        busy = sizing.figure("training GPU-hours").value
    else:
        sizing = size_gpu_hours(workload.gpu_hours_per_month, workload.peak_gpus, a)
        busy = workload.gpu_hours_per_month
    peak = sizing.total_gpus.value
    fraction = min(scenario.assumptions.peak_hours_per_day / 24, 1.0)
    average = busy / HOURS_PER_MONTH
    if workload.is_token:
        warm = sizing.gpus_per_replica.value * a.min_replicas
        off_peak = (average - fraction * peak) / (1 - fraction) if fraction < 1 else peak
        base = min(max(off_peak, warm, 0.0), peak)
        billed = HOURS_PER_MONTH * (fraction * peak + (1 - fraction) * base)
    else:
        base, billed = average, busy
    hour = HOURS_PER_MONTH
    target = scenario.assumptions.owned_utilisation_target
    replica_gpus = peak_load = 0.0
    if workload.is_token:
        owned, gang = peak, 0.0
        replica_gpus = sizing.gpus_per_replica.value
        capacity = sizing.figure("requests per second per replica").value
        peak_rps = workload.requests_per_day * workload.peak_factor / SECONDS_PER_DAY
        peak_load = peak_rps / capacity if capacity else 0.0
    elif scenario.assumptions.batch_peaks_coincide:
        owned, gang = max(peak, busy / (hour * target)), 0.0
    else:
        gang = sizing.gpus_per_replica.value if workload.kind in TRAINING_KINDS else (
            float(workload.peak_gpus))  # fmt: skip
        owned = busy / (hour * target)
    return Placement(
        gpu=gpu.name,
        sizing=sizing,
        peak_gpus=peak,
        base_gpus=base,
        busy_gpu_hours=busy,
        billed_gpu_hours=billed,
        burst_gpu_hours=max(billed - base * hour, 0.0),
        owned_need_gpus=owned,
        base_busy_gpu_hours=min(busy, base * hour),
        gang_gpus=gang,
        replica_gpus=replica_gpus,
        peak_load_replicas=peak_load,
        min_replicas=float(a.min_replicas) if workload.is_token else 0.0,
    )


def placements(
    workload: ScenarioWorkload, scenario: Scenario, gpus: set[str]
) -> tuple[dict[str, Placement], dict[str, str]]:
    """The workload sized on each GPU type it can run on (GPU work runs on its own class only),
    and why it does not fit on the others it was sized for, by GPU type; remembered in
    ``scenario.sized`` while the workload, assumptions, models and parts are the same objects."""
    key = (id(workload), frozenset(gpus))
    depends = (workload, scenario.assumptions, scenario.models, scenario.accelerators)
    kept = scenario.sized.get(key)
    if kept is not None and all(a is b for a, b in zip(kept[0], depends, strict=True)):
        return kept[1]
    sized = _sized(workload, scenario, gpus)
    scenario.sized[key] = (depends, sized)
    return sized


def _sized(
    workload: ScenarioWorkload, scenario: Scenario, gpus: set[str]
) -> tuple[dict[str, Placement], dict[str, str]]:
    known = scenario.accelerators
    if not workload.is_token and workload.kind not in TRAINING_KINDS:
        gpus = {known.find(workload.gpu_class).name} & gpus
    elif scenario.architecture(workload.model) is None:
        return {}, {}
    found, misfits = {}, {}
    for name in sorted(gpus):
        try:
            found[name] = _placement(workload, scenario, known[name])
        except DoesNotFit as error:
            misfits[name] = str(error)
        except (ValueError, KeyError, ZeroDivisionError):
            continue  # the GPU lacks the precision or a figure: not a candidate
    return found, misfits


def _convert(fx: FxConverter, price, name: str, per_unit: float = 1.0) -> PricedOffer:
    figure = fx.convert(price, name)
    if per_unit != 1.0:
        count = Quantity("GPUs per offer", per_unit, "GPUs", price.source)
        figure = Figure(
            f"{name} per GPU", figure.value / per_unit, figure.unit, "price / GPUs", (figure, count)
        )
    return PricedOffer(name, figure.value, figure)


def cheapest_cloud(
    scenario: Scenario, gpu: str, term: str, rules: Eligibility = NO_RULES
) -> tuple[CloudGpuOffer, PricedOffer]:
    """The cheapest offer per GPU-hour at ``term`` for a GPU type among those ``rules`` permit.

    Missing if no offer has a price; Refused, naming the rule and the cheapest refused offer,
    if offers have one but the rules refuse them all.
    """
    found, refused = _cheapest_cloud(
        scenario.offers.cloud_gpu, scenario.accelerators, scenario.fx(), gpu, term,
        rules.refused_ids,
    )  # fmt: skip
    if found is not None:
        return found
    if refused is not None:
        offer, priced = refused
        refusal = rules.refused_offers[offer.id]
        label = f"{priced.label} at {priced.amount:,.2f} {scenario.reporting_currency}/GPU-hour"
        what = f"{term.replace('_', ' ')} offer for {gpu} the workload's rules permit"
        raise Refused(what, refusal.rule, refusal.reason, label)
    raise Missing(f"{term.replace('_', ' ')} price for {gpu}", "no cloud offer has one")


@lru_cache(maxsize=1024)
def _cheapest_cloud(
    offers, parts: Accelerators, fx: FxConverter, gpu: str, term: str, refused_ids: frozenset[str]
):
    """(cheapest permitted, cheapest refused), each (offer, priced) or None."""
    best = best_refused = None
    for offer in offers:
        price = getattr(offer, f"{term}_per_hour")
        if price is None or parts.find(offer.gpu).name != gpu:
            continue
        label = f"{offer.provider} {offer.instance} ({offer.region}) {term}"
        priced = _convert(fx, price, label, offer.gpu_count)
        if offer.id in refused_ids:
            if best_refused is None or priced.amount < best_refused[1].amount:
                best_refused = (offer, priced)
        elif best is None or priced.amount < best[1].amount:
            best = (offer, priced)
    return best, best_refused


def cheapest_server(scenario: Scenario, gpu: str) -> tuple[ServerOffer, PricedOffer]:
    """The cheapest server per GPU for a GPU type among those that can be costed in full.

    A server without a support rate or any published power cannot be costed over its life;
    it is passed over (and named if no other server has the GPU) rather than making the whole
    owned option unavailable.
    """
    return _cheapest_server(scenario.offers.servers, scenario.accelerators, scenario.fx(), gpu)


@lru_cache(maxsize=256)
def _cheapest_server(offers, parts: Accelerators, fx: FxConverter, gpu: str):
    best, incomplete = None, []
    for offer in offers:
        if parts.find(offer.gpu).name != gpu:
            continue
        no_power = offer.power_typical_kw is None and offer.power_max_kw is None
        if offer.support_pct_per_year is None or no_power:
            incomplete.append(offer.name)
            continue
        priced = _convert(fx, offer.price, f"{offer.name} purchase price")
        if best is None or priced.amount / offer.gpu_count < best[1].amount / best[0].gpu_count:
            best = (offer, priced)
    if best is None and incomplete:
        names = ", ".join(incomplete)
        raise Missing(f"server with {gpu}", f"no support rate or power published for {names}")
    if best is None:
        raise Missing(f"server with {gpu}", "no server offer has this GPU")
    return best


@dataclass(frozen=True, slots=True)
class Medium:
    """What an API bills speech or image work by: the offer's price, the unit, the workload's
    volume of it, and what such an API is called when no model is named."""

    price_field: str
    unit: str
    volume_field: str
    service: str


MEDIA = {
    "speech_audio": Medium("per_audio_minute", "audio minutes", "audio_minutes_per_month",
                           "transcription"),
    "image_video": Medium("per_image", "images", "images_per_month", "image generation"),
}  # fmt: skip


def api_offers_for(workload: ScenarioWorkload, scenario: Scenario) -> list[ApiOffer]:
    """The offers that can take the workload: those serving its model (by name, named
    equivalent or resolved when the document was built) for tokens; for speech and images,
    the named equivalent's, else any offer billing that medium."""
    medium = MEDIA.get(workload.kind)
    if medium and not workload.api_equivalent:
        return [o for o in scenario.offers.api if getattr(o, medium.price_field) is not None]
    names = workload.api_names
    return [offer for offer in scenario.offers.api if offer.model in names]


def _media_volume(workload: ScenarioWorkload) -> float:
    medium = MEDIA.get(workload.kind)
    return getattr(workload, medium.volume_field) if medium else 0.0


def api_billable(workload: ScenarioWorkload) -> bool:
    """Whether an API could bill the work at all: tokens, or the audio minutes or images the
    workload states (restoration or voice cloning, stating none, is not an API's work)."""
    return workload.is_token or _media_volume(workload) > 0


def api_bill(workload: ScenarioWorkload, offer: ApiOffer) -> Figure:
    """One month's bill as the offer charges it: audio minutes or images at their unit price;
    tokens with the cached share at the cached price, long prompts at the long-context tier,
    batch work at the batch discount where one is offered; the regional uplift if required."""
    medium = MEDIA.get(workload.kind)
    if medium:
        bill = offer.media_cost(
            price_field=medium.price_field, unit=medium.unit, volume=_media_volume(workload)
        )
    else:
        requests = workload.requests_per_day * DAYS_PER_MONTH
        prompt = requests * workload.input_tokens
        cached = prompt * workload.cached_input_share
        batch = workload.kind == "batch_inference" and offer.batch_discount_pct is not None
        bill = offer.token_cost(
            input_tokens=prompt - cached,
            output_tokens=requests * workload.output_tokens,
            cached_input_tokens=cached,
            prompt_tokens_per_request=workload.input_tokens,
            batch=batch,
        )
    return offer.regional(bill) if workload.regional_processing else bill


def cheapest_api(
    workload: ScenarioWorkload, scenario: Scenario, offers: list[ApiOffer] | None = None
) -> tuple[ApiOffer, Figure]:
    """The permitted API offer with the lowest bill for one month, converted; Missing if none
    has a price, Refused if the workload's rules refuse every priced one. ``offers``: the
    workload's ``api_offers_for``, when the caller has them already."""
    if not api_billable(workload):
        if workload.kind in MEDIA:
            unit = MEDIA[workload.kind].unit
            why = f"{workload.kind} work stating no {unit} a month is not billed by an API"
        else:
            why = f"GPU work ({workload.kind}) is not billed by an API"
        raise Missing("model API", why)
    rules = scenario.rules_for(workload)
    best = best_refused = None
    reasons: list[str] = []
    # On equal bills the offer under the model's own name is taken, then the catalog's order.
    candidates = api_offers_for(workload, scenario) if offers is None else offers
    for offer in sorted(candidates, key=lambda o: o.model != workload.model):
        try:
            bill = api_bill(workload, offer)
            rate = scenario.fx().rate(bill.unit, scenario.reporting_currency)
        except Missing as error:
            reasons.append(str(error))
            continue
        converted = Figure(
            f"{bill.name} per month in {scenario.reporting_currency}",
            bill.value * rate.value,
            f"{scenario.reporting_currency}/month",
            "API bill x FX rate",
            (bill, rate),
        )
        if offer.id in rules.refused_offers:
            if best_refused is None or converted.value < best_refused[1].value:
                best_refused = (offer, converted)
        elif best is None or converted.value < best[1].value:
            best = (offer, converted)
    service = MEDIA[workload.kind].service if workload.kind in MEDIA else "(no model)"
    model = workload.api_equivalent or workload.model or service
    if best is None and best_refused is not None:
        offer, bill = best_refused
        refusal = rules.refused_offers[offer.id]
        label = (
            f"{offer.provider} {offer.model} at {bill.value:,.0f} "
            f"{scenario.reporting_currency}/month"
        )
        raise Refused(f"API offer for {model} the workload's rules permit", refusal.rule,
                      refusal.reason, label)  # fmt: skip
    if best is None:
        why = "; ".join(reasons) or f"no API offer for {model!r} or a named equivalent"
        if workload.api_passed_over:
            why += "; passed over: " + "; ".join(workload.api_passed_over)
        raise Missing(f"API price for {model}", why)
    return best


def unavailable(option: str, error: Missing) -> Unavailable:
    return error.for_option(option).as_result()


def source_note(text: str) -> Source:
    return Source("default", note=text)
