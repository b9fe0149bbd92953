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

from django.db import connection
from django.db.models import FloatField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from costing import scenario_offers
from costing.engine.api_models import ApiModels
from costing.engine.deployment_options import OPTIONS
from costing.engine.scenario import accelerators_from
from costing.models import ApiUnit
from costing.models.figures import FigureKind
from costing.scenario_ranges import CLOUD_KEY, latest_per_key, range_gpu, uncertainty_block
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
    regions too, not only within one (see ``_priced_candidates``).
    """
    on = as_of or timezone.localdate()
    catalogs_in_force(organization=organization, on=on)  # none in force: say from when
    options = list(options or OPTIONS)
    selected = selected_workloads(organization, workloads)
    cloud = offers_for(organization=organization, kind="cloud_gpu", on=on)
    priced, admitted_cloud = _priced_candidates(cloud, offer_refusal, offer_admits)
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
    ranged = list(
        cloud.filter(admitted_cloud, gpu__name=gpu)
        .prefetch_related(None)
        .prefetch_related("gpu")
        .only(*CLOUD_KEY, "date", "gpu", "on_demand_per_hour", "currency")
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
    rows: QuerySet,
    offer_refusal: Callable[[str, OfferPlace], str] | None,
    offer_admits: Callable[[OfferPlace], frozenset[str]] | None,
) -> tuple[list[int], Q]:
    """The cloud rows an option can be priced at, and the filter of the admitted ones; the
    database chooses them, so a feed's thousands of offers are never read into Python.

    Admitted: what ``offer_refusal`` admits, asked once per provider and region (a rule reads
    who runs an offer and where, never its instance). Priced at: of each admitted offer
    (provider, instance, region, GPU, count) its latest dated row; of those, the ones no other
    offer of the same GPU, count and currency undercuts where the rules cannot tell the two
    apart: in the same provider and region or, given ``offer_admits``, in a place admitted
    under every rule that admits the offer's own. An offer that costs at least as much as
    another on every price (a missing price counting as none) and more on one is then never
    the cheapest permitted for any workload, nor the cheapest regardless of the rules. The
    older rows and the undercut offers still widen the price range (``range_gpu``), through
    the admitted rows."""
    rows = rows.order_by()
    places = rows.values_list("provider_id", "provider__name", "region").distinct()
    admitted_regions: dict[int, list[str]] = {}
    classes: dict[frozenset[str], int] = {}
    place_classes: list[tuple[int, str, int]] = []
    refused_places = False
    for provider, name, region in places:
        place = OfferPlace(name, region, "")
        if offer_refusal is not None and offer_refusal("cloud_gpu", place):
            refused_places = True
            continue
        admitted_regions.setdefault(provider, []).append(region)
        if offer_admits is not None:
            rules = frozenset(offer_admits(place))
            place_classes.append((provider, region, classes.setdefault(rules, len(classes))))
    if not admitted_regions:
        return [], Q(pk__in=[])
    admitted = Q()  # every place, unless one was refused
    if refused_places:
        for provider, regions in admitted_regions.items():
            admitted |= Q(provider_id=provider, region__in=regions)
    sql, params = _undercut_sql(rows.filter(admitted), place_classes, classes)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [pk for (pk,) in cursor.fetchall()], admitted


def _undercut_sql(
    admitted: QuerySet, place_classes: list[tuple[int, str, int]], classes: dict
) -> tuple[str, list]:
    """The query of ``_priced_candidates``: latest rows, then the ones not undercut in their
    place, then (with rule classes) the ones not undercut by a place admitted as widely."""
    # Prices compared as floats, as fast as the database compares: the order of two survives.
    read = ("pk", "provider_id", "instance", "region", "gpu_name", "gpu_id", "gpu_count",
            "currency", "date")  # fmt: skip
    as_floats = {f"{name}_float": Cast(name, FloatField()) for name in _CLOUD_PRICES}
    query = admitted.annotate(**as_floats).values(*read, *as_floats).query
    visible, params = query.sql_with_params()
    prices = list(_CLOUD_PRICES)

    def undercuts(s: str, o: str) -> str:  # s costs at most o on each price, and not the same
        at_most = " AND ".join(f"({o}.{p} IS NULL OR {s}.{p} <= {o}.{p})" for p in prices)
        same = " AND ".join(f"({s}.{p} = {o}.{p} OR ({s}.{p} IS NULL AND {o}.{p} IS NULL))"
                            for p in prices)  # fmt: skip
        return (f"{s}.gpu_id = {o}.gpu_id AND {s}.gpu_count = {o}.gpu_count "
                f"AND {s}.currency = {o}.currency AND {at_most} AND NOT ({same})")  # fmt: skip

    newer = ("(n.date > v.date OR (n.date IS NOT NULL AND v.date IS NULL) OR ((n.date = v.date "
             "OR (n.date IS NULL AND v.date IS NULL)) AND n.id < v.id))")  # fmt: skip
    # Anti-joins throughout (no window): the planner then estimates each step's rows and
    # hashes on the equal columns, where a window's output looks like a handful of rows.
    sql = f"""
        WITH visible (id, provider_id, instance, region, gpu_name, gpu_id, gpu_count,
                      currency, date, {", ".join(prices)}) AS ({visible}
        ), latest AS (
            SELECT v.id, v.provider_id, v.region, v.gpu_id, v.gpu_count, v.currency,
                   {", ".join(f"v.{p}" for p in prices)}
            FROM visible v WHERE NOT EXISTS (
                SELECT 1 FROM visible n WHERE n.provider_id = v.provider_id
                AND n.instance = v.instance AND n.region = v.region
                AND n.gpu_name = v.gpu_name AND n.gpu_count = v.gpu_count AND {newer}
            )
        ), in_place AS (
            SELECT l.* FROM latest l WHERE NOT EXISTS (
                SELECT 1 FROM latest s WHERE s.provider_id = l.provider_id
                AND s.region = l.region AND {undercuts("s", "l")}
            )
        )"""  # noqa: S608 - column names are the model's fields, values are parameters
    if not place_classes:
        return sql + " SELECT id FROM in_place", params  # noqa: S608
    covers = [(own, by) for rules, own in classes.items()
              for wider, by in classes.items() if wider >= rules]  # fmt: skip
    sql += f""", place(provider_id, region, rules) AS (
            VALUES {", ".join(["(%s, %s, %s)"] * len(place_classes))}
        ), covers(rules, by_rules) AS (
            VALUES {", ".join(["(%s, %s)"] * len(covers))}
        ), classed AS (
            SELECT i.*, p.rules FROM in_place i
            JOIN place p ON p.provider_id = i.provider_id AND p.region = i.region
        )
        SELECT c.id FROM classed c WHERE NOT EXISTS (
            SELECT 1 FROM classed s JOIN covers v ON v.by_rules = s.rules
            WHERE v.rules = c.rules AND {undercuts("s", "c")}
        )"""  # noqa: S608
    return sql, [*params, *(v for row in place_classes for v in row),
                 *(v for row in covers for v in row)]  # fmt: skip


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
