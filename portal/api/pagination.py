"""Page-number pagination that stays fast on 100,000 rows."""

from __future__ import annotations

import re

from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

# Below this offset a plain LIMIT/OFFSET is as fast as the deferred join and saves a query.
DEFERRED_JOIN_MIN_OFFSET = 1_000


def _can_defer(object_list) -> bool:
    if not isinstance(object_list, QuerySet):
        return False
    query = object_list.query
    # values() querysets have no instances to fetch; DISTINCT must select its ORDER BY columns.
    return object_list._iterable_class.__name__ == "ModelIterable" and not query.distinct


def _ends_with_pk(object_list: QuerySet) -> bool:
    ordering = object_list.query.order_by or object_list.model._meta.ordering
    return bool(ordering) and str(ordering[-1]).lstrip("-") in ("pk", "id")


class DeferredJoinPaginator(Paginator):
    """Pages far from the start by ids first (an index-only scan), then fetches those rows."""

    # OFFSET 99900 over full rows reads 100,000 heap tuples; over the ordering index it reads
    # index entries only, and the second query fetches the page's rows by primary key. Pages
    # in the second half are read from the other end of the index (the last page is then
    # OFFSET 0), which needs an ordering that ends with the primary key to be exact.
    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if bottom < DEFERRED_JOIN_MIN_OFFSET or not _can_defer(self.object_list):
            return self._get_page(self.object_list[bottom:top], number, self)
        if bottom > self.count // 2 and _ends_with_pk(self.object_list):
            backwards = self.object_list.reverse().values_list("pk", flat=True)
            ids = list(backwards[self.count - top : self.count - bottom])[::-1]
        else:
            ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        by_pk = self.object_list.order_by().in_bulk(ids)
        rows = [by_pk[pk] for pk in ids if pk in by_pk]
        return self._get_page(rows, number, self)


# Beyond any page and any page size.
_FAR = 10**18


def _counting_number(request, name: str) -> int | None:
    """The parameter's one value, a whole number from 1, or a 400 naming it."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ValidationError({name: ["Give this parameter once."]})
    text = values[0]
    # Digits only: DRF took "abc", "0" or "" as the default silently; int() would also take
    # "+5", " 5" and other scripts' digits, and refuse thousands of them.
    if not re.fullmatch(r"[1-9][0-9]*", text):
        raise ValidationError({name: ["A whole number from 1."]})
    return int(text) if len(text) <= len(str(_FAR)) else _FAR


class FastPageNumberPagination(PageNumberPagination):
    """Pages of up to 1,000 rows; the client picks the size with ``page_size`` (larger sizes
    get 1,000). A ``page`` or ``page_size`` that is not a whole number from 1 is refused,
    never replaced by the default."""

    django_paginator_class = DeferredJoinPaginator
    page_size_query_param = "page_size"
    max_page_size = 1000
    page_size_query_description = "Rows per page, 1 or more; above 1,000, 1,000."
    # The schema says a page is a number: no "last".
    last_page_strings = ()

    def get_page_size(self, request):
        size = _counting_number(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        # A page past the last stays DRF's 404 ("Invalid page.").
        return _counting_number(request, self.page_query_param) or 1

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters
