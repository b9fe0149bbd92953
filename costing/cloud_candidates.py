"""Which cloud GPU offers can price an option; the database chooses them, so a feed's thousands
of offers are never read into Python.

An offer that costs at least as much as another on every price (a missing price counting as
none) and more on one is never the cheapest permitted for any workload, nor the cheapest
regardless of the rules, when the rules cannot tell the two apart. Two comparisons follow:
- within a place (the same provider and region), which no rule tells apart. This one depends
  on the catalog version alone, so it is made once, when the version is published
  (``cloud_offers_compare``), and a scenario build reads its marks;
- across places a run's rules admit alike, made at each build (``priced_candidates``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import FloatField, Q, QuerySet
from django.db.models.functions import Cast

from costing.models import Catalog, CloudGpuOffer

# Prices that decide which cloud offer an option is priced at; a missing one never is.
CLOUD_PRICES = (
    "on_demand_per_hour",
    "reserved_1y_per_hour",
    "reserved_3y_per_hour",
    "spot_per_hour",
    "egress_per_gb",
)
_MARK_CHUNK = 5_000  # ids per UPDATE: SQLite binds at most 32,766 parameters


@dataclass(frozen=True, slots=True)
class OfferPlace:
    """What decides whether an offer may serve: its provider, where it runs, and its name."""

    provider: str
    region: str
    name: str

    @classmethod
    def of_api(cls, row) -> OfferPlace:
        return cls(row.provider.name, row.regions, row.model_name)


def cloud_offers_compare(catalog: Catalog) -> None:
    """Mark each cloud GPU row of a version being published: ``undercut_in_place`` where a
    newer row of the same offer, or another offer of the same provider, region, GPU, count and
    currency, costs as much or less on every price. The caller saves
    ``catalog.cloud_offers_compared``.

    A version whose rows hold only on some days is left unmarked: which rows undercut which
    then depends on the day, and each build compares its rows itself."""
    rows = CloudGpuOffer.objects.in_catalog(catalog)
    dated = rows.filter(Q(valid_from__isnull=False) | Q(valid_until__isnull=False))
    catalog.cloud_offers_compared = not dated.exists()
    if not catalog.cloud_offers_compared:
        rows.update(undercut_in_place=None)
        return
    sql, params = _undercut_sql(rows, [], {})
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        kept = [pk for (pk,) in cursor.fetchall()]
    rows.update(undercut_in_place=True)
    for start in range(0, len(kept), _MARK_CHUNK):
        rows.filter(pk__in=kept[start : start + _MARK_CHUNK]).update(undercut_in_place=False)


def _compared(rows: QuerySet, catalogs: list[Catalog]) -> bool:
    """Whether the marks made at publication choose among ``rows``: they do when one catalog in
    force holds every cloud row the organization sees, and its rows were compared. Rows of two
    catalogs (an organization's own offers, which also hide public ones of the same key) may
    undercut across them, which no single version's marks know."""
    holding = [catalog for catalog in catalogs if rows.filter(catalog=catalog).exists()]
    return len(holding) == 1 and holding[0].cloud_offers_compared


def priced_candidates(
    rows: QuerySet,
    catalogs: list[Catalog],
    offer_refusal: Callable[[str, OfferPlace], str] | None,
    offer_admits: Callable[[OfferPlace], frozenset[str]] | None,
) -> tuple[list[int], Q]:
    """The ids of the cloud rows an option can be priced at, and the filter of the admitted
    rows (``catalogs``: the versions in force that ``rows`` come from).

    Admitted: what ``offer_refusal`` admits, asked once per provider and region (a rule reads
    who runs an offer and where, never its instance). Priced at: of each admitted offer
    (provider, instance, region, GPU, count) its latest dated row; of those, the ones no other
    offer of the same GPU, count and currency undercuts where the rules cannot tell the two
    apart: in the same provider and region or, given ``offer_admits``, in a place admitted
    under every rule that admits the offer's own. The older rows and the undercut offers still
    widen the price range (``range_gpu``), through the admitted rows."""
    rows = rows.order_by()
    compared = _compared(rows, catalogs)
    if compared:  # every place keeps at least one row its own place does not undercut
        rows = rows.filter(undercut_in_place=False)
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
    sql, params = _undercut_sql(rows.filter(admitted), place_classes, classes, compared)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [pk for (pk,) in cursor.fetchall()], admitted


def _undercut_sql(
    admitted: QuerySet, place_classes: list[tuple[int, str, int]], classes: dict,
    compared: bool = False,
) -> tuple[str, list]:  # fmt: skip
    """The query of ``priced_candidates``: latest rows, then the ones not undercut in their
    place (given, where ``compared``), then (with rule classes) the ones not undercut by a
    place admitted as widely."""
    # Prices compared as floats, as fast as the database compares: the order of two survives.
    read = ("pk", "provider_id", "instance", "region", "gpu_name", "gpu_id", "gpu_count",
            "currency", "date")  # fmt: skip
    as_floats = {f"{name}_float": Cast(name, FloatField()) for name in CLOUD_PRICES}
    query = admitted.annotate(**as_floats).values(*read, *as_floats).query
    visible, params = query.sql_with_params()
    prices = list(CLOUD_PRICES)

    def undercuts(s: str, o: str) -> str:  # s costs at most o on each price, and not the same
        at_most = " AND ".join(f"({o}.{p} IS NULL OR {s}.{p} <= {o}.{p})" for p in prices)
        same = " AND ".join(f"({s}.{p} = {o}.{p} OR ({s}.{p} IS NULL AND {o}.{p} IS NULL))"
                            for p in prices)  # fmt: skip
        return (f"{s}.gpu_id = {o}.gpu_id AND {s}.gpu_count = {o}.gpu_count "
                f"AND {s}.currency = {o}.currency AND {at_most} AND NOT ({same})")  # fmt: skip

    newer = ("(n.date > v.date OR (n.date IS NOT NULL AND v.date IS NULL) OR ((n.date = v.date "
             "OR (n.date IS NULL AND v.date IS NULL)) AND n.id < v.id))")  # fmt: skip
    columns = ", ".join(prices)
    # Column names are the model's fields; values are parameters.
    sql = f"""
        WITH visible (id, provider_id, instance, region, gpu_name, gpu_id, gpu_count,
                      currency, date, {columns}) AS ({visible}
        )"""
    if compared:
        sql += f""", in_place AS (
            SELECT id, provider_id, region, gpu_id, gpu_count, currency, {columns}
            FROM visible
        )"""  # noqa: S608
    else:
        # Anti-joins throughout (no window): the planner then estimates each step's rows and
        # hashes on the equal columns, where a window's output looks like a handful of rows.
        sql += f""", latest AS (
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
        )"""  # noqa: S608
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
