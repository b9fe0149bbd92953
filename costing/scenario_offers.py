"""The offers of a scenario document from the catalog rows one organization sees, each sourced."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from statistics import median

from costing.models import ApiUnit
from costing.models.catalog import ParameterKind
from costing.scenario_ranges import latest_per_key
from costing.selectors import fx_rate, rows_in_force
from portal.models import Organization


def row_source(row, kind: str) -> dict:
    """The document's source of one catalog row: where it sits, where it was published, when."""
    catalog = row.catalog
    where = f" ({row.source_row})" if row.source_row else ""
    note = f"{row.get_source_kind_display().lower()} source" if row.source_kind else ""
    return {
        "reference": f"{catalog.name} {catalog.version} ({row.validity}): {kind} row {row.pk}"
        + where,
        "url": row.source_url,
        "date": row.date.isoformat() if row.date else row.date_text,
        "note": "; ".join(part for part in (note, row.notes[:200]) if part),
    }


def price_doc(amount: Decimal | None, currency: str, source: dict) -> dict | None:
    if amount is None:
        return None
    return {"amount": float(amount), "currency": currency, "source": source}


# GpuSpec fields -> the document's accelerator fields (the engine's names).
_ACCELERATOR_FIELDS = {
    "memory_gb": "memory_gb",
    "memory_bandwidth_tb_s": "memory_bandwidth_tb_s",
    "bf16_dense_tflops": "bf16_tflops",
    "fp8_dense_tflops": "fp8_tflops",
    "int8_dense_tops": "int8_tflops",
    "fp4_dense_tflops": "fp4_tflops",
    "tdp_w": "tdp_w",
    "interconnect_gb_s": "interconnect_gb_s",
}


def sizeable(spec) -> bool:
    """The engine sizes a part by its memory and bandwidth: without them it is no candidate."""
    return spec is not None and bool(spec.memory_gb) and bool(spec.memory_bandwidth_tb_s)


def accelerator_docs(specs) -> list[dict]:
    """The document's accelerators: every sizeable spec the organization sees, frozen with
    the run so a later change to the reference data does not change its figures."""
    docs = []
    for spec in specs:
        if not sizeable(spec):
            continue
        figures = {
            name: float(getattr(spec, field))
            for field, name in _ACCELERATOR_FIELDS.items()
            if getattr(spec, field) is not None
        }
        owner = "public reference data" if spec.organization_id is None else "own accelerator"
        source = {
            "reference": f"accelerator {spec.pk}: {spec.name} ({owner})",
            "url": spec.source_url.split()[0] if spec.source_url.strip() else "",
            "date": spec.date_text,
        }
        docs.append(
            {
                "name": spec.name,
                "vendor": spec.vendor,
                "form_factor": spec.form_factor,
                **figures,
                "source": source,
            }
        )
    return docs


def cloud_offers(rows) -> list[dict]:
    offers = []
    for row in rows:
        if not sizeable(row.gpu):
            continue  # a GPU name that resolves to no sizeable spec cannot be sized
        src = row_source(row, "cloud GPU")
        offers.append(
            {
                "id": f"cloud_gpu:{row.pk}",
                "provider": row.provider.name,
                "instance": row.instance,
                "region": row.region,
                "gpu": row.gpu.name,
                "gpu_count": row.gpu_count,
                **{
                    name: price_doc(getattr(row, name), row.currency, src)
                    for name in (
                        "on_demand_per_hour",
                        "reserved_1y_per_hour",
                        "reserved_3y_per_hour",
                        "spot_per_hour",
                        "egress_per_gb",
                    )
                },
            }
        )
    return offers


def _media_prices(row, src: dict) -> dict:
    """A transcription or image row's price as the unit it bills: the input column, or the
    output column where the row publishes it there; none at all is missing, never 0."""
    price = row.input_price if row.input_price is not None else row.output_price
    if price is None:
        return {}
    if row.unit == ApiUnit.AUDIO_MINUTE:
        return {"per_audio_minute": price_doc(price, row.currency, src)}
    if row.unit == ApiUnit.AUDIO_HOUR:
        return {"per_audio_minute": price_doc(price / 60, row.currency, src)}
    if row.unit == ApiUnit.IMAGE:
        return {"per_image": price_doc(price, row.currency, src)}
    return {}


def api_offers(rows) -> list[dict]:
    offers = []
    for row in rows:
        src = row_source(row, "API")
        if row.unit == "1m_tokens":
            prices = {
                "input_per_1m_tokens": price_doc(row.input_price, row.currency, src),
                "output_per_1m_tokens": price_doc(row.output_price, row.currency, src),
                "cached_input_per_1m_tokens": price_doc(row.cached_input_price, row.currency, src),
                "long_context_threshold_tokens": row.long_context_threshold_tokens,
                "long_context_input_per_1m_tokens": price_doc(
                    row.long_context_input_price, row.currency, src
                ),
                "long_context_output_per_1m_tokens": price_doc(
                    row.long_context_output_price, row.currency, src
                ),
            }
        else:
            prices = _media_prices(row, src)
            if not prices:
                continue  # speech synthesis (per character or minute produced) sizes nothing
        offers.append(
            {
                "id": f"api:{row.pk}",
                "provider": row.provider.name,
                "model": row.model_name,
                **prices,
                "batch_discount_pct": (
                    float(row.batch_discount_pct) if row.batch_discount_pct else None
                ),
                "regions": [row.regions] if row.regions else [],
                **_regional_uplift(row, src),
                "source": src,
            }
        )
    return offers


