"""Which cloud GPU offers can price an option.

An offer that costs at least as much as another on every price (a missing price counting as
none) and more on one is never the cheapest permitted for any workload, nor the cheapest
regardless of the rules, when the rules cannot tell the two apart. Two comparisons follow:
- within a place (the same provider and region), which no rule tells apart. The database makes
  it, so a feed's thousands of offers are never read into Python; it depends on the catalog
  version alone, so it is made once, when the version is published (``cloud_offers_compare``),
  and a scenario build reads its marks;
- across places a run's rules admit alike, made at each build on the few thousand offers the
  first leaves, at once per GPU, count and currency (``not_undercut_across``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import FloatField, Q, QuerySet
from django.db.models.functions import Cast

from costing.models import Catalog, CloudGpuOffer

# Prices that decide which cloud offer an option is priced at; a missing one never is.
CLOUD_PRICES = (*CloudGpuOffer.PRICE_FIELDS, "egress_per_gb")
_END = 6 + len(CLOUD_PRICES)  # a candidate row's prices end here (``not_undercut_across``)
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
    sql, params = _in_place_sql(rows)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        kept = [row[0] for row in cursor.fetchall()]
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
    sql, params = _in_place_sql(rows, compared)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    admitted_regions: dict[int, list[str]] = {}
    rules_of: dict[tuple[int, str], frozenset[str]] = {}
    refused: set[tuple[int, str]] = set()
    for provider, region, name in sorted({(row[1], row[2], row[-1]) for row in found}):
        place = OfferPlace(name, region, "")
        if offer_refusal is not None and offer_refusal("cloud_gpu", place):
            refused.add((provider, region))
            continue
        admitted_regions.setdefault(provider, []).append(region)
        if offer_admits is not None:
            rules_of[provider, region] = frozenset(offer_admits(place))
    if not admitted_regions:
        return [], Q(pk__in=[])
    admitted = Q()  # every place, unless one was refused
    if refused:
        found = [row for row in found if (row[1], row[2]) not in refused]
        for provider, regions in admitted_regions.items():
            admitted |= Q(provider_id=provider, region__in=regions)
    if offer_admits is None:
        return [row[0] for row in found], admitted
    return not_undercut_across(found, rules_of), admitted


def not_undercut_across(
    rows: list[tuple], rules_of: Mapping[tuple[int, str], frozenset[str]]
) -> list[int]:
    """The ids of the ``rows`` that no other row of the same GPU, count and currency undercuts
    from a place admitted under every rule that admits the row's own place (``rules_of``, by
    provider id and region). Each row: id, provider id, region, GPU id, GPU count, currency,
    then the ``CLOUD_PRICES`` (None where missing), then anything.

    "Undercuts": costs at most as much on each price the other row has (and has that price),
    and is not the same on all of them. Rows of one GPU, count and currency are compared with
    each other at once; a feed's few thousand such rows fall into a few hundred groups."""
    classes: dict[frozenset[str], int] = {}
    class_of = np.array(
        [classes.setdefault(rules_of[row[1], row[2]], len(classes)) for row in rows], dtype=int
    )
    # covers[own, by]: class ``by`` is admitted under every rule that admits class ``own``.
    covers = np.array([[by >= own for by in classes] for own in classes], dtype=bool)
    prices = np.fromiter(
        (np.nan if price is None else price for row in rows for price in row[6:_END]),
        dtype=float,
        count=len(rows) * len(CLOUD_PRICES),
    ).reshape(len(rows), len(CLOUD_PRICES))
    groups: dict[tuple, list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(row[3:6], []).append(index)
    kept: list[int] = []
    for members in groups.values():
        at = np.array(members)
        # [s, c]: s has each price c has, at most as high. Both ways round, the two are the
        # same offer on every price, which undercuts neither.
        at_most = np.ones((len(at), len(at)), dtype=bool)
        for column in prices[at].T:
            missing = np.isnan(column)
            if not missing.all():  # a price no row of the group has tells none apart
                at_most &= (column[:, None] <= column[None]) | missing[None]
        admitted_as_widely = covers[np.ix_(class_of[at], class_of[at])].T
        undercut = (at_most & ~at_most.T & admitted_as_widely).any(axis=0)
        kept.extend(at[~undercut].tolist())
    return [rows[index][0] for index in sorted(kept)]


def _in_place_sql(admitted: QuerySet, compared: bool = False) -> tuple[str, list]:
    """The query of the rows not undercut in their place (given, where ``compared``): of each
    offer its latest row, then those no row of the same provider, region, GPU, count and
    currency undercuts. Each row as ``not_undercut_across`` reads it, then the provider's name."""
    # Prices compared as floats, as fast as the database compares: the order of two survives.
    read = ("pk", "provider_id", "instance", "region", "gpu_name", "gpu_id", "gpu_count",
            "currency", "date", "provider__name")  # fmt: skip
    as_floats = {f"{name}_float": Cast(name, FloatField()) for name in CLOUD_PRICES}
    query = admitted.annotate(**as_floats).values(*read, *as_floats).query
    visible, params = query.sql_with_params()
    columns = ", ".join(CLOUD_PRICES)
    returned = f"SELECT id, provider_id, region, gpu_id, gpu_count, currency, {columns}, name"
    # Column names are the model's fields; values are parameters.
    sql = f"""
        WITH visible (id, provider_id, instance, region, gpu_name, gpu_id, gpu_count,
                      currency, date, name, {columns}) AS ({visible}
        )"""
    if compared:
        return f"{sql} {returned} FROM visible", params
    at_most = " AND ".join(f"(l.{p} IS NULL OR s.{p} <= l.{p})" for p in CLOUD_PRICES)
    same = " AND ".join(f"(s.{p} = l.{p} OR (s.{p} IS NULL AND l.{p} IS NULL))"
                        for p in CLOUD_PRICES)  # fmt: skip
    newer = ("(n.date > v.date OR (n.date IS NOT NULL AND v.date IS NULL) OR ((n.date = v.date "
             "OR (n.date IS NULL AND v.date IS NULL)) AND n.id < v.id))")  # fmt: skip
    # Anti-joins (no window): the planner then estimates each step's rows and hashes on the
    # equal columns, where a window's output looks like a handful of rows.
    sql += f""", latest AS (
            SELECT v.* FROM visible v WHERE NOT EXISTS (
                SELECT 1 FROM visible n WHERE n.provider_id = v.provider_id
                AND n.instance = v.instance AND n.region = v.region
                AND n.gpu_name = v.gpu_name AND n.gpu_count = v.gpu_count AND {newer}
            )
        )
        {returned} FROM latest l WHERE NOT EXISTS (
            SELECT 1 FROM latest s WHERE s.provider_id = l.provider_id
            AND s.region = l.region AND s.gpu_id = l.gpu_id AND s.gpu_count = l.gpu_count
            AND s.currency = l.currency AND {at_most} AND NOT ({same})
        )"""  # noqa: S608
    return sql, params
