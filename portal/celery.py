"""The Celery application; configured from Django settings (``CELERY_*``)."""

import gc
import logging
import os
from logging.config import dictConfig

from celery import Celery
from celery.signals import setup_logging, worker_process_init

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


@worker_process_init.connect
def set_loaded_aside(**kwargs) -> None:
    """Everything a worker process has loaded (Django, the tasks and the modules they import)
    set aside from the garbage collector, as the web workers do (docker/gunicorn.conf.py).

    A run builds tens of thousands of short-lived objects (a feed's offer names, the scenario
    document, verdicts); each full collection they trigger would otherwise walk the worker's
    100,000 or more long-lived objects again: a scenario build against 20,000 offers took
    0.33 s instead of 0.28 s."""
    gc.freeze()