def _regional_uplift(row, src: dict) -> dict:
    """The offer's regional uplift with where it was published; null where none is, so that
    work held in a region is not priced at the list price."""
    if row.regional_uplift_pct is None:
        return {"regional_uplift_pct": None}
    day = row.regional_uplift_date
    return {
        "regional_uplift_pct": float(row.regional_uplift_pct),
        "regional_uplift_source": {
            "reference": f"{src['reference']}: regional uplift",
            "url": row.regional_uplift_source_url,
            "date": day.isoformat() if day else "",
            "note": "regional processing uplift as published" + ("" if day else " (undated)"),
        },
    }


def catalog_parameters(organization: Organization, on: date) -> dict:
    rows = list(
        rows_in_force(organization=organization, kind="parameter", on=on).select_related("catalog")
    )
    lives = [r for r in rows if r.kind == ParameterKind.LIFECYCLE and r.unit == "years"]
    lives.sort(key=lambda r: r.value)
    residual = [
        r for r in rows if r.kind == ParameterKind.RESIDUAL and r.unit == "percent_of_new_price"
    ]
    support = [r for r in rows if r.kind == ParameterKind.SUPPORT]
    return {"lives": lives, "residual": residual, "support": support}


def _age_months(parameter) -> int:
    found = re.search(r"after (\d+) months", parameter.key)
    return int(found.group(1)) if found else 0


def residual_fraction(params: dict) -> float:
    """Resale value at the oldest age the catalog publishes a share of the new price for."""
    residual = max(params["residual"], key=_age_months, default=None)
    return float(residual.value) / 100 if residual else 0.0


def server_offers(rows, params: dict) -> list[dict]:
    """Latest priced row per system, its unpublished specs filled from the system's other rows."""
    rows = [r for r in rows if sizeable(r.gpu) and r.gpu_count]
    by_system: dict[str, list] = {}
    for row in rows:
        by_system.setdefault(row.system, []).append(row)
    lives = params["lives"]
    median_life = lives[len(lives) // 2] if lives else None
    servers = []
    for row in latest_per_key([r for r in rows if r.price is not None], ("system",)):
        siblings = by_system[row.system]

        def spec(name, row=row, siblings=siblings):
            return next((getattr(r, name) for r in [row, *siblings] if getattr(r, name)), None)

        life, life_source = spec("useful_life_years"), row_source(row, "server")
        if life is None and median_life is not None:
            life, life_source = median_life.value, row_source(median_life, "lifecycle parameter")
        if life is None:
            continue  # no useful life at all: the engine cannot depreciate it
        support = spec("support_pct_per_year")
        note = ""
        if support is None:
            match = next(
                (
                    p
                    for p in params["support"]
                    if p.unit == row.currency
                    and p.gpu_count == row.gpu_count
                    and p.gpu_name.lower() in (row.gpu_name or "").lower()
                ),
                None,
            )
            if match is not None:
                support = match.value / row.price * 100
                note = f"support {match.value} {match.unit}/year ({match.key}, {match.source_url})"
        source = row_source(row, "server")
        source["note"] = "; ".join(
            p for p in (source["note"], f"useful life from {life_source['reference']}", note) if p
        )
        power_typical, power_max, units = (
            spec("power_typical_kw"),
            spec("power_max_kw"),
            spec("rack_units"),
        )
        servers.append(
            {
                "name": row.system,
                "gpu": row.gpu.name,
                "gpu_count": row.gpu_count,
                "price": price_doc(row.price, row.currency, row_source(row, "server")),
                "power_typical_kw": float(power_typical) if power_typical else None,
                "power_max_kw": float(power_max) if power_max else None,
                "rack_units": units,
                "support_pct_per_year": round(float(support), 3) if support else None,
                "useful_life_years": float(life),
                "source": source,
            }
        )
    return servers


# Markets of the published construction-cost indices (cities) and the countries they stand for.
BUILD_MARKETS = {
    "frankfurt": "DE",
    "london": "GB",
    "zurich": "CH",
    "tokyo": "JP",
    "singapore": "SG",
    "silicon valley": "US",
    "jakarta": "ID",
}
EUROPE = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CH",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GB",
        "GR",
        "HR",
        "HU",
        "IE",
        "IS",
        "IT",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    }
)


