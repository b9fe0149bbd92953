"""gunicorn's settings for Sovra's web process, read by the image and by the load benchmark.

Each setting comes from the environment, so that an installation sizes its web tier without
editing the file.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
# Threads per worker: a request waiting on the database or on a what-if evaluation does not
# hold up the others its worker serves.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
