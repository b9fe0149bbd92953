"""Settings for benchmark servers: the test settings on a database of their own."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sovra_bench")

from portal.settings.test import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

# The load benchmark's server counts the API rates in a shared cache as production does; the
# other benchmarks keep the test settings' in-process cache and no rates.
if os.environ.get("SOVRA_BENCH_PRODUCTION_RATES"):
    from portal.settings.base import API_THROTTLE_RATES_FROM_ENV, env
    from portal.settings.base import CACHES as PRODUCTION_CACHES

    CACHES = PRODUCTION_CACHES
    SOVRA_API_THROTTLE_RATES = API_THROTTLE_RATES_FROM_ENV
    SOVRA_WHATIF_PROCESSES = env.int("SOVRA_WHATIF_PROCESSES", default=1)
