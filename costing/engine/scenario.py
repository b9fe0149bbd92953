"""The scenario document: workloads, offers and assumptions, validated into frozen dataclasses."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from costing.engine.architecture import ModelArchitecture
from costing.engine.figures import Source
from costing.engine.hardware import Accelerator, Accelerators, public_accelerators
from costing.engine.limits import with_limits
from costing.engine.offers import (
    ApiOffer,
    CloudGpuOffer,
    Facility,
    FxConverter,
    FxRate,
    Price,
    ServerOffer,
    Staff,
    catalog_source,
)
from costing.engine.roofline import SizingAssumptions, assumptions_for

SCHEMA_PATH = Path(__file__).resolve().parent / "scenario.schema.json"
# The schema as applied and published: the file's types and meanings, the table's ranges.
SCHEMA: dict = with_limits(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
TOKEN_KINDS = {"chat", "completion", "batch_inference", "embeddings"}
TRAINING_KINDS = {"fine_tuning", "training"}
UNCERTAIN_INPUTS = (
    "cloud_price",
    "api_price",
    "server_price",
    "electricity_tariff",
    "staff_cost",
    "demand",
    "demand_growth_delta_per_year",
    "throughput",
)


class ScenarioInvalid(Exception):
    """A scenario that cannot be evaluated: every problem with the JSON path where it lies."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors))


@dataclass(frozen=True, slots=True)
class Financing:
    """How purchases are paid: cash at purchase, or a loan repaid in equal monthly payments."""

    kind: str = "none"
    annual_rate: float = 0.0
    term_months: int = 36


@dataclass(frozen=True, slots=True)
class Assumptions:
    """Trends, policies and defaults of a scenario; each default is the engine's stated choice."""

    demand_growth_per_year: float = 0.0
    cloud_price_trend_per_year: float = 0.0
    api_price_trend_per_year: float = 0.0
    electricity_price_trend_per_year: float = 0.0
    software_per_gpu_year: Price | None = None
    network_storage_per_month: Price | None = None
    sizing_profile: str = "tuned_server"
    sizing_overrides: dict[str, float] = field(default_factory=dict)
    # Batch work on an owned fleet is planned to fill at most this share of the GPU-hours it
    # adds (1: a job that keeps 8 GPUs busy all month needs 8 GPUs); below 1 is headroom the
    # user chooses, shown with the fleet's utilisation.
    owned_utilisation_target: float = 1.0
    # True: batch jobs run at their peak GPUs at the same time as the serving peak (the fleet
    # holds every peak at once); False: they run flat and fill the hours serving leaves idle.
    batch_peaks_coincide: bool = False
    # Share of typical power an idle GPU server still draws: idle GPUs draw roughly 10-15% of
    # their TDP while CPUs, memory, NICs and fans run on, so a server idles near 30% of typical.
    idle_power_fraction: float = 0.3
    # Peak load lasts this long each day; the rest of the day runs at the off-peak level.
    peak_hours_per_day: float = 4.0
    commitment_term: str = "reserved_1y"
    financing: Financing = field(default_factory=Financing)
    refresh_at_end_of_life: bool = True
    # Resale value at the end of the useful life, as a share of the purchase price.
    residual_value_fraction: float = 0.0


@dataclass(frozen=True, slots=True)
class MeasuredThroughput:
    """Throughput the organization measured on its own serving stack for this workload's
    lengths: on that GPU type it replaces the engine's estimate (a benchmark beats a model)."""

    gpu: str
    tokens_per_second: float  # output tokens/s of one replica (prompt tokens/s if no output)
    gpus_per_replica: int = 1
    source: str = ""


