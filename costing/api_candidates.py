"""Which managed API rows can serve a run's models; the database chooses them, so a feed's
thousands of other models are never read into Python.

An API name serves a model when it is the model's own name or reads as the same significant
words (``costing.engine.api_models``). How each name reads depends on the name alone, so it is
read once, when the version is published (``api_names_read``), and stored beside the row; a
build then asks the database for the rows whose reading is a model's.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet

from costing.engine.api_models import NAME_READING, ApiModels, ServedName
from costing.models import ApiOffer, ApiUnit, Catalog

_NAMES_PER_UPDATE = 5_000  # two parameters each: SQLite binds at most 32,766


def api_names_read(catalog: Catalog) -> None:
    """Store how each API row of a version being published reads (``served_as``). The caller
    saves ``catalog.api_names_read_with``."""
    rows = ApiOffer.objects.in_catalog(catalog)
    names = rows.order_by().values_list("model_name", flat=True).distinct()
    readings = [(name, ServedName.of(name).key) for name in names]
    table = connection.ops.quote_name(ApiOffer._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(readings), _NAMES_PER_UPDATE):
            chunk = readings[start : start + _NAMES_PER_UPDATE]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"WITH reading (model_name, served_as) AS (VALUES {values}) "  # noqa: S608 - the model's table; values are parameters
                f"UPDATE {table} SET served_as = reading.served_as FROM reading "
                f"WHERE {table}.catalog_id = %s AND {table}.model_name = reading.model_name",
                [*(value for pair in chunk for value in pair), catalog.pk],
            )
    catalog.api_names_read_with = NAME_READING


def serving(rows: QuerySet, models: set[str], catalogs: list[Catalog]) -> QuerySet:
    """The API rows that may serve one of ``models`` (at any precision) or bill speech or
    images (``catalogs``: the versions in force that ``rows`` come from)."""
    billed_otherwise = ~Q(unit=ApiUnit.TOKENS_1M)
    if all(catalog.api_names_read_with == NAME_READING for catalog in catalogs):
        readings = {ServedName.of(model).key for model in models} - {""}
        return rows.filter(Q(model_name__in=models) | Q(served_as__in=readings) | billed_otherwise)
    # Published before names were read, or read otherwise: every name is read now.
    names = ApiModels(
        ("", name) for name in rows.order_by().values_list("model_name", flat=True).distinct()
    )
    serving = {name for model in models for _, name in names.serving(model).offers}
    return rows.filter(Q(model_name__in=serving) | billed_otherwise)