def build_cost(organization: Organization, figures: list) -> dict | None:
    """Data-centre build cost per kW for the organization's country: its own market's latest
    figure; else the median of the latest figures of the markets on its continent (Europe), named
    in the source note; else None (missing: the on-prem option says so)."""
    latest: dict[str, object] = {}
    for row in figures:
        if row.item != "dc_construction_cost" or not row.unit.startswith("USD/W"):
            continue
        market = row.region.strip().lower()
        if market not in latest or row.period > latest[market].period:
            latest[market] = row
    country = organization.country.code
    own = [r for m, r in latest.items() if BUILD_MARKETS.get(m) == country]
    if own:
        return price_doc(own[0].value * 1000, "USD", row_source(own[0], "facility"))
    if country not in EUROPE:
        return None
    near = sorted(
        (r for m, r in latest.items() if BUILD_MARKETS.get(m) in EUROPE), key=lambda r: r.value
    )
    if not near:
        return None
    value = median(r.value for r in near)
    mid = min(near, key=lambda r: abs(r.value - value))
    src = row_source(mid, "facility")
    src["note"] = (
        f"no published figure for {organization.country.name}: median of the European markets "
        + ", ".join(f"{r.region} {r.value:g} USD/W ({r.period})" for r in near)
    )
    return price_doc(value * 1000, "USD", src)


def facility_offers(organization: Organization, figures: list) -> tuple[dict, dict | None, dict]:
    settings = {
        "reference": f"organization {organization.slug} settings",
        "url": "",
        "note": "the organization's own tariff and PUE",
    }
    tariff = price_doc(organization.electricity_price_per_kwh, organization.currency, settings)
    onprem = {
        "region": str(organization.country.name or organization.country),
        "electricity_per_kwh": tariff,
        "pue": float(organization.pue),
        # A build cost is only taken for the organization's own country: none means missing.
        "build_cost_per_kw": None,
        "source": settings,
    }
    onprem["build_cost_per_kw"] = build_cost(organization, figures)
    rents = [r for r in figures if r.unit.endswith("/kW/month") and r.item.startswith("coloc")]
    own = [r for r in rents if r.currency == organization.currency] or rents
    colocation = None
    if own:
        own.sort(key=lambda r: r.value)
        rent = median(r.value for r in own)
        mid = min(own, key=lambda r: abs(r.value - rent))
        src = row_source(mid, "facility")
        src["note"] = f"median of {len(own)} published rents: " + ", ".join(
            f"{r.region} {r.value} {r.unit}" for r in own
        )
        pues = [r for r in figures if r.item == "pue_fleet" and r.region == "Equinix"]
        colocation = {
            "region": mid.region,
            "electricity_per_kwh": tariff,
            "pue": float(pues[0].value) if pues else float(organization.pue),
            "colocation_per_kw_month": price_doc(rent, mid.currency, src),
            "source": row_source(pues[0], "facility") if pues else settings,
        }
    return onprem, colocation, settings


def staff_offer(organization: Organization, staff_figures: list, settings: dict) -> dict:
    ratio = next((r for r in staff_figures if r.item == "servers_per_admin_conventional"), None)
    return {
        "loaded_cost_per_fte_year": price_doc(
            organization.staff_cost_per_fte_year, organization.currency, settings
        ),
        "servers_per_fte": float(ratio.value) if ratio else 20.0,
        "source": row_source(ratio, "staff") if ratio else settings,
    }


class NoFxRate(ValueError):
    """A price's currency has no published rate to the reporting currency on or before the day."""


def fx_rates(currencies: set[str], reporting: str, on: date) -> list[dict]:
    """The rate in force on ``on`` (latest on or before it) for each currency into the
    reporting one; a currency without one stops the build, naming it (never taken at 1.0)."""
    rates = []
    for currency in sorted(currencies - {reporting}):
        quote = fx_rate(base=currency, quote=reporting, on=on)
        if quote is None:
            raise NoFxRate(
                f"No exchange rate from {currency} to {reporting} on or before {on.isoformat()}: "
                f"prices in {currency} cannot be converted. Load reference rates (ECB) dated on "
                "or before that day, or choose a later 'prices as of' date."
            )
        rates.append(
            {
                "base": currency,
                "quote": reporting,
                "rate": float(quote.rate),
                "date": quote.date.isoformat(),
                "source": {
                    "reference": f"FX {currency}/{reporting}"
                    + (f" via {quote.via}" if quote.via else ""),
                    "url": " ".join(quote.sources),
                    "date": quote.date.isoformat(),
                },
            }
        )
    return rates


def currencies_in(offers: dict) -> set[str]:
    """The currencies of every price in the offers: the top-level prices of each listed offer
    (thousands of them, none nested deeper), and anything under the facility and staff ones."""
    found = set()
    pending = []
    for value in offers.values():
        for offer in value if isinstance(value, list) else ():
            for item in offer.values():
                if isinstance(item, dict) and "currency" in item:
                    found.add(item["currency"])
        if isinstance(value, dict):
            pending.append(value)
    while pending:
        value = pending.pop()
        if "amount" in value and "currency" in value:
            found.add(value["currency"])
        else:
            pending.extend(item for item in value.values() if isinstance(item, dict))
    return found
