"""The only way a report's HTML reaches outside itself: our static files and ``data:`` URIs.

A report is rendered from run results that quote catalog rows and user input; nothing in it
may make the renderer read a local file (``file:///etc/passwd``) or call a host
(``http://169.254.169.254/``). Our own assets are named ``sovra-static:<path>`` and resolved
through Django's staticfiles finders; every other scheme is refused before any I/O.
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote

from django.contrib.staticfiles import finders
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_SCHEME = "sovra-static:"


class FetchRefused(ValueError):
    """A URL the report may not load."""


def static_url(path: str) -> str:
    """The address of one of our static files inside a report: ``sovra-static:<path>``."""
    return f"{STATIC_SCHEME}{path}"


def resolve_static(path: str) -> Path:
    """The file behind a static path, refusing traversal, absolute paths and unknown files."""
    path = unquote(path)
    parts = path.split("/")
    if (
        not path
        or path.startswith("/")
        or "\\" in path
        or "\x00" in path
        or any(part in ("", ".", "..") for part in parts)
        or posixpath.normpath(path) != path
    ):
        raise FetchRefused(f"not a plain static path: {path!r}")
    found = finders.find(path)
    if not found:
        raise FetchRefused(f"no such static file: {path!r}")
    return Path(found)


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint URL fetcher serving ``sovra-static:`` paths and ``data:`` URIs only."""

    def __init__(self, **kwargs):
        # Should the base class ever be reached, it may open data: URIs and nothing else.
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, **kwargs)

    def fetch(self, url, headers=None):
        if url.startswith(STATIC_SCHEME):
            path = resolve_static(url[len(STATIC_SCHEME) :])
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if path.suffix == ".ttf":
                mime = "font/ttf"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
        if url[:5].lower() == "data:":
            return super().fetch(url, headers)
        scheme = url.split(":", 1)[0] if ":" in url else "relative"
        raise FetchRefused(f"reports load no {scheme} URLs: {url[:80]}")
