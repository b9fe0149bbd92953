"""docker/: a valid compose file whose environment configures PostgreSQL, Redis and workers.

No Docker engine is needed: ``docker compose config`` only reads and checks the file, and the
settings are resolved in a subprocess from the web service's environment.
"""

from __future__ import annotations

import os
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.portal.test_image import dockerfile_recipe
from tests.portal.test_settings import resolved_settings, settings_process

BASE_DIR = Path(__file__).resolve().parents[2]
DOCKER_DIR = BASE_DIR / "docker"
COMPOSE_FILE = DOCKER_DIR / "compose.yaml"
SECRET_KEY = "compose-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"

# Compose's interpolation: ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}; $$ is "$".
_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def interpolate(value, env: dict[str, str]):
    """Resolve compose variables in every string of a loaded compose document."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.groups()
        current = env.get(name)
        missing = current is None or (operator in (":-", ":?") and current == "")
        if operator in (":-", "-") and missing:
            return argument
        if operator in (":?", "?") and missing:
            raise ValueError(f"{name}: {argument}")
        return current or ""

    return _VARIABLE.sub(replace, value)


def compose_document() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def compose_command() -> list[str]:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("the docker client is not installed")
    probe = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, check=False, timeout=30
    )
    if probe.returncode != 0:
        pytest.skip(f"the docker compose plugin is not installed ({probe.stderr.strip()[:80]})")
    return [docker, "compose", "-f", str(COMPOSE_FILE)]


def compose_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return {**env, **extra}


def test_docker_compose_accepts_the_file():
    result = subprocess.run(
        [*compose_command(), "config", "--quiet"],
        env=compose_env(DJANGO_SECRET_KEY=SECRET_KEY),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_docker_compose_refuses_to_run_without_a_secret_key():
    result = subprocess.run(
        [*compose_command(), "config", "--quiet"],
        env=compose_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_compose_defines_the_six_services_with_healthchecks():
    services = compose_document()["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis", "mailpit"}
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert services["mailpit"]["image"].startswith("axllent/mailpit:v1.")
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_the_web_healthcheck_asks_healthz_not_a_page():
    """The workers wait on web's health: a check that needed them (/readyz) would never pass."""
    test = compose_document()["services"]["web"]["healthcheck"]["test"]
    assert "http://127.0.0.1:8000/healthz" in test[-1]
    assert "readyz" not in test[-1]


def test_compose_sends_mail_to_mailpit_and_logs_json_by_default():
    web = interpolate(
        compose_document()["services"]["web"]["environment"], {"DJANGO_SECRET_KEY": SECRET_KEY}
    )
    assert web["EMAIL_URL"] == "smtp://mailpit:1025"
    assert web["SOVRA_LOG_FORMAT"] == "json"


def test_postgres_keeps_its_data_in_a_volume():
    document = compose_document()
    volumes = document["services"]["postgres"]["volumes"]
    assert "postgres-data:/var/lib/postgresql/data" in volumes
    assert "postgres-data" in document["volumes"]


def test_worker_and_beat_run_celery_from_the_same_image():
    services = compose_document()["services"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "portal", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "portal", "beat"]
    for name in ("web", "worker", "beat"):
        assert services[name]["build"]["dockerfile"] == "docker/Dockerfile"
        assert services[name]["image"] == "sovra:latest"


def test_app_services_share_one_environment():
    document = compose_document()
    env = {"DJANGO_SECRET_KEY": SECRET_KEY}
    web, worker, beat = (
        interpolate(document["services"][name]["environment"], env)
        for name in ("web", "worker", "beat")
    )
    assert web == worker == beat
    for variable in (
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "EMAIL_URL",
    ):
        assert web[variable], f"{variable} is not set for the web service"


def test_compose_interpolation_refuses_a_missing_secret_key():
    with pytest.raises(ValueError, match="DJANGO_SECRET_KEY"):
        interpolate(compose_document()["services"]["web"]["environment"], {})


