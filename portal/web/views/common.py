"""Small helpers shared by the page views: sortable headings and file downloads."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone

from portal.downloads import attachment

# Pages are forms and links: refuse the methods Django's form views would otherwise take.
PAGE_METHODS = ["get", "post", "head", "options"]


@dataclass(frozen=True)
class SortHeading:
    """A clickable column heading: its link toggles the order; ``aria_sort`` marks the current."""

    label: str
    url: str
    aria_sort: str  # "ascending", "descending" or "none"


def sort_headings(request, sorts: dict[str, tuple[str, str]], param: str = "sort") -> dict:
    """Headings keyed by column, each linking to the list sorted by it (page reset to 1)."""
    current = request.GET.get(param, "")
    headings = {}
    for key, (_, label) in sorts.items():
        if current == key:
            target, aria = f"-{key}", "ascending"
        elif current == f"-{key}":
            target, aria = key, "descending"
        else:
            target, aria = key, "none"
        query = request.GET.copy()
        query[param] = target
        query.pop("page", None)
        headings[key] = SortHeading(label=label, url=f"?{query.urlencode()}", aria_sort=aria)
    return headings


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download(content, *, stem: str, file_format: str, dated: bool = True) -> HttpResponse:
    """A file download; names carry the date so repeated exports do not overwrite each other.

    ``content`` is bytes, or an iterator of bytes streamed as it is made.
    """
    suffix = f"-{timezone.now():%Y%m%d}" if dated else ""
    return attachment(
        content, filename=f"{stem}{suffix}.{file_format}", content_type=CONTENT_TYPES[file_format]
    )
