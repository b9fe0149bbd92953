"""Fetch a price feed over https: bounded in time and size, certificates checked, no redirects."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

from costing.feeds import FeedError

_CHUNK = 64 * 1024


class FeedTooLarge(FeedError):
    """The file is above SOVRA_FEED_MAX_BYTES: refused before any of it is parsed."""


def _limit(max_bytes: int | None) -> int:
    return settings.SOVRA_FEED_MAX_BYTES if max_bytes is None else max_bytes


def refuse_size(size: int, *, max_bytes: int | None = None, name: str = "the file") -> None:
    limit = _limit(max_bytes)
    if size > limit:
        raise FeedTooLarge(
            f"{name} is {size:,} bytes, above the {limit:,} bytes a feed may have "
            "(SOVRA_FEED_MAX_BYTES); nothing was read"
        )


def feed_read_file(*, path: Path, max_bytes: int | None = None) -> bytes:
    """A feed file's bytes, its size checked before reading it."""
    refuse_size(path.stat().st_size, max_bytes=max_bytes, name=str(path))
    return path.read_bytes()


def feed_fetch(*, url: str, max_bytes: int | None = None, timeout: float | None = None) -> bytes:
    """The body of ``url``: https only, a 200 answer, at most ``max_bytes`` (checked on the
    announced length and again on the bytes as they arrive, decompressed)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise FeedError(f"{url!r}: only https:// addresses are fetched")
    limit = _limit(max_bytes)
    seconds = settings.SOVRA_FEED_TIMEOUT_SECONDS if timeout is None else timeout
    pool = urllib3.PoolManager(
        cert_reqs="CERT_REQUIRED", ca_certs=settings.SOVRA_FEED_CA_BUNDLE or None
    )
    try:
        response = pool.request(
            "GET",
            url,
            preload_content=False,
            redirect=False,
            retries=False,
            timeout=urllib3.Timeout(connect=seconds, read=seconds),
            headers={"User-Agent": "Sovra price feed import"},
        )
    except urllib3.exceptions.HTTPError as exc:
        raise FeedError(f"{url}: could not fetch ({exc})") from exc
    try:
        if response.status != 200:
            where = response.headers.get("Location", "")
            moved = f" (to {where}; give that address)" if where else ""
            raise FeedError(f"{url}: answered {response.status}{moved}")
        announced = response.headers.get("Content-Length", "")
        if announced.isdigit():
            refuse_size(int(announced), max_bytes=limit, name=url)
        body = bytearray()
        try:
            for chunk in response.stream(_CHUNK):
                body += chunk
                refuse_size(len(body), max_bytes=limit, name=url)
        except urllib3.exceptions.HTTPError as exc:
            raise FeedError(f"{url}: the transfer failed ({exc})") from exc
        return bytes(body)
    finally:
        response.release_conn()
        pool.clear()
