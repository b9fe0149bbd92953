"""Prices the engine consumes: cloud GPU, model API, server, facility, staff and FX offers."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Literal

from costing.engine.figures import Figure, Quantity, Source

CloudTerm = Literal["on_demand", "reserved_1y", "reserved_3y", "spot"]
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class Missing(Exception):
    """A required input is missing: names what, and why the figure or option is unavailable."""

    def __init__(self, what: str, why: str, *, option: str = "") -> None:
        self.what, self.why, self.option = what, why, option
        prefix = f"{option}: " if option else ""
        super().__init__(f"{prefix}missing {what}: {why}")

    def for_option(self, option: str) -> Missing:
        """The same gap, attributed to the option it makes unavailable."""
        return Missing(self.what, self.why, option=option)

    def as_result(self) -> Unavailable:
        return Unavailable(option=self.option, missing=self.what, reason=self.why)


@dataclass(frozen=True, slots=True)
class Unavailable:
    """An option that cannot be priced, with what is missing and why (shown instead of a cost)."""

    option: str
    missing: str
    reason: str
    # Set when the workload's rules refused every offer that could price it: the rule and the
    # cheapest offer it refused, so a reader sees what compliance rules out and what it cost.
    blocked_by: str = ""
    refused_offer: str = ""
    # Set when the option never applies to such work (an API for GPU-hours work, a closed
    # model on owned GPUs): no price could fix it, so it is no gap in the data.
    inapplicable: bool = False

    def as_dict(self) -> dict:
        found = {"option": self.option, "missing": self.missing, "reason": self.reason}
        if self.blocked_by:
            found |= {"blocked_by": self.blocked_by, "refused_offer": self.refused_offer}
        if self.inapplicable:
            found["inapplicable"] = True
        return found


class Refused(Missing):
    """Offers exist but the workload's rules refuse every one: the rule and the cheapest refused."""

    def __init__(self, what: str, rule: str, reason: str, offer: str, *, option: str = "") -> None:
        self.rule, self.refusal_reason, self.offer = rule, reason, offer
        super().__init__(what, f"refused by rule {rule} ({reason}); cheapest refused: {offer}",
                         option=option)  # fmt: skip

    def for_option(self, option: str) -> Refused:
        return Refused(self.what, self.rule, self.refusal_reason, self.offer, option=option)

    def as_result(self) -> Unavailable:
        return Unavailable(self.option, self.what, self.why, self.rule, self.offer)


def catalog_source(reference: str, *, url: str = "", date: str = "", note: str = "") -> Source:
    """The source of a catalog row: its reference (file and row, or row id), URL and stated date."""
    return Source("catalog", reference=reference, url=url, date=date, note=note)


@dataclass(frozen=True, slots=True)
class Price:
    """An amount of money in major units per ``per`` (hour, GB, 1M tokens, kWh; "" = lump sum)."""

    amount: float
    currency: str
    per: str
    source: Source

    def __post_init__(self) -> None:
        if not _CURRENCY.match(self.currency):
            raise ValueError(
                f"currency must be an ISO 4217 code such as USD, got {self.currency!r}"
            )
        if not math.isfinite(self.amount) or self.amount < 0:
            raise ValueError(f"price must be a finite amount >= 0, got {self.amount!r}")

    @property
    def unit(self) -> str:
        return f"{self.currency}/{self.per}" if self.per else self.currency

    def quantity(self, name: str) -> Quantity:
        return Quantity(name, float(self.amount), self.unit, self.source)


def _require(price: Price | None, what: str, why: str) -> Price:
    if price is None:
        raise Missing(what, why)
    return price


