"""gunicorn's settings for Sovra's web process, read by the image and by the load benchmark.

Each setting comes from the environment, so that an installation sizes its web tier without
editing the file.
"""

import os

from portal.logs import gunicorn_logconfig

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
# Threads per worker: a request waiting on the database or on a what-if evaluation does not
# hold up the others its worker serves.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# The common log format, then the request id the response carries (the one in Sovra's own log
# lines for that request) and the seconds it took.
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s %(L)s'
)
# In JSON like Sovra's own lines when SOVRA_LOG_FORMAT is json (the image's default).
logconfig_dict = gunicorn_logconfig(os.environ.get("SOVRA_LOG_FORMAT", "text"))


def post_worker_init(worker):
    """Every view loaded, then everything loaded so far set aside from the garbage collector.

    Python's full collections otherwise walk the portal's modules (some 160,000
    objects that live as long as the worker) every few hundred requests, and hold all of the
    worker's threads meanwhile: the API's slowest hundredth of requests took 110 to 170 ms
    under load (30 to 60 ms with this). The URLconf is read first so that the views the first
    requests would import are set aside too.
    """
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    gc.freeze()
