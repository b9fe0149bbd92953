"""Builds the TCO engine's scenario document for one organization from its inventory and catalogs.

Which rows count, and why:
- prices are those in force on the "as of" day: the catalog versions in force then and the rows
  that hold on it (no version in force is an error, never an empty catalog);
- offers are those ``offers_for`` shows the organization (its private prices hide the public
  ones of the same key); of each key only the latest dated row is priced ("likely"), older rows
  and other sources of the same thing only widen the uncertainty ranges (costing/scenario_ranges);
- a price that is missing stays missing (null, or the offer left out where the engine needs it),
  so the engine reports the option as unavailable, never as free;
- every price carries its catalog row (catalog name and version, row id, file line), source URL,
  date and source kind, so each evaluated figure can be traced back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from costing import scenario_offers
from costing.engine.api_models import ApiModels
from costing.engine.deployment_options import OPTIONS
from costing.engine.scenario import accelerators_from
from costing.models import ApiUnit
from costing.models.figures import FigureKind
from costing.scenario_ranges import latest_per_key, range_gpu, uncertainty_block
from costing.scenario_workloads import (
    ApiServing,
    WorkloadNotInOrganization,
    selected_workloads,
    workload_rows,
)
from costing.selectors import accelerators_for, catalogs_in_force, offers_for, rows_in_force
from portal.models import Organization

__all__ = ["WorkloadNotInOrganization", "scenario_build", "scenario_document_for"]


def scenario_build(
    *,
    organization: Organization,
    workloads=None,
    options=None,
    horizon_years: int | None = None,
    as_of: date | None = None,
    offer_refusal: Callable[[str, OfferPlace], str] | None = None,
) -> tuple[dict, list[tuple[str, str]]]:
    """The scenario document and the selected workloads it leaves out, each with the reason.

    ``offer_refusal(kind, place)`` may refuse cloud GPU and API rows by provider, region and
    name, saying why (e.g. where they process data; "" admits the row): a refused row neither
    prices an option nor widens an uncertainty range, and a workload whose model only refused
    API offers serve says so.
    """
    on = as_of or timezone.localdate()
    catalogs_in_force(organization=organization, on=on)  # none in force: say from when
    options = list(options or OPTIONS)
    selected = selected_workloads(organization, workloads)
    cloud = offers_for(organization=organization, kind="cloud_gpu", on=on)
    priced, admitted = _priced_candidates(cloud, offer_refusal)
    cloud_rows = list(cloud.filter(pk__in=priced))
    api_rows = list(
        _serving(
            offers_for(organization=organization, kind="api", on=on),
            {w.model.name for w in selected if w.model is not None},
        )
    )
    refused: list[tuple[object, str]] = []
    if offer_refusal is not None:
        refusals = [(row, offer_refusal("api", OfferPlace.of_api(row))) for row in api_rows]
        api_rows = [row for row, why in refusals if not why]
        admitted = {(row.provider.name, row.model_name) for row in api_rows}
        refused = [
            (row, why)
            for row, why in refusals
            if why and (row.provider.name, row.model_name) not in admitted
        ]
    server_rows = list(
        offers_for(organization=organization, kind="server", on=on).prefetch_related("gpu")
    )
    api = scenario_offers.api_offers(latest_per_key(api_rows, ("provider_id", "model_name")))
    accelerators = scenario_offers.accelerator_docs(
        accelerators_for(organization=organization).order_by("name")
    )
    parts = accelerators_from(accelerators)
    rows, models, excluded = workload_rows(
        organization=organization,
        workloads=selected,
        api=ApiServing(api, refused),
        parts=parts,
    )
    if not rows:
        raise ValueError(
            "No workload of this selection can be evaluated: "
            + "; ".join(
                f"{left.id}: {left.reason} (to include it: {left.fix})" for left in excluded
            )
        )
    # The cloud price range reads every dated row of one accelerator (costing.scenario_ranges).
    gpu = range_gpu(rows, parts)
    ranged = list(cloud.filter(pk__in=[pk for pk, name in admitted if name == gpu]))
    figures = list(
        rows_in_force(organization=organization, kind="figure", on=on).select_related("catalog")
    )
    facility = [r for r in figures if r.kind == FigureKind.FACILITY]
    onprem, colocation, settings = scenario_offers.facility_offers(organization, facility)
    params = scenario_offers.catalog_parameters(organization, on)
    offers = {
        "cloud_gpu": scenario_offers.cloud_offers(cloud_rows),
        "api": api,
        "servers": scenario_offers.server_offers(server_rows, params),
        "facility_onprem": onprem,
        "facility_colocation": colocation,
        "staff": scenario_offers.staff_offer(
            organization, [r for r in figures if r.kind == FigureKind.STAFF], settings
        ),
    }
    offers["fx"] = scenario_offers.fx_rates(
        scenario_offers.currencies_in(offers), organization.currency, on
    )
    years = horizon_years or organization.horizon_years
    document = {
        "name": f"{organization.name}: portfolio on live catalog data ({on.isoformat()})",
        "reporting_currency": organization.currency,
        "start_date": on.isoformat(),
        "prices_as_of": on.isoformat(),
        "horizon_months": int(years) * 12,
        "discount_rate_per_year": float(organization.discount_rate_pct) / 100,
        "assumptions": {
            # The resale value of the oldest age the catalog publishes (H100 after 36 months).
            "residual_value_fraction": scenario_offers.residual_fraction(params),
        },
        "models": models,
        "accelerators": accelerators,
        "workloads": rows,
        "offers": offers,
        "options": options,
        "uncertainty": uncertainty_block(
            organization=organization,
            rows={"cloud": ranged, "api": api_rows, "server": server_rows},
            offers=offers,
            workloads=rows,
            figures=facility,
            on=on,
            parts=parts,
        ),
    }
    return document, excluded


@dataclass(frozen=True, slots=True)
class OfferPlace:
    """What decides whether an offer may serve: its provider, where it runs, and its name."""

    provider: str
    region: str
    name: str

    @classmethod
    def of_api(cls, row) -> OfferPlace:
        return cls(row.provider.name, row.regions, row.model_name)


# Prices that decide which cloud offer an option is priced at; a missing one never is.
_CLOUD_PRICES = (
    "on_demand_per_hour",
    "reserved_1y_per_hour",
    "reserved_3y_per_hour",
    "spot_per_hour",
    "egress_per_gb",
)


def _priced_candidates(
    rows: QuerySet, offer_refusal: Callable[[str, OfferPlace], str] | None
) -> tuple[list[int], list[tuple[int, str]]]:
    """The cloud rows an option can be priced at, and every admitted row with its accelerator,
    decided in one pass over plain values before any row is read into memory.

    Admitted: what ``offer_refusal`` admits, on provider, region and instance alone (for an
    assessment kept in one country, most of a large catalog is not). Priced at: of each
    admitted offer (provider, instance, region, GPU, count) its latest dated row; of those, the
    ones no other offer of the same provider, region, GPU, count and currency undercuts. An
    offer that costs at least as much as another on every price (a missing price counting as
    none) and more on one is never the cheapest for any workload, and the two pass the same
    rules, since rules read the provider and the region only. The older rows and the undercut
    offers still widen the price range (``range_gpu``), through the admitted rows."""
    fields = ("pk", "provider__name", "provider_id", "instance", "region", "gpu_name",
              "gpu_count", "gpu_id", "gpu__name", "currency", "date", *_CLOUD_PRICES)  # fmt: skip
    latest: dict[tuple, tuple] = {}
    admitted: list[tuple[int, str]] = []
    for values in rows.order_by().values_list(*fields):
        head, prices = values[:11], values[11:]
        pk, name, provider, instance, region, gpu_name, count, gpu, spec, currency, day = head
        if offer_refusal is not None and offer_refusal(
            "cloud_gpu", OfferPlace(name, region, instance)
        ):
            continue
        admitted.append((pk, spec))
        key = (provider, instance, region, gpu_name, count)
        rank = (day or date.min, -pk)
        if key not in latest or rank > latest[key][0]:
            latest[key] = (rank, pk, (provider, region, gpu, count, currency), prices)
    # Compared as floats (the order of two prices survives; no price is read from these).
    none = float("inf")
    groups: dict[tuple, list[tuple[tuple, int]]] = {}
    for _, pk, group, prices in latest.values():
        compared = tuple(none if p is None else float(p) for p in prices)
        groups.setdefault(group, []).append((compared, pk))
    keep = []
    for members in groups.values():
        # An offer's undercutter sorts before it, so comparing with those kept is enough.
        frontier: list[tuple] = []
        for prices, pk in sorted(members):
            if not any(
                kept != prices and all(k <= p for k, p in zip(kept, prices, strict=True))
                for kept in frontier
            ):
                frontier.append(prices)
                keep.append(pk)
    return keep, admitted


def _serving(rows: QuerySet, models: set[str]) -> QuerySet:
    """The API rows that may serve one of ``models`` (by the engine's own name matching, at any
    precision) or bill speech or images: a feed's thousands of other models never reach the
    document, and are never read into memory."""
    names = ApiModels(
        ("", name) for name in rows.order_by().values_list("model_name", flat=True).distinct()
    )
    serving = {name for model in models for _, name in names.serving(model).offers}
    return rows.filter(Q(model_name__in=serving) | ~Q(unit=ApiUnit.TOKENS_1M))


def scenario_document_for(
    *,
    organization: Organization,
    workloads=None,
    options=None,
    horizon_years: int | None = None,
    as_of: date | None = None,
) -> dict:
    """The engine's scenario document for the organization's workloads (default: all of them)."""
    document, _ = scenario_build(
        organization=organization,
        workloads=workloads,
        options=options,
        horizon_years=horizon_years,
        as_of=as_of,
    )
    return document
