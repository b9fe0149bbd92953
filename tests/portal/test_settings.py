"""Settings: size parsing, and what the environment turns the embedded default into."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from portal.settings.parsers import parse_rate, parse_seconds, parse_size_bytes

BASE_DIR = Path(__file__).resolve().parents[2]

# Printed by a fresh interpreter, so the settings are read from exactly the environment given.
_PRINT_SETTINGS = """
import json
import portal.settings.base as s
db = s.DATABASES["default"]
print(json.dumps({
    "ENGINE": db["ENGINE"],
    "NAME": str(db["NAME"]),
    "HOST": db.get("HOST", ""),
    "CELERY_BROKER_URL": s.CELERY_BROKER_URL,
    "CELERY_RESULT_BACKEND": s.CELERY_RESULT_BACKEND,
    "CELERY_TASK_ALWAYS_EAGER": s.CELERY_TASK_ALWAYS_EAGER,
    "SECRET_KEY": s.SECRET_KEY,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "EMAIL_BACKEND": s.EMAIL_BACKEND,
    "SOVRA_IMPORT_MAX_BYTES": s.SOVRA_IMPORT_MAX_BYTES,
    "CELERY_WORKER_MAX_MEMORY_PER_CHILD": s.CELERY_WORKER_MAX_MEMORY_PER_CHILD,
    "SOVRA_RUN_SOFT_TIME_LIMIT_SECONDS": s.SOVRA_RUN_SOFT_TIME_LIMIT_SECONDS,
    "SOVRA_RUN_TIME_LIMIT_SECONDS": s.SOVRA_RUN_TIME_LIMIT_SECONDS,
    "visibility_timeout": s.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"],
    "AXES_FAILURE_LIMIT": s.AXES_FAILURE_LIMIT,
    "AXES_COOLOFF_SECONDS": s.AXES_COOLOFF_TIME and s.AXES_COOLOFF_TIME.total_seconds(),
    "SOVRA_API_THROTTLE_RATES": s.SOVRA_API_THROTTLE_RATES,
    "CACHE_BACKEND": s.CACHES["default"]["BACKEND"],
    "SESSION_COOKIE_AGE": s.SESSION_COOKIE_AGE,
    "LOG_HANDLER_FORMATTER": s.LOGGING["handlers"]["console"]["formatter"],
}))
"""


# What `make demo` and `make run` add to an empty environment.
EMBEDDED = {"DJANGO_DEBUG": "true"}


def settings_process(
    env: dict[str, str], args: tuple[str, ...] = ("-c", _PRINT_SETTINGS)
) -> subprocess.CompletedProcess:
    """Run ``python *args`` (by default: print the settings) with only ``env`` (plus PATH)."""
    if (BASE_DIR / ".env").exists():
        pytest.skip(".env in the repository configures the settings; these tests need none")
    clean_env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", str(BASE_DIR))}
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def resolved_settings(env: dict[str, str]) -> dict:
    """The settings values that ``env`` resolves to (see ``_PRINT_SETTINGS``)."""
    result = settings_process(env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20MB", 20 * 1024**2),
        ("20mb", 20 * 1024**2),
        ("512 KB", 512 * 1024),
        ("1.5GB", int(1.5 * 1024**3)),
        ("1048576", 1_048_576),
        ("7B", 7),
        ("0", 0),
        (" 2 MB ", 2 * 1024**2),
        (4096, 4096),
        (0, 0),
    ],
)
def test_parse_size_bytes_reads_plain_and_binary_multiples(value, expected):
    assert parse_size_bytes(value) == expected


@pytest.mark.parametrize(
    "value",
    ["", "MB", "abc", "twentyMB", "20 XB", "20TB", "1,5MB", "20KBB", "-1MB", "inf", "nan", -1],
)
def test_parse_size_bytes_refuses_what_is_not_a_size(value):
    with pytest.raises(ValueError):
        parse_size_bytes(value)


@pytest.mark.parametrize(("value", "expected"), [("5", 5.0), ("0.5", 0.5), (" 30 ", 30.0)])
def test_parse_seconds_reads_a_positive_duration(value, expected):
    assert parse_seconds(value) == expected


@pytest.mark.parametrize("value", ["", "five", "0", "-1", "inf", "nan", "5s"])
def test_parse_seconds_refuses_what_no_budget_can_be(value):
    with pytest.raises(ValueError, match="as seconds"):
        parse_seconds(value)


def test_an_unreadable_what_if_budget_stops_startup_with_the_reason():
    result = settings_process({**EMBEDDED, "SOVRA_WHATIF_TIME_BUDGET_S": "0"})
    assert result.returncode != 0
    assert "cannot read '0' as seconds" in result.stderr


def test_embedded_default_is_sqlite_with_tasks_in_process():
    """GIVEN no DATABASE_URL and no CELERY_BROKER_URL WHEN the settings load THEN SQLite in var/
    and eager Celery: one command gives a working demo."""
    resolved = resolved_settings(EMBEDDED)
    assert resolved["ENGINE"] == "django.db.backends.sqlite3"
    assert resolved["NAME"] == str(BASE_DIR / "var" / "sovra.sqlite3")
    assert resolved["CELERY_BROKER_URL"] == "memory://localhost/"
    assert resolved["CELERY_TASK_ALWAYS_EAGER"] is True
    assert resolved["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert resolved["SOVRA_IMPORT_MAX_BYTES"] == 20 * 1024**2


def test_configured_database_and_broker_switch_to_postgres_and_workers():
    resolved = resolved_settings(
        {
            **EMBEDDED,
            "DATABASE_URL": "postgres://sovra:secret@db.internal:5432/sovra",
            "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
        }
    )
    assert resolved["ENGINE"] == "portal.postgresql"  # Django's, with its health check
    assert resolved["HOST"] == "db.internal"
    assert resolved["NAME"] == "sovra"
    assert resolved["CELERY_BROKER_URL"] == "amqp://guest:guest@127.0.0.1:5672//"
    assert resolved["CELERY_TASK_ALWAYS_EAGER"] is False


def test_database_alone_keeps_tasks_in_process():
    resolved = resolved_settings(
        {**EMBEDDED, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/sovra"}
    )
    assert resolved["ENGINE"] == "portal.postgresql"  # Django's, with its health check
    assert resolved["CELERY_TASK_ALWAYS_EAGER"] is True


def test_import_limit_is_read_from_the_environment():
    resolved = resolved_settings({**EMBEDDED, "SOVRA_IMPORT_MAX_BYTES": "5MB"})
    assert resolved["SOVRA_IMPORT_MAX_BYTES"] == 5 * 1024**2


def test_unreadable_import_limit_stops_startup_with_the_reason():
    result = settings_process({**EMBEDDED, "SOVRA_IMPORT_MAX_BYTES": "lots"})
    assert result.returncode != 0
    assert "cannot read 'lots' as a size" in result.stderr


def test_worker_memory_ceiling_and_run_time_limits_are_read_from_the_environment():
    resolved = resolved_settings(
        {
            "DJANGO_DEBUG": "true",
            "SOVRA_WORKER_MAX_MEMORY_PER_CHILD": "512MB",
            "SOVRA_RUN_SOFT_TIME_LIMIT_SECONDS": "7200",
        }
    )
    assert resolved["CELERY_WORKER_MAX_MEMORY_PER_CHILD"] == 512 * 1024  # Celery counts KiB
    assert resolved["SOVRA_RUN_SOFT_TIME_LIMIT_SECONDS"] == 7200
    assert resolved["SOVRA_RUN_TIME_LIMIT_SECONDS"] == 7500  # the soft limit plus 300 s
    assert resolved["visibility_timeout"] > 7500


def test_a_hard_time_limit_not_above_the_soft_one_stops_startup_with_the_reason():
    result = settings_process(
        {
            "DJANGO_DEBUG": "true",
            "SOVRA_RUN_SOFT_TIME_LIMIT_SECONDS": "600",
            "SOVRA_RUN_TIME_LIMIT_SECONDS": "600",
        }
    )
    assert result.returncode != 0
    assert "SOVRA_RUN_TIME_LIMIT_SECONDS must exceed" in result.stderr


def test_suite_runs_against_postgresql():
    assert settings.DATABASES["default"]["ENGINE"] == "portal.postgresql"


def test_readme_documents_every_environment_variable_the_settings_read():
    source = (BASE_DIR / "portal" / "settings" / "base.py").read_text(encoding="utf-8")
    variables = set(re.findall(r"env\.\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", source))
    assert "DATABASE_URL" in variables
    readme = (BASE_DIR / "README.md").read_text(encoding="utf-8")
    undocumented = sorted(name for name in variables if f"`{name}`" not in readme)
    assert undocumented == [], "add these to the configuration table in README.md"


def readme_production_environment() -> dict[str, str]:
    """The variables the README's deployment section exports, with a fresh random secret key."""
    readme = (BASE_DIR / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL)
    block = next(block for block in blocks if "DJANGO_SECURE_SSL_REDIRECT" in block)
    variables = dict(re.findall(r"^export ([A-Z][A-Z0-9_]*)=(.+)$", block, flags=re.MULTILINE))
    assert variables.pop("DJANGO_SECRET_KEY").startswith('"$(python3')
    return {**variables, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}


