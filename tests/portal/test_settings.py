"""Settings: size parsing, and what the environment turns the embedded default into."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from portal.settings.parsers import parse_size_bytes

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
}))
"""


def settings_process(env: dict[str, str]) -> subprocess.CompletedProcess:
    """Import ``portal.settings.base`` in a new interpreter with only ``env`` (plus PATH)."""
    if (BASE_DIR / ".env").exists():
        pytest.skip(".env in the repository configures the settings; these tests need none")
    clean_env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", str(BASE_DIR))}
    return subprocess.run(
        [sys.executable, "-c", _PRINT_SETTINGS],
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


def test_embedded_default_is_sqlite_with_tasks_in_process():
    """GIVEN no DATABASE_URL and no CELERY_BROKER_URL WHEN the settings load THEN SQLite in var/
    and eager Celery: one command gives a working demo."""
    resolved = resolved_settings({})
    assert resolved["ENGINE"] == "django.db.backends.sqlite3"
    assert resolved["NAME"] == str(BASE_DIR / "var" / "sovra.sqlite3")
    assert resolved["CELERY_BROKER_URL"] == "memory://"
    assert resolved["CELERY_TASK_ALWAYS_EAGER"] is True
    assert resolved["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert resolved["SOVRA_IMPORT_MAX_BYTES"] == 20 * 1024**2


def test_configured_database_and_broker_switch_to_postgres_and_workers():
    resolved = resolved_settings(
        {
            "DATABASE_URL": "postgres://sovra:secret@db.internal:5432/sovra",
            "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
        }
    )
    assert resolved["ENGINE"] == "django.db.backends.postgresql"
    assert resolved["HOST"] == "db.internal"
    assert resolved["NAME"] == "sovra"
    assert resolved["CELERY_BROKER_URL"] == "amqp://guest:guest@127.0.0.1:5672//"
    assert resolved["CELERY_TASK_ALWAYS_EAGER"] is False


def test_database_alone_keeps_tasks_in_process():
    resolved = resolved_settings({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/sovra"})
    assert resolved["ENGINE"] == "django.db.backends.postgresql"
    assert resolved["CELERY_TASK_ALWAYS_EAGER"] is True


def test_import_limit_is_read_from_the_environment():
    assert resolved_settings({"SOVRA_IMPORT_MAX_BYTES": "5MB"})["SOVRA_IMPORT_MAX_BYTES"] == (
        5 * 1024**2
    )


def test_unreadable_import_limit_stops_startup_with_the_reason():
    result = settings_process({"SOVRA_IMPORT_MAX_BYTES": "lots"})
    assert result.returncode != 0
    assert "cannot read 'lots' as a size" in result.stderr


def test_worker_memory_ceiling_and_run_time_limits_are_read_from_the_environment():
    resolved = resolved_settings(
        {
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
        {"SOVRA_RUN_SOFT_TIME_LIMIT_SECONDS": "600", "SOVRA_RUN_TIME_LIMIT_SECONDS": "600"}
    )
    assert result.returncode != 0
    assert "SOVRA_RUN_TIME_LIMIT_SECONDS must exceed" in result.stderr


def test_suite_runs_against_postgresql():
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_readme_documents_every_environment_variable_the_settings_read():
    source = (BASE_DIR / "portal" / "settings" / "base.py").read_text(encoding="utf-8")
    variables = set(re.findall(r"env\.\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", source))
    assert "DATABASE_URL" in variables
    readme = (BASE_DIR / "README.md").read_text(encoding="utf-8")
    undocumented = sorted(name for name in variables if f"`{name}`" not in readme)
    assert undocumented == [], "add these to the configuration table in README.md"
