"""Test settings: the real PostgreSQL by default, fast hashing, mail kept in memory."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sovra")
# Tests run with DEBUG off, where the development key is refused; workers started by tests
# inherit this one.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key-" + "x" * 50)

from portal.settings.base import *  # noqa: F403
from portal.settings.base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/15")
# Counts in this process only, whatever CACHE_URL says; tests/conftest.py empties it per test.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# No API rate limits unless a test sets them: long tests (schemathesis) would trip them.
SOVRA_API_THROTTLE_RATES = {"user": None, "token": None}
# WhiteNoise scans the static root when a handler starts, and every test client starts one:
# find files on request instead, as under DEBUG.
WHITENOISE_AUTOREFRESH = True
# What-ifs compute in the test's own process, where a test can move the budget's clock; the
# evaluation processes have tests of their own (tests/costing/services/test_whatif.py).
SOVRA_WHATIF_PROCESSES = 0