@dataclass(frozen=True, slots=True)
class CloudGpuOffer:
    """A rented GPU instance; each hourly price is optional (None means not published, never 0)."""

    provider: str
    instance: str
    region: str
    gpu: str
    gpu_count: int
    on_demand_per_hour: Price | None = None
    reserved_1y_per_hour: Price | None = None
    reserved_3y_per_hour: Price | None = None
    spot_per_hour: Price | None = None
    egress_per_gb: Price | None = None
    id: str = ""  # stable within a scenario: eligibility refuses offers by it

    def __post_init__(self) -> None:
        if self.gpu_count < 1:
            raise ValueError(f"gpu_count must be at least 1, got {self.gpu_count}")

    def price_per_hour(self, term: CloudTerm) -> Price:
        price = getattr(self, f"{term}_per_hour")
        label = f"{self.provider} {self.instance} ({self.region})"
        return _require(price, f"{term.replace('_', ' ')} price", f"{label} has no such price")

    def price_per_gpu_hour(self, term: CloudTerm) -> Figure:
        price = self.price_per_hour(term)
        return Figure(
            f"{self.instance} {term} price per GPU-hour",
            price.amount / self.gpu_count,
            f"{price.currency}/GPU-hour",
            "instance price per hour / GPUs per instance",
            (
                price.quantity("instance price per hour"),
                Quantity("GPUs per instance", self.gpu_count, "GPUs", price.source),
            ),
        )


@dataclass(frozen=True, slots=True)
class ApiOffer:
    """A managed model API priced per 1M tokens, with cached-input, batch and long-context tiers."""

    provider: str
    model: str
    input_per_1m_tokens: Price | None
    output_per_1m_tokens: Price | None
    cached_input_per_1m_tokens: Price | None = None
    batch_discount_pct: float | None = None  # 50 = half price; None = no batch tier offered
    long_context_threshold_tokens: int | None = None  # prompts above it use the tier below
    long_context_input_per_1m_tokens: Price | None = None
    long_context_output_per_1m_tokens: Price | None = None
    per_audio_minute: Price | None = None  # speech: transcription billed by the minute of audio
    per_image: Price | None = None  # image generation billed by the image
    # Processing kept in a region (EU data zone, regional endpoint) costs this much more: 0 where
    # the list price already processes there; None where no regional price is published.
    regional_uplift_pct: float | None = None
    regional_uplift_source: Source | None = None  # where the uplift was published, if not `source`
    regions: tuple[str, ...] = ()
    id: str = ""  # stable within a scenario: eligibility refuses offers by it
    source: Source = field(kw_only=True)  # the catalog row the non-price fields came from

    def token_cost(
        self,
        *,
        input_tokens: float,
        output_tokens: float,
        cached_input_tokens: float = 0.0,
        prompt_tokens_per_request: float = 0.0,
        batch: bool = False,
    ) -> Figure:
        """The bill for a token volume; ``input_tokens`` excludes the cached ones.

        A price is required for every kind of token the work has: an embedding model billing
        input only needs no output price for work without output, but output without a price
        is missing, never free.
        """
        name = f"{self.provider} {self.model}"
        threshold = self.long_context_threshold_tokens
        if threshold is not None and prompt_tokens_per_request > threshold:
            why, tier = f"{name}: prompts over {threshold} tokens", "long-context "
            price_in, price_out = (
                self.long_context_input_per_1m_tokens, self.long_context_output_per_1m_tokens
            )  # fmt: skip
            cached = None
        else:
            why, tier = f"{name} has none", ""
            price_in, price_out = self.input_per_1m_tokens, self.output_per_1m_tokens
            cached = self.cached_input_per_1m_tokens
        lines = [("input", input_tokens, price_in), ("output", output_tokens, price_out)]
        uncached = ""
        if cached_input_tokens:
            if cached is None:
                # No published cache price: the full input price is an upper bound, and says so.
                cached, uncached = price_in, " (no cached price: input price used)"
            lines.append(("cached input", cached_input_tokens, cached))
        for label, tokens, price in lines:
            if price is None and tokens:
                raise Missing(f"{tier}{label.split()[-1]} price", why)
        lines = [line for line in lines if line[2] is not None]
        if not lines:
            raise Missing(f"{tier}input price", why)
        terms = [f"{label} x {label.split()[0]} price" for label, _, _ in lines]
        formula = "(" + " + ".join(terms) + uncached
        total = sum(tokens * price.amount for _, tokens, price in lines) / 1e6
        inputs: list[Quantity] = []
        for label, tokens, price in lines:
            inputs.append(Quantity(f"{label} tokens", tokens, "tokens", Source("input")))
            inputs.append(price.quantity(f"{label} price per 1M tokens"))
        formula += ") / 1e6"
        if batch:
            if self.batch_discount_pct is None:
                raise Missing("batch price", f"{name} offers no batch tier")
            total *= 1 - self.batch_discount_pct / 100
            formula += " x (1 - batch discount)"
            inputs.append(Quantity("batch discount", self.batch_discount_pct, "%", self.source))
        currency = lines[0][2].currency
        return Figure(f"{name} token cost", total, currency, formula, tuple(inputs))

    def media_cost(self, *, price_field: str, unit: str, volume: float) -> Figure:
        """The bill for ``volume`` units (audio minutes, images) at the offer's unit price."""
        name = f"{self.provider} {self.model}"
        price = _require(getattr(self, price_field), f"price per {unit[:-1]}", f"{name} has none")
        count = Quantity(unit, volume, unit, Source("input"))
        return Figure(
            f"{name} {unit} cost",
            volume * price.amount,
            price.currency,
            f"{unit} x price per {unit[:-1]}",
            (count, price.quantity(f"price per {unit[:-1]}")),
        )

    def regional(self, bill: Figure) -> Figure:
        """The bill for processing held in a region: the list bill plus the published uplift.

        An offer publishing no uplift has no regional price: the list price would understate a
        bill that the provider raises for in-region processing (OpenAI and Azure charge 10% more),
        so the offer cannot price work that must stay in a region.
        """
        if self.regional_uplift_pct is None:
            raise Missing(
                "regional processing price",
                f"{self.provider} {self.model} publishes no price for processing held in a region",
            )
        source = self.regional_uplift_source or self.source
        uplift = Quantity("regional processing uplift", self.regional_uplift_pct, "%", source)
        return Figure(
            bill.name + " (regional processing)",
            bill.value * (1 + uplift.value / 100),
            bill.unit,
            "bill x (1 + regional uplift)",
            (bill, uplift),
        )


