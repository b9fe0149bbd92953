"""Everything Sovra needs to run; the environment decides the rest (django-environ).

With no configuration at all this gives the embedded default: SQLite next to the code and
Celery tasks executed in-process, so one command gives a working demo. ``DATABASE_URL``
and ``CELERY_BROKER_URL`` switch to PostgreSQL and a real broker with separate workers.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from costing.feeds import SOURCES as FEED_SOURCES
from portal.logs import JSON_FORMATTER
from portal.settings.parsers import (
    feed_env_name,
    parse_rate,
    parse_schedule,
    parse_seconds,
    parse_size_bytes,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The embedded default gets a fixed development key. It is public, so anyone could forge
# sessions and signatures with it: without DEBUG (any deployment) it stops start-up.
DEVELOPMENT_SECRET_KEY = "insecure-embedded-default-change-me"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if SECRET_KEY == DEVELOPMENT_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured(
        "SECRET_KEY is the built-in development key, which is public: set DJANGO_SECRET_KEY "
        "to a long random value (or DJANGO_DEBUG=true on a development machine)."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SOVRA_SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "portal",
    "costing",
    "assessments",
]

MIDDLEWARE = [
    # Load balancers' probes are answered first: whatever Host they send, over plain HTTP too,
    # and without a request id or a log line every few seconds.
    "portal.health.ProbeMiddleware",
    "portal.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks a session that passed the second factor (request.user.is_verified()).
    "django_otp.middleware.OTPMiddleware",
    # Lets services record who acted, and from where, in the audit log.
    "portal.request_context.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Its check runs before any view or process_view (CSRF's reads POST) touches the body.
    "portal.request_limits.RequestBodyLimitMiddleware",
    # Last, as django-axes requires: it turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.web.context.shell",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'sovra.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's own, with a health check that needs no round trip (portal/postgresql).
    DATABASES["default"]["ENGINE"] = "portal.postgresql"
# Connections are kept between requests: opening one cost a small API request most of its
# time. Each is checked before a request reuses it, so a database restart costs no error.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
from portal.settings.sign_in import *  # noqa: E402, F403 - sign-in settings

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Source maps (6 MB of the API docs' bundles) are read by developer tools alone, and the report
# fonts by WeasyPrint from disk: compressing them at brotli's best took most of collectstatic's
# time (24 s of an image build).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map", "ttf")
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Sovra <sovra@localhost>")

SESSION_COOKIE_HTTPONLY = True
# Seconds a browser stays signed in without signing in again (Django's two weeks by default).
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=14 * 24 * 3600)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# Every script and style comes from our own static files: no inline code, so an injected
# <script> or style= attribute does nothing. Images may be data: URIs (Swagger UI's icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features the portal never uses, refused for it and anything it might embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# HTTPS in production; off by default because the embedded demo is served over plain HTTP.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# Behind a TLS-terminating proxy Django sees plain HTTP; trusting the proxy's header is what
# keeps SECURE_SSL_REDIRECT from looping. Only safe if the proxy overwrites that header.
if env.bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Uploads: one limit, named in the error a user sees when a file is too large.
SOVRA_IMPORT_MAX_BYTES = parse_size_bytes(env.str("SOVRA_IMPORT_MAX_BYTES", default="20MB"))
# A few KB of XLSX can unpack to gigabytes or declare a million rows: bound both before reading.
SOVRA_IMPORT_MAX_ROWS = env.int("SOVRA_IMPORT_MAX_ROWS", default=100_000)
SOVRA_IMPORT_MAX_UNPACKED_BYTES = parse_size_bytes(
    env.str("SOVRA_IMPORT_MAX_UNPACKED_BYTES", default="256MB")
)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(SOVRA_IMPORT_MAX_BYTES, 2_621_440) + 1024 * 1024
# Any request body, judged by its Content-Length before it is read; the default leaves room for
# the multipart framing around the largest file accepted.
SOVRA_UPLOAD_MAX_BYTES = parse_size_bytes(
    env.str("SOVRA_UPLOAD_MAX_BYTES", default=str(DATA_UPLOAD_MAX_MEMORY_SIZE))
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
SOVRA_BULK_MAX_ROWS = env.int("SOVRA_BULK_MAX_ROWS", default=10_000)
SOVRA_API_TOKEN_DEFAULT_DAYS = env.int("SOVRA_API_TOKEN_DEFAULT_DAYS", default=90)
# An invitation link works this long after it was (last) sent; inviting again renews it.
SOVRA_INVITATION_DAYS = env.int("SOVRA_INVITATION_DAYS", default=7)
# Synchronous what-if evaluations: bound the work one request may ask for.
SOVRA_SCENARIO_MAX_WORKLOADS = env.int("SOVRA_SCENARIO_MAX_WORKLOADS", default=2_000)
SOVRA_SCENARIO_MAX_DETAILED_WORKLOADS = env.int(
    "SOVRA_SCENARIO_MAX_DETAILED_WORKLOADS", default=100
)
SOVRA_SCENARIO_MAX_OFFERS = env.int("SOVRA_SCENARIO_MAX_OFFERS", default=1_000)
# The largest what-if document read (2,000 workloads and 1,000 offers take about 1 MB).
SOVRA_SCENARIO_MAX_BYTES = parse_size_bytes(env.str("SOVRA_SCENARIO_MAX_BYTES", default="4MB"))
# A what-if still computing after this long stops and answers 422, long before the web server
# would kill its worker (gunicorn's 60 s); larger questions belong in an assessment run.
SOVRA_WHATIF_TIME_BUDGET_S = parse_seconds(env.str("SOVRA_WHATIF_TIME_BUDGET_S", default="5"))
# What-ifs compute in processes of their own, at a lower CPU priority, so that a few costly ones
# cannot hold up the pages and API calls served meanwhile: this many per web process (0: in the
# web process itself), this many more waiting for one (beyond: 503 with Retry-After), this
# much nicer than the web process.
SOVRA_WHATIF_PROCESSES = env.int("SOVRA_WHATIF_PROCESSES", default=1)
SOVRA_WHATIF_WAITING = env.int("SOVRA_WHATIF_WAITING", default=2)
SOVRA_WHATIF_NICE = env.int("SOVRA_WHATIF_NICE", default=10)
# Assessments run in a worker: bound the workloads one may cover, checked on save, start and run.
SOVRA_ASSESSMENT_MAX_WORKLOADS = env.int("SOVRA_ASSESSMENT_MAX_WORKLOADS", default=20_000)
# A run's PDF details this many workloads, those that cost most; a longer portfolio's report
# lists every workload in one table row each and says where the rest of the detail is.
SOVRA_REPORT_DETAILED_WORKLOADS = env.int("SOVRA_REPORT_DETAILED_WORKLOADS", default=50)
# Beyond this many workloads a run's PDF leaves out the one-row-per-workload ledger too and
# points to the spreadsheet export (every workload, every option) for the detail.
SOVRA_REPORT_LEDGER_MAX_WORKLOADS = env.int("SOVRA_REPORT_LEDGER_MAX_WORKLOADS", default=500)
# The results API answers at most this many workloads' parts per page (the rest: next pages).
SOVRA_RESULTS_WORKLOADS_PAGE = env.int("SOVRA_RESULTS_WORKLOADS_PAGE", default=500)
# A succeeded run's results never change: each page of them the API assembles is kept in the
# cache (CACHE_URL) this many seconds, if no larger than SOVRA_RESULTS_CACHE_MAX_BYTES; 0: never.
SOVRA_RESULTS_CACHE_SECONDS = env.int("SOVRA_RESULTS_CACHE_SECONDS", default=3_600)
SOVRA_RESULTS_CACHE_MAX_BYTES = env.int("SOVRA_RESULTS_CACHE_MAX_BYTES", default=8_000_000)
# A run of more workloads than this is computed in chunks of this many workloads, by as many
# Celery workers as are free (group), and merged; 0 computes every run in one task.
SOVRA_RUN_CHUNK_WORKLOADS = env.int("SOVRA_RUN_CHUNK_WORKLOADS", default=1_000)

# Celery: no broker configured means tasks run in-process (the embedded default).
CELERY_TASK_ALWAYS_EAGER = not env.str("CELERY_BROKER_URL", default="")
# In-process tasks still borrow a producer: the in-memory transport, so nothing dials a broker.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "memory://localhost/"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A run computing while the broker restarts goes on and finishes (Celery 6 would cancel it):
# Redis keeps nothing on disk here, so a cancelled task would not come back before the watchdog.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Workers and senders agree on the queue; several deployments may share one broker.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# A worker loads the report renderer (WeasyPrint and its C bindings, about 2 s) when it starts,
# not in the middle of the first run it renders; web processes never load it.
CELERY_IMPORTS = ("assessments.reports.render",)
CELERY_BEAT_SCHEDULE = {
    "assessment-runs-check-stale": {
        "task": "assessments.tasks.assessment_runs_check_stale_task",
        "schedule": 60.0,
    },
    "outbox-sweep": {"task": "assessments.tasks.outbox_sweep_task", "schedule": 60.0},
}
# Public price feeds (costing/feeds). An import makes a draft catalog version with its diff;
# a diff changing more than this share of a feed's prices at once needs a confirmation to publish.
SOVRA_FEED_MAX_CHANGED_SHARE = env.float("SOVRA_FEED_MAX_CHANGED_SHARE", default=0.3)
if not 0 < SOVRA_FEED_MAX_CHANGED_SHARE <= 1:
    raise ImproperlyConfigured("SOVRA_FEED_MAX_CHANGED_SHARE must be above 0 and at most 1.")
# A feed file (given, uploaded or fetched) above this size is refused before it is read.
SOVRA_FEED_MAX_BYTES = parse_size_bytes(env.str("SOVRA_FEED_MAX_BYTES", default="20MB"))
# Fetching a feed: https only, this long to connect and between bytes, certificates checked
# against the system's authorities or this bundle (a proxy's own authority, say).
SOVRA_FEED_TIMEOUT_SECONDS = parse_seconds(env.str("SOVRA_FEED_TIMEOUT_SECONDS", default="30"))
SOVRA_FEED_CA_BUNDLE = env.str("SOVRA_FEED_CA_BUNDLE", default="")
# Scheduled fetches, off unless both are set for a feed: SOVRA_FEED_<NAME>_URL and
# SOVRA_FEED_<NAME>_SCHEDULE (seconds or a crontab), NAME as in LITELLM, SKYPILOT_AWS, ECB.
SOVRA_FEED_SCHEDULES = {}
for _source in FEED_SOURCES:
    _url = env.str(f"SOVRA_FEED_{feed_env_name(_source)}_URL", default="")
    _when = env.str(f"SOVRA_FEED_{feed_env_name(_source)}_SCHEDULE", default="")
    if bool(_url) != bool(_when):
        raise ImproperlyConfigured(
            f"Set both SOVRA_FEED_{feed_env_name(_source)}_URL and _SCHEDULE, or neither."
        )
    if _url:
        if not _url.startswith("https://"):
            raise ImproperlyConfigured(f"SOVRA_FEED_{feed_env_name(_source)}_URL must be https.")
        SOVRA_FEED_SCHEDULES[_source] = _url
        CELERY_BEAT_SCHEDULE[f"feed-sync-{_source}"] = {
            "task": "costing.tasks.feed_fetch_task",
            "schedule": parse_schedule(_when),
            "args": (_source, _url),
        }

# The outbox: a stored run, e-mail, callback or invitation whose task the broker never took is
# queued again this long after it was stored (a retrying e-mail, after the longer wait, since
# its own retry is normally queued).
SOVRA_OUTBOX_RETRY_SECONDS = env.int("SOVRA_OUTBOX_RETRY_SECONDS", default=120)
SOVRA_OUTBOX_RETRYING_SECONDS = env.int("SOVRA_OUTBOX_RETRYING_SECONDS", default=1800)

# An exchange rate older than this on a run's prices-as-of date is named in its report's
# data gaps (the rate is still used: the latest published is the best there is).
SOVRA_FX_MAX_AGE_DAYS = env.int("SOVRA_FX_MAX_AGE_DAYS", default=7)

# Assessment runs: a running run silent this long lost its worker; a queued one this long lost
# its message. Either is queued again, up to SOVRA_RUN_MAX_ATTEMPTS starts, then failed.
SOVRA_RUN_STALE_SECONDS = env.int("SOVRA_RUN_STALE_SECONDS", default=600)
SOVRA_RUN_QUEUED_STALE_SECONDS = env.int("SOVRA_RUN_QUEUED_STALE_SECONDS", default=1800)
SOVRA_RUN_MAX_ATTEMPTS = env.int("SOVRA_RUN_MAX_ATTEMPTS", default=3)
# A second start of the same assessment by the same user this soon after the first, while that
# one is still queued or running, is a double click: it is refused and shows the first run.
SOVRA_RUN_REPEAT_START_SECONDS = env.int("SOVRA_RUN_REPEAT_START_SECONDS", default=10)
# One attempt of a run: past the soft limit the run fails with the reason; the hard limit kills
# a worker that did not stop (C code ignores the soft limit's signal until it returns).
SOVRA_RUN_SOFT_TIME_LIMIT_SECONDS = env.int("SOVRA_RUN_SOFT_TIME_LIMIT_SECONDS", default=3600)
SOVRA_RUN_TIME_LIMIT_SECONDS = env.int(
    "SOVRA_RUN_TIME_LIMIT_SECONDS", default=SOVRA_RUN_SOFT_TIME_LIMIT_SECONDS + 300
)
if SOVRA_RUN_TIME_LIMIT_SECONDS <= SOVRA_RUN_SOFT_TIME_LIMIT_SECONDS:
    raise ImproperlyConfigured(
        "SOVRA_RUN_TIME_LIMIT_SECONDS must exceed SOVRA_RUN_SOFT_TIME_LIMIT_SECONDS, so a run "
        "that runs out of time can still record why."
    )
# A worker process left above this resident size by a task is replaced before the next task
# (Celery checks between tasks; a task that grows further is stopped by the kernel or container
# limit, and SOVRA_RUN_MAX_ATTEMPTS bounds the redeliveries that follow).
SOVRA_WORKER_MAX_MEMORY_PER_CHILD = parse_size_bytes(
    env.str("SOVRA_WORKER_MAX_MEMORY_PER_CHILD", default="4GB")
)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = max(SOVRA_WORKER_MAX_MEMORY_PER_CHILD // 1024, 1)  # KiB
# Redis redelivers an unacknowledged task after this long: it must outlast the longest attempt,
# or a run still computing would be started a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(3600, SOVRA_RUN_TIME_LIMIT_SECONDS + 60)
}
# Callbacks go to public addresses only; these hosts (names or addresses) may be inside.
SOVRA_CALLBACK_ALLOWED_HOSTS = env.list("SOVRA_CALLBACK_ALLOWED_HOSTS", default=[])
# Reports above this size are linked (authenticated download) instead of attached.
SOVRA_EMAIL_ATTACH_MAX_BYTES = env.int("SOVRA_EMAIL_ATTACH_MAX_BYTES", default=10 * 1024 * 1024)

# One cache for every process when CACHE_URL names a shared one (redis://...): the API's rate
# counts live there. The default, in-process memory, counts per process.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same cache, without building a Redis client for every operation.
    CACHES["default"]["BACKEND"] = "portal.cache.RedisCache"

# API rates per user (all their tokens and their browser session together) and per token;
# over either, 429 with Retry-After. Empty: no limit.
API_THROTTLE_RATES_FROM_ENV = {
    "user": parse_rate(env.str("SOVRA_API_RATE_PER_USER", default="1200/minute")),
    "token": parse_rate(env.str("SOVRA_API_RATE_PER_TOKEN", default="600/minute")),
}
SOVRA_API_THROTTLE_RATES = API_THROTTLE_RATES_FROM_ENV

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "portal.api.throttles.ApiRateThrottle",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.FastPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
    "DEFAULT_METADATA_CLASS": "portal.api.metadata.MethodsMetadata",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# Our ApiToken replaces knox's model, but knox's own migrations would still create its table
# (with a foreign key to users); without migrations, the swapped model gets no table at all.
MIGRATION_MODULES = {"knox": None}
KNOX_TOKEN_MODEL = "portal.ApiToken"  # noqa: S105 (a model name, not a secret)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=SOVRA_API_TOKEN_DEFAULT_DAYS),
    "TOKEN_PREFIX": "sovra_",
    "AUTH_HEADER_PREFIX": "Token",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Sovra API",
    "DESCRIPTION": (
        "Workload inventory, price catalogs and assessments of one organization. "
        "Authenticate with `Authorization: Token <token>` (create tokens under Account > API "
        "tokens). Every tenant route lives under `/api/v1/orgs/{org_slug}/`; an object of "
        "another organization answers 404."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Workloads and model specs (their experts' format) share the precision choices.
    "ENUM_NAME_OVERRIDES": {
        "PrecisionEnum": "portal.models.workload.Precision",
        # Report e-mails and invitations are delivered alike: one enum for both.
        "EmailStatusEnum": "portal.models.outbox.EmailStatus",
        "InvitationStateEnum": "portal.models.invitation.InvitationState",
    },
    "SCHEMA_PATH_PREFIX": r"/api/v1",
}

# Logs go to the console (the container's output), one line per record: JSON objects for a log
# collector (the image's default), or text for a terminal. Each names the request it belongs to
# (request_id; see portal/logs.py), in the web process and in the worker running its tasks.
SOVRA_LOG_FORMAT = env.str("SOVRA_LOG_FORMAT", default="text")
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="WARNING").upper()
if SOVRA_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"SOVRA_LOG_FORMAT is {SOVRA_LOG_FORMAT!r}: use json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {
            "()": "portal.logs.RequestIdFilter",
            "missing": None if SOVRA_LOG_FORMAT == "json" else "-",
        }
    },
    "formatters": {
        "json": JSON_FORMATTER,
        "text": {"format": "{asctime} {levelname} {name} [{request_id}] {message}", "style": "{"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": SOVRA_LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own console handler (under DEBUG) would print its records a second time.
    "loggers": {"django": {"handlers": [], "level": LOG_LEVEL, "propagate": True}},
}