def test_check_deploy_reports_nothing_under_the_readme_production_environment():
    """GIVEN the production environment the README documents WHEN `check --deploy` runs THEN
    no warning at all (HSTS, SSL redirect, secure cookies, secret key, DEBUG)."""
    env = {**readme_production_environment(), "DJANGO_SETTINGS_MODULE": "portal.settings.base"}
    result = settings_process(env, ("manage.py", "check", "--deploy", "--fail-level", "WARNING"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_environment_trusts_the_proxy_https_header():
    code = (
        "import portal.settings.base as s; print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    result = settings_process(readme_production_environment(), ("-c", code))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "('HTTP_X_FORWARDED_PROTO', 'https') True True True"


def test_development_secret_key_stops_startup_without_debug():
    """GIVEN no DJANGO_SECRET_KEY and DEBUG off WHEN the settings load THEN ImproperlyConfigured
    naming SECRET_KEY: the built-in key is public."""
    result = settings_process({})
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: SECRET_KEY" in result.stderr


def test_development_secret_key_is_accepted_with_debug():
    assert resolved_settings(EMBEDDED)["SECRET_KEY"] == "insecure-embedded-default-change-me"


def test_own_secret_key_starts_without_debug():
    resolved = resolved_settings({"DJANGO_SECRET_KEY": "k" * 60})
    assert resolved["SECRET_KEY"] == "k" * 60


def test_sign_in_lockout_defaults_to_five_failures_and_fifteen_minutes():
    resolved = resolved_settings(EMBEDDED)
    assert (resolved["AXES_FAILURE_LIMIT"], resolved["AXES_COOLOFF_SECONDS"]) == (5, 900)


def test_sign_in_lockout_is_read_from_the_environment():
    resolved = resolved_settings(
        {**EMBEDDED, "SOVRA_LOGIN_FAILURE_LIMIT": "10", "SOVRA_LOGIN_COOLOFF_MINUTES": "60"}
    )
    assert (resolved["AXES_FAILURE_LIMIT"], resolved["AXES_COOLOFF_SECONDS"]) == (10, 3600)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("600/minute", "600/minute"), (" 10/Second ", "10/second"), ("5000/day", "5000/day"),
     ("", None), ("  ", None)],
)  # fmt: skip
def test_parse_rate_reads_drf_rates_and_empty_as_no_limit(value, expected):
    assert parse_rate(value) == expected


@pytest.mark.parametrize("value", ["600", "600/min", "0/minute", "-1/hour", "x/day", "10/week"])
def test_parse_rate_refuses_what_is_not_a_rate(value):
    with pytest.raises(ValueError, match="as a rate"):
        parse_rate(value)


def test_api_rates_default_per_user_and_per_token_in_process_memory():
    resolved = resolved_settings(EMBEDDED)
    assert resolved["SOVRA_API_THROTTLE_RATES"] == {"user": "1200/minute", "token": "600/minute"}
    assert resolved["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_api_rates_and_a_shared_cache_are_read_from_the_environment():
    resolved = resolved_settings(
        {
            **EMBEDDED,
            "SOVRA_API_RATE_PER_USER": "100/hour",
            "SOVRA_API_RATE_PER_TOKEN": "",
            "CACHE_URL": "redis://127.0.0.1:6379/2",
        }
    )
    assert resolved["SOVRA_API_THROTTLE_RATES"] == {"user": "100/hour", "token": None}
    # Django's Redis cache, keeping one client per connection pool (portal/cache.py).
    assert resolved["CACHE_BACKEND"] == "portal.cache.RedisCache"


def test_an_unreadable_api_rate_stops_startup_with_the_reason():
    result = settings_process({**EMBEDDED, "SOVRA_API_RATE_PER_USER": "lots"})
    assert result.returncode != 0
    assert "cannot read 'lots' as a rate" in result.stderr


def test_session_lifetime_defaults_to_two_weeks_and_is_read_from_the_environment():
    assert resolved_settings(EMBEDDED)["SESSION_COOKIE_AGE"] == 14 * 24 * 3600
    resolved = resolved_settings({**EMBEDDED, "DJANGO_SESSION_COOKIE_AGE": "28800"})
    assert resolved["SESSION_COOKIE_AGE"] == 28800


def test_a_zero_cool_off_locks_until_an_administrator_lifts_it():
    resolved = resolved_settings({**EMBEDDED, "SOVRA_LOGIN_COOLOFF_MINUTES": "0"})
    assert resolved["AXES_COOLOFF_SECONDS"] is None