@dataclass(frozen=True, slots=True)
class ServerOffer:
    """An on-prem server: purchase price, power, rack space, support and useful life."""

    name: str
    gpu: str
    gpu_count: int
    price: Price
    power_typical_kw: float | None
    power_max_kw: float | None
    rack_units: float | None
    support_pct_per_year: float | None  # of the purchase price; 20 = 20% per year
    useful_life_years: float
    source: Source = field(kw_only=True)  # the catalog row the non-price fields came from

    def __post_init__(self) -> None:
        if self.gpu_count < 1 or self.useful_life_years <= 0:
            raise ValueError("a server needs at least one GPU and a positive useful life")

    def power_kw(self) -> Quantity:
        """Typical draw when published; else the maximum, an upper bound that says so."""
        if self.power_typical_kw is not None:
            return Quantity("server power (typical)", self.power_typical_kw, "kW", self.source)
        if self.power_max_kw is not None:
            note = "typical draw not published; maximum used (upper bound)"
            src = replace(self.source, note=note)
            return Quantity("server power (max)", self.power_max_kw, "kW", src)
        raise Missing("server power", f"{self.name} publishes neither typical nor maximum power")


@dataclass(frozen=True, slots=True)
class Facility:
    """Where owned servers run: electricity tariff, PUE, colocation rent, build cost per kW."""

    region: str
    electricity_per_kwh: Price
    pue: float
    colocation_per_kw_month: Price | None = None
    build_cost_per_kw: Price | None = None
    # The room's own life, over which its build is spread (remaining value credited at the
    # horizon). 15 years is the engine's stated default: the mechanical and electrical plant
    # that dominates a data-centre build is depreciated over about 15 years (the shell lasts
    # longer), far beyond the servers' 4-6.
    build_life_years: float = 15.0
    source: Source = field(kw_only=True)  # the catalog row the non-price fields came from

    def __post_init__(self) -> None:
        if self.pue < 1:
            raise ValueError(f"PUE is at least 1 by definition, got {self.pue}")
        if self.build_life_years <= 0:
            raise ValueError(f"a facility's life is positive, got {self.build_life_years}")

    def energy_cost_per_hour(self, it_load_kw: float | Quantity) -> Figure:
        load = it_load_kw
        if not isinstance(load, Quantity):
            load = Quantity("IT load", float(load), "kW", Source("input"))
        return Figure(
            "energy cost per hour",
            load.value * self.pue * self.electricity_per_kwh.amount,
            f"{self.electricity_per_kwh.currency}/hour",
            "IT load x PUE x tariff",
            (
                load,
                Quantity("PUE", self.pue, "ratio", self.source),
                self.electricity_per_kwh.quantity("electricity tariff"),
            ),
        )