@dataclass(frozen=True, slots=True)
class ScenarioWorkload:
    """One inventory item: what it runs, how much, how fast, and how it grows."""

    id: str
    kind: str
    name: str = ""
    model: str = ""
    precision: str = "bf16"
    input_tokens: float = 0.0
    output_tokens: float = 0.0
    requests_per_day: float = 0.0
    peak_factor: float = 1.0
    ttft_target_s: float | None = None
    output_tokens_per_s_target: float | None = None
    training_tokens_per_month: float = 0.0
    fine_tuning_method: str = "lora"
    gpu_hours_per_month: float = 0.0
    peak_gpus: int = 0
    gpu_class: str = ""
    growth_per_year: float | None = None  # None: the scenario's demand growth
    api_equivalent: str = ""  # one API model the author names as serving this one
    # The API model names serving this model, resolved when the document was built
    # (costing.engine.api_models), and the offers passed over with why: the engine matches names.
    api_models: tuple[str, ...] = ()
    api_passed_over: tuple[str, ...] = ()
    # Key of the scenario's eligibility profile: what this workload's rules refuse ("" = none).
    eligibility: str = ""
    measured_throughput: MeasuredThroughput | None = None
    # What a managed API bills besides tokens: minutes of audio, images; the share of input
    # tokens its prompt cache serves; processing held in a region (EU data zone and the like).
    audio_minutes_per_month: float = 0.0
    images_per_month: float = 0.0
    cached_input_share: float = 0.0
    regional_processing: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.measured_throughput, dict):
            measured = MeasuredThroughput(**self.measured_throughput)
            object.__setattr__(self, "measured_throughput", measured)
        for name in ("api_models", "api_passed_over"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def api_names(self) -> frozenset[str]:
        """The API model names that price this workload: its model's own, the author's named
        equivalent, and those resolved when the document was built."""
        return frozenset({self.model, self.api_equivalent, *self.api_models} - {""})

    @property
    def is_token(self) -> bool:
        return self.kind in TOKEN_KINDS

    @property
    def tokens_per_day(self) -> float:
        return self.requests_per_day * (self.input_tokens + self.output_tokens)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a workload may not use an offer or an option: the rule, its citation and the reason."""

    rule: str
    name: str = ""
    reason: str = ""
    citation: str = ""

    def as_dict(self) -> dict:
        return {"rule": self.rule, "name": self.name, "reason": self.reason,
                "citation": self.citation}  # fmt: skip


@dataclass(frozen=True)
class Eligibility:
    """What one set of rules refuses, decided before cost: offers by id and whole options.

    Workloads with the same rules share one profile, so the cheapest permitted offer is found
    once per profile, GPU type and term rather than once per workload.
    """

    refused_offers: dict[str, Refusal] = field(default_factory=dict)
    refused_options: dict[str, Refusal] = field(default_factory=dict)

    @property
    def refused_ids(self) -> frozenset[str]:
        return frozenset(self.refused_offers)


NO_RULES = Eligibility()


@dataclass(frozen=True, slots=True)
class Offers:
    """The prices a scenario may use, as the engine's offer types."""

    cloud_gpu: tuple[CloudGpuOffer, ...] = ()
    api: tuple[ApiOffer, ...] = ()
    servers: tuple[ServerOffer, ...] = ()
    facility_onprem: Facility | None = None
    facility_colocation: Facility | None = None
    staff: Staff | None = None
    fx: tuple[FxRate, ...] = ()


@dataclass(frozen=True, slots=True)
class Range:
    """Low, likely and high value of one uncertain input."""

    low: float
    likely: float
    high: float


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """The uncertain inputs and how many seeded samples to draw (kept for the Monte Carlo)."""

    samples: int = 1000
    seed: int = 0
    inputs: dict[str, Range] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # where each range comes from


@dataclass(frozen=True, slots=True)
class Scenario:
    """A self-contained what-if: workloads, offers, assumptions and the options to compare."""

    name: str
    reporting_currency: str
    start_date: str
    horizon_months: int
    discount_rate_per_year: float
    workloads: tuple[ScenarioWorkload, ...]
    offers: Offers
    options: tuple[str, ...]
    assumptions: Assumptions = field(default_factory=Assumptions)
    models: tuple[ModelArchitecture, ...] = ()
    uncertainty: Uncertainty = field(default_factory=Uncertainty)
    # The day prices are taken as of (ISO); "" = the latest rate the document holds.
    prices_as_of: str = ""
    eligibility: dict[str, Eligibility] = field(default_factory=dict)
    # The parts offers and workloads name, and how a name finds one (hardware.Accelerators).
    accelerators: Accelerators = field(default_factory=public_accelerators)
    # Each workload's sizing on the GPU types, kept across the evaluations of this scenario and
    # of its copies (replace() shares the dict): a run evaluates it some eight times (Monte
    # Carlo, sensitivity, placement...) and sizing reads no price and no uncertain input.
    sized: dict = field(
        default_factory=dict, repr=False, compare=False, metadata={"document": False}
    )

    def rules_for(self, workload: ScenarioWorkload) -> Eligibility:
        """The eligibility profile of a workload (no refusals when it names none)."""
        return self.eligibility.get(workload.eligibility, NO_RULES)

    def unrestricted(self) -> Scenario:
        """The same scenario with every rule lifted: what the cheapest offers would cost."""
        return replace(self, eligibility={})

    def fx(self) -> FxConverter:
        return FxConverter(self.reporting_currency, self.offers.fx, as_of=self.prices_as_of)

    def sizing_assumptions(self) -> SizingAssumptions:
        return assumptions_for(self.assumptions.sizing_profile, **self.assumptions.sizing_overrides)

    def architecture(self, name: str) -> ModelArchitecture | None:
        return next((model for model in self.models if model.name == name), None)


def _source(doc: dict | None, reference: str) -> Source:
    doc = doc or {}
    return catalog_source(
        doc.get("reference") or reference,
        url=doc.get("url", ""),
        date=doc.get("date", ""),
        note=doc.get("note", ""),
    )


def _price(doc: dict | None, per: str, reference: str) -> Price | None:
    if doc is None:
        return None
    return Price(doc["amount"], doc["currency"], per, _source(doc.get("source"), reference))


def _prices(doc: dict, reference: str, per_field: dict[str, str]) -> dict[str, Price | None]:
    return {name: _price(doc.get(name), per, reference) for name, per in per_field.items()}


def _plain(doc: dict, cls: type, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    names = {f.name for f in fields(cls)} - set(skip)
    return {key: value for key, value in doc.items() if key in names}


def _facility(doc: dict | None, reference: str) -> Facility | None:
    if doc is None:
        return None
    per = {"electricity_per_kwh": "kWh", "colocation_per_kw_month": "kW-month"}
    per["build_cost_per_kw"] = "kW"
    return Facility(
        region=doc["region"],
        pue=doc["pue"],
        build_life_years=doc.get("build_life_years", 15.0),
        source=_source(doc.get("source"), reference),
        **_prices(doc, reference, per),
    )


def _offers(doc: dict) -> Offers:
    hourly = {f"{t}_per_hour": "hour" for t in ("on_demand", "reserved_1y", "reserved_3y", "spot")}
    cloud = tuple(
        CloudGpuOffer(
            **{
                "region": "",
                **_plain(row, CloudGpuOffer, (*hourly, "egress_per_gb")),
                "id": row.get("id") or f"cloud_gpu[{i}]",
            },
            **_prices(row, f"offers.cloud_gpu[{i}]", {**hourly, "egress_per_gb": "GB"}),
        )
        for i, row in enumerate(doc.get("cloud_gpu", []))
    )
    per_1m = {
        f"{k}_per_1m_tokens": "1M tokens"
        for k in ("input", "output", "cached_input", "long_context_input", "long_context_output")
    }
    per_unit = {**per_1m, "per_audio_minute": "audio minute", "per_image": "image"}
    api = tuple(
        ApiOffer(
            id=row.get("id") or f"api[{i}]",
            provider=row["provider"],
            model=row["model"],
            batch_discount_pct=row.get("batch_discount_pct"),
            long_context_threshold_tokens=row.get("long_context_threshold_tokens"),
            regional_uplift_pct=row.get("regional_uplift_pct"),
            regional_uplift_source=(
                _source(row["regional_uplift_source"], f"offers.api[{i}].regional_uplift_source")
                if row.get("regional_uplift_source")
                else None
            ),
            regions=tuple(row.get("regions", ())),
            source=_source(row.get("source"), f"offers.api[{i}]"),
            **_prices(row, f"offers.api[{i}]", per_unit),
        )
        for i, row in enumerate(doc.get("api", []))
    )
    servers = tuple(
        ServerOffer(
            **{
                **dict.fromkeys(("power_typical_kw", "power_max_kw", "rack_units")),
                "support_pct_per_year": None,
                **_plain(row, ServerOffer, ("price", "source")),
            },
            price=_price(row["price"], "", f"offers.servers[{i}]"),
            source=_source(row.get("source"), f"offers.servers[{i}]"),
        )
        for i, row in enumerate(doc.get("servers", []))
    )
    staff_doc = doc.get("staff")
    staff = None
    if staff_doc is not None:
        staff = Staff(
            loaded_cost_per_fte_year=_price(
                staff_doc["loaded_cost_per_fte_year"], "FTE-year", "offers.staff"
            ),
            servers_per_fte=staff_doc["servers_per_fte"],
            source=_source(staff_doc.get("source"), "offers.staff"),
        )
    fx = tuple(
        FxRate(r["base"], r["quote"], r["rate"], r["date"], _source(r.get("source"), f"fx[{i}]"))
        for i, r in enumerate(doc.get("fx", []))
    )
    return Offers(
        cloud_gpu=cloud,
        api=api,
        servers=servers,
        facility_onprem=_facility(doc.get("facility_onprem"), "offers.facility_onprem"),
        facility_colocation=_facility(doc.get("facility_colocation"), "offers.facility_colocation"),
        staff=staff,
        fx=fx,
    )


def _assumptions(doc: dict) -> Assumptions:
    values = _plain(doc, Assumptions, ("software_per_gpu_year", "network_storage_per_month"))
    if "financing" in doc:
        values["financing"] = Financing(**doc["financing"])
    return Assumptions(
        software_per_gpu_year=_price(doc.get("software_per_gpu_year"), "GPU-year", "assumptions"),
        network_storage_per_month=_price(
            doc.get("network_storage_per_month"), "month", "assumptions"
        ),
        **values,
    )


def _refusals(doc: dict) -> dict[str, Refusal]:
    return {key: Refusal(**value) for key, value in doc.items()}


def _eligibility(doc: dict) -> dict[str, Eligibility]:
    return {
        key: Eligibility(
            refused_offers=_refusals(profile.get("refused_offers", {})),
            refused_options=_refusals(profile.get("refused_options", {})),
        )
        for key, profile in doc.items()
    }


def accelerators_from(rows: list[dict] | None) -> Accelerators:
    """A document's ``accelerators`` as the engine's table; none given: the public one."""
    if rows is None:
        return public_accelerators()
    return Accelerators(
        Accelerator(
            **_plain(row, Accelerator, ("source",)),
            source=_source(row.get("source"), f"accelerators[{i}]: {row['name']}"),
        )
        for i, row in enumerate(rows)
    )


def load_scenario(document: dict) -> Scenario:
    """Validate a scenario document (schema, then meaning) and build its dataclasses."""
    # The checks module imports this one's types; importing it here keeps the import one-way.
    from costing.engine.scenario_checks import schema_errors, semantic_errors

    errors = schema_errors(document)
    if errors:
        raise ScenarioInvalid(errors)
    uncertainty_doc = document.get("uncertainty", {})
    scenario = Scenario(
        name=document["name"],
        reporting_currency=document["reporting_currency"],
        start_date=document["start_date"],
        prices_as_of=document.get("prices_as_of", ""),
        horizon_months=document["horizon_months"],
        discount_rate_per_year=document["discount_rate_per_year"],
        workloads=tuple(ScenarioWorkload(**row) for row in document["workloads"]),
        offers=_offers(document["offers"]),
        options=tuple(document["options"]),
        assumptions=_assumptions(document.get("assumptions", {})),
        models=tuple(ModelArchitecture(**row) for row in document.get("models", [])),
        uncertainty=Uncertainty(
            samples=uncertainty_doc.get("samples", 1000),
            seed=uncertainty_doc.get("seed", 0),
            inputs={k: Range(**v) for k, v in uncertainty_doc.get("inputs", {}).items()},
            notes=dict(uncertainty_doc.get("notes", {})),
        ),
        eligibility=_eligibility(document.get("eligibility", {})),
        accelerators=accelerators_from(document.get("accelerators")),
    )
    errors = semantic_errors(scenario)
    if errors:
        raise ScenarioInvalid(errors)
    return scenario
