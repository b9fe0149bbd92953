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
from datetime import date

from django.utils import timezone

from costing import scenario_offers
from costing.api_candidates import serving
from costing.cloud_candidates import OfferPlace, priced_candidates
from costing.engine.deployment_options import OPTIONS
from costing.engine.scenario import accelerators_from
from costing.models.figures import FigureKind
from costing.scenario_ranges import (
    RANGED_CLOUD,
    latest_per_key,
    range_gpu,
    uncertainty_block,
)
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
    offer_admits: Callable[[OfferPlace], frozenset[str]] | None = None,
) -> tuple[dict, list[tuple[str, str]]]:
    """The scenario document and the selected workloads it leaves out, each with the reason.

    ``offer_refusal(kind, place)`` may refuse cloud GPU and API rows by provider, region and
    name, saying why (e.g. where they process data; "" admits the row): a refused row neither
    prices an option nor widens an uncertainty range, and a workload whose model only refused
    API offers serve says so.

    ``offer_admits(place)`` may name the rules (any labels) under which a cloud GPU offer of
    that provider and region may serve the run; then offers are compared across providers and
    regions too, not only within one (see ``costing.cloud_candidates``).
    """
    on = as_of or timezone.localdate()
    in_force = catalogs_in_force(organization=organization, on=on)  # none: say from when
    options = list(options or OPTIONS)
    selected = selected_workloads(organization, workloads)
    cloud = offers_for(organization=organization, kind="cloud_gpu", on=on)
    priced, admitted_cloud = priced_candidates(cloud, in_force, offer_refusal, offer_admits)
    cloud_rows = list(cloud.filter(pk__in=priced))
    api_rows = list(
        serving(
            offers_for(organization=organization, kind="api", on=on),
            {w.model.name for w in selected if w.model is not None},
            in_force,
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
    # The cloud price range reads every dated row of one accelerator (costing.scenario_ranges):
    # hundreds once feeds are imported, read as plain rows.
    ranged = list(
        cloud.filter(admitted_cloud, gpu__name=range_gpu(rows, parts))
        .prefetch_related(None)
        .values_list(*RANGED_CLOUD, named=True)
    )
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