@dataclass(frozen=True, slots=True)
class Staff:
    """Operations staff: fully loaded cost per FTE-year and servers one FTE looks after."""

    loaded_cost_per_fte_year: Price
    servers_per_fte: float
    source: Source = field(kw_only=True)  # the catalog row the non-price fields came from

    def cost_per_month(self, servers: float) -> Figure:
        fte = servers / self.servers_per_fte
        return Figure(
            "staff cost per month",
            fte * self.loaded_cost_per_fte_year.amount / 12,
            f"{self.loaded_cost_per_fte_year.currency}/month",
            "servers / servers per FTE x loaded cost per FTE-year / 12",
            (
                Quantity("servers", servers, "servers", Source("input")),
                Quantity("servers per FTE", self.servers_per_fte, "servers/FTE", self.source),
                self.loaded_cost_per_fte_year.quantity("loaded cost per FTE-year"),
            ),
        )


@dataclass(frozen=True, slots=True)
class FxRate:
    """One exchange rate on a date: 1 ``base`` = ``rate`` ``quote``."""

    base: str
    quote: str
    rate: float
    date: str  # ISO date; rates are compared as strings, which ISO dates allow
    source: Source

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rate) and self.rate > 0):
            raise ValueError(f"FX rate must be finite and positive, got {self.rate!r}")


@dataclass(frozen=True, slots=True)
class FxConverter:
    """Converts prices into the reporting currency with the latest rate on or before ``as_of``."""

    reporting_currency: str
    rates: tuple[FxRate, ...]
    as_of: str = ""  # "" = the latest rate held

    def _leg(self, base: str, quote: str) -> Quantity | None:
        """The direct or inverted rate for one pair, latest first; None if there is none."""
        found = [(r.date, r.rate, r) for r in self.rates if (r.base, r.quote) == (base, quote)]
        found += [(r.date, 1 / r.rate, r) for r in self.rates if (r.base, r.quote) == (quote, base)]
        found = [item for item in found if not self.as_of or item[0] <= self.as_of]
        if not found:
            return None
        date, value, row = max(found, key=lambda item: item[0])
        inverted = "" if (row.base, row.quote) == (base, quote) else f" (inverse of {row.rate})"
        note = f"1 {row.base} = {row.rate} {row.quote} on {date}{inverted}"
        src = replace(row.source, date=date, note=note)
        return Quantity(f"{base}->{quote} rate", value, f"{quote}/{base}", src)

    def rate(self, from_currency: str, to_currency: str) -> Quantity | Figure:
        """Units of ``to_currency`` per 1 ``from_currency``; cross rates go through one currency."""
        if from_currency == to_currency:
            return Quantity("same currency", 1.0, "ratio", Source("derived", note="no conversion"))
        direct = self._leg(from_currency, to_currency)
        if direct is not None:
            return direct
        pivots = {c for r in self.rates for c in (r.base, r.quote)} - {from_currency, to_currency}
        for pivot in sorted(pivots):
            first, second = self._leg(from_currency, pivot), self._leg(pivot, to_currency)
            if first is not None and second is not None:
                return Figure(
                    f"{from_currency}->{to_currency} cross rate",
                    first.value * second.value,
                    f"{to_currency}/{from_currency}",
                    f"{from_currency}->{pivot} x {pivot}->{to_currency}",
                    (first, second),
                )
        when = f" on or before {self.as_of}" if self.as_of else ""
        raise Missing(
            f"FX rate {from_currency}->{to_currency}",
            f"no rate{when}, direct, inverse or through one other currency; never assumed 1.0",
        )

    def convert(self, price: Price, name: str = "price") -> Figure:
        """The price in the reporting currency, showing the rate used and its date."""
        rate = self.rate(price.currency, self.reporting_currency)
        legs = rate.inputs if isinstance(rate, Figure) else (rate,)
        dated = "; ".join(leg.source.note for leg in legs if isinstance(leg, Quantity))
        per = f"/{price.per}" if price.per else ""
        return Figure(
            f"{name} in {self.reporting_currency}",
            price.amount * rate.value,
            f"{self.reporting_currency}{per}",
            f"{price.currency} amount x {price.currency}->{self.reporting_currency} rate"
            + (f" ({dated})" if dated else ""),
            (price.quantity(name), rate),
        )
