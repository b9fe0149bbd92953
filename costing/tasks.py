"""Celery tasks of the catalogs: scheduled feed fetches (configured per feed, off by default)."""

from __future__ import annotations

import logging

from celery import shared_task

from costing.services.feed_sync import feed_fetch_and_sync

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def feed_fetch_task(source: str, url: str) -> str:
    """Fetch one feed and import it into a draft for review (never published here)."""
    result = feed_fetch_and_sync(source=source, url=url)
    if result is None:
        message = f"{source}: unchanged since the last import, no new draft"
    elif hasattr(result, "catalog"):
        message = f"{source}: draft {result.catalog.version} (id {result.catalog_id}) to review"
    else:
        message = f"{source}: {result.count} exchange rates stored"
    logger.info(message)
    return message