def test_web_environment_resolves_postgres_redis_and_separate_workers():
    """GIVEN the web service's environment WHEN the settings load THEN PostgreSQL on the
    postgres service, Redis as broker and result backend, and tasks off to the workers."""
    web_env = interpolate(
        compose_document()["services"]["web"]["environment"], {"DJANGO_SECRET_KEY": SECRET_KEY}
    )
    resolved = resolved_settings({key: str(value) for key, value in web_env.items()})
    assert resolved["ENGINE"] == "portal.postgresql"  # Django's, with its health check
    assert resolved["HOST"] == "postgres"
    assert resolved["NAME"] == "sovra"
    assert resolved["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert resolved["CELERY_RESULT_BACKEND"] == "redis://redis:6379/1"
    assert resolved["CELERY_TASK_ALWAYS_EAGER"] is False
    assert resolved["SECRET_KEY"] == SECRET_KEY
    assert resolved["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1"]


def test_dockerfile_builds_a_slim_image_that_runs_as_a_user():
    dockerfile = (DOCKER_DIR / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.startswith("#") and "FROM python:3.11-slim-bookworm" in dockerfile
    assert "collectstatic" in dockerfile
    # The last USER is the one the containers run as: not root.
    assert re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)[-1] == "sovra"
    assert re.search(r"useradd --system --gid sovra .* sovra$", dockerfile, re.MULTILINE)
    # The WeasyPrint libraries and fonts the PDF reports need.
    for package in (
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz-subset0",
        "fonts-dejavu-core",
        "fonts-liberation2",
    ):
        assert package in dockerfile


def test_the_image_installs_from_the_lock_in_json_logging_mode():
    image = dockerfile_recipe((DOCKER_DIR / "Dockerfile").read_text(encoding="utf-8"), "")
    copied = [source for step in image.steps if step[0] == "copy" for source in step[1]]
    assert "uv.lock" in copied and "pyproject.toml" in copied
    install = (DOCKER_DIR / "install.sh").read_text(encoding="utf-8")
    assert install.count("uv sync --locked --no-dev --no-editable") == 2
    assert "--extra" not in install and "--all-extras" not in install  # no dev tools
    assert image.env["SOVRA_LOG_FORMAT"] == "json"
    assert image.env["PATH"].startswith(image.env["UV_PROJECT_ENVIRONMENT"] + "/bin:")


def test_the_image_build_collects_static_files_without_a_secret_key():
    """GIVEN the build's environment (the Dockerfile's ENV and the step's own variables, no
    DJANGO_SECRET_KEY) WHEN the collectstatic step runs THEN the settings load."""
    dockerfile = (DOCKER_DIR / "Dockerfile").read_text(encoding="utf-8")
    image = dockerfile_recipe(dockerfile, os.environ["PATH"])
    step = re.search(r"^RUN (.*)python manage.py collectstatic", dockerfile, re.MULTILINE)
    env = {**image.env, **dict(re.findall(r"([A-Z_]+)=(\S+)", step.group(1)))}
    # The image's own environment and interpreter are replayed in tests/portal/test_image.py.
    del env["PATH"], env["UV_PROJECT_ENVIRONMENT"]
    assert "DJANGO_SECRET_KEY" not in env
    result = settings_process(
        env, ("manage.py", "collectstatic", "--dry-run", "--noinput", "--verbosity", "0")
    )
    assert result.returncode == 0, result.stderr


def test_web_entrypoint_migrates_then_serves_with_gunicorn():
    script = (DOCKER_DIR / "web.sh").read_text(encoding="utf-8")
    assert script.index("migrate") < script.index("exec gunicorn portal.wsgi:application")
    assert "--config docker/gunicorn.conf.py" in script
    for path in ("manage.py", "portal", "templates", "static", "docker/web.sh"):
        assert (BASE_DIR / path).exists()


def test_gunicorn_serves_each_request_on_a_thread_as_the_environment_sizes_it(monkeypatch):
    """docker/gunicorn.conf.py: threaded workers by default (a request waiting on a what-if
    holds one thread, not the worker), each figure from the environment."""
    config = str(DOCKER_DIR / "gunicorn.conf.py")
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    defaults = runpy.run_path(config)
    assert (defaults["workers"], defaults["threads"], defaults["worker_class"]) == (3, 4, "gthread")
    monkeypatch.setenv("GUNICORN_WORKERS", "2")
    monkeypatch.setenv("GUNICORN_THREADS", "1")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "30")
    sized = runpy.run_path(config)
    assert (sized["workers"], sized["worker_class"], sized["timeout"]) == (2, "sync", 30)


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = (BASE_DIR / ".dockerignore").read_text(encoding="utf-8").split()
    for path in (".git", ".venv", ".env", "var"):
        assert path in ignored
    assert "uv.lock" not in ignored
