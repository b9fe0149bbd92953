"""The Celery application; configured from Django settings (``CELERY_*``)."""

import logging
import os
from logging.config import dictConfig

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

app = Celery("sovra")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _log_as_django_does(loglevel=None, **kwargs) -> None:
    """Workers and beat write their logs as the web process does (settings.LOGGING: JSON or
    text, with request ids), at the level given on their command line."""
    from django.conf import settings

    dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
