"""The image computes: docker/Dockerfile's install replayed without Docker, then a run in it.

No Docker engine runs here, so the test does what the image build does, read from the
Dockerfile itself: its ENV, its COPY of the build context (less what .dockerignore drops) into
a directory standing for /app, and its RUN steps that install Sovra (``docker/install.sh``, the
one script the build runs) and collect the static files. The environment that results is then
used as the containers use it: docker/web.sh's management commands on a fresh PostgreSQL
database, the demo organization, an assessment run computed with its PDF written, and the
version every run's snapshot records. Apt packages, the user and file ownership need root and
Debian's packages: the Dockerfile's lists of those are checked in tests/portal/test_docker.py.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from tests.assessments.live import PrivateRedis, free_port, stop

BASE_DIR = Path(__file__).resolve().parents[2]
DOCKERFILE = BASE_DIR / "docker" / "Dockerfile"
# RUN steps the replay performs; the others install Debian packages or users (root's business).
REPLAYED = (
    re.compile(r"^sh docker/install\.sh \w+$"),
    re.compile(r"^(?:[A-Z_]+=\S+ )*python manage\.py collectstatic( --?[\w-]+)*( \d+)?$"),
    re.compile(r"^mkdir -p var/[\w/]+$"),
)

# The build machine's way out to the package index (certificates, proxies, a mirror), which a
# docker build gets from the daemon's configuration: passed on, and nothing else of this shell.
NETWORK_VARIABLES = re.compile(
    r"^(SSL_CERT_FILE|SSL_CERT_DIR|(HTTPS?|NO|ALL)_PROXY|UV_(INDEX_URL|DEFAULT_INDEX|INDEX|"
    r"NATIVE_TLS|SYSTEM_CERTS|OFFLINE))$",
    re.IGNORECASE,
)

pytestmark = pytest.mark.image


@dataclass
class ImageRecipe:
    """What a Dockerfile does, instruction by instruction, as far as the replay needs."""

    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    # ("copy", sources, destination, from_image) and ("run", command) in file order.
    steps: list[tuple] = field(default_factory=list)


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs: comments dropped, continuation lines joined."""
    logical, current = [], ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    pairs = []
    for line in logical:
        instruction, _, arguments = line.strip().partition(" ")
        pairs.append((instruction.upper(), " ".join(arguments.split())))
    return pairs


def dockerfile_recipe(text: str, path_env: str) -> ImageRecipe:
    recipe = ImageRecipe()
    for instruction, arguments in dockerfile_instructions(text):
        if instruction == "ENV":
            for name, value in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", arguments):
                value = value.replace("$PATH", recipe.env.get("PATH", path_env))
                recipe.env[name] = value
        elif instruction == "WORKDIR":
            recipe.workdir = arguments
        elif instruction == "COPY":
            words = arguments.split()
            source_image = next(
                (word.split("=", 1)[1] for word in words if word.startswith("--from=")), None
            )
            paths = [word for word in words if not word.startswith("--")]
            recipe.steps.append(("copy", paths[:-1], paths[-1], source_image))
        elif instruction == "RUN":
            recipe.steps.append(("run", arguments))
    return recipe


def recipe() -> ImageRecipe:
    return dockerfile_recipe(DOCKERFILE.read_text(encoding="utf-8"), os.environ["PATH"])


def dockerignore_patterns() -> list[str]:
    lines = (BASE_DIR / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(relative: str, patterns: list[str]) -> bool:
    """Whether .dockerignore drops ``relative`` (a path in the build context)."""
    for pattern in patterns:
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatch(part, pattern[3:]) for part in relative.split("/")):
                return True
        elif fnmatch.fnmatch(relative, pattern) or relative.split("/")[0] == pattern:
            return True
    return False


def copy_context(sources: list[str], destination: str, patterns: list[str]) -> None:
    """COPY's semantics for the replay: a directory's contents go to the destination; files go
    into it when it ends with a slash, or become it."""
    for source in sources:
        origin = BASE_DIR / source
        assert not ignored(source, patterns), f"COPY {source}: .dockerignore drops it"
        assert origin.exists(), f"COPY {source}: not in the build context"
        if origin.is_dir():
            shutil.copytree(
                origin,
                destination,
                dirs_exist_ok=True,
                ignore=lambda folder, names: [
                    name
                    for name in names
                    if ignored(str((Path(folder) / name).relative_to(BASE_DIR)), patterns)
                ],
            )
        else:
            target = Path(destination, origin.name if destination.endswith("/") else "")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)


class ReplayedImage:
    """The image's file system under ``root``: /app and /opt/sovra become root/app and
    root/opt/sovra, and every path the image's environment names follows them there."""

    def __init__(self, root: Path):
        self.recipe = recipe()
        self.root = root
        self.app = self.rooted(self.recipe.workdir)
        self.venv = self.rooted(self.recipe.env["UV_PROJECT_ENVIRONMENT"])
        self.python = self.venv / "bin" / "python"
        uv_dir = Path(shutil.which("uv", path=str(Path(sys.executable).parent)) or "").parent
        env = {
            name: ":".join(str(self.rooted(part)) for part in value.split(":"))
            for name, value in self.recipe.env.items()
        }
        env["PATH"] = f"{env['PATH']}:{uv_dir}"
        # The image's interpreter is the base image's Python 3.11: here, the suite's own.
        env["UV_PYTHON"] = getattr(sys, "_base_executable", sys.executable)
        # uv's cache makes the replay fast and changes nothing that is installed.
        env.pop("UV_NO_CACHE", None)
        network = {k: v for k, v in os.environ.items() if NETWORK_VARIABLES.match(k)}
        self.env = {"HOME": os.environ.get("HOME", str(root)), "LANG": "C.UTF-8", **network, **env}

    def rooted(self, path: str) -> Path | str:
        """An absolute path the image creates (its workdir, its environment) moved under root;
        other paths (the base image's own) are left as they are."""
        owned = (self.recipe.workdir, "/opt/")
        if path.startswith("/") and any(path.startswith(prefix) for prefix in owned):
            return self.root / path.lstrip("/")
        return path

    def build(self) -> list[str]:
        """Replay the steps; the RUN commands performed, in order."""
        patterns = dockerignore_patterns()
        performed = []
        for step in self.recipe.steps:
            if step[0] == "copy":
                _, sources, destination, source_image = step
                if source_image is None:
                    target = str(self.app / destination)
                    copy_context(sources, target + "/" * destination.endswith("/"), patterns)
                continue
            for command in (part.strip() for part in step[1].split("&&")):
                if any(pattern.match(command) for pattern in REPLAYED):
                    self.run(command)
                    performed.append(command)
        return performed

    def run(self, command: str, **env: str) -> str:
        done = subprocess.run(
            shlex.split(command) if "=" not in command.split()[0] else ["sh", "-c", command],
            cwd=self.app,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, (
            f"{command} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}"
        )
        return done.stdout


@contextmanager
def fresh_database():
    """A database of its own on the suite's PostgreSQL server, dropped afterwards."""
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sovra")
    base = server.rsplit("/", 1)[0]
    name = f"sovra_image_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_dockerfile_copies_in_the_uv_the_project_pins():
    pins = tomllib.loads((BASE_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    dev = pins["project"]["optional-dependencies"]["dev"]
    pinned = next(line.split("==")[1] for line in dev if line.startswith("uv=="))
    copies = [step for step in recipe().steps if step[0] == "copy" and step[3]]
    assert [step[3] for step in copies] == [f"ghcr.io/astral-sh/uv:{pinned}"]
    local = subprocess.run(
        [str(Path(sys.executable).parent / "uv"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert local.stdout.split()[1] == pinned  # the replay installs with that same uv


def test_the_image_installs_the_locked_project_and_computes_a_run_with_its_pdf(tmp_path):
    """GIVEN the image built by the Dockerfile's own steps WHEN the web container's start-up
    commands, the demo and the demo's assessment run on an empty PostgreSQL database THEN the
    run succeeds, records the installed version, and writes a PDF with its fonts embedded.

    One test, so that the environment is built once even when the suite runs in parallel."""
    image = ReplayedImage(tmp_path / "image")
    performed = image.build()
    assert performed[:2] == ["sh docker/install.sh dependencies", "sh docker/install.sh project"]
    assert any("collectstatic" in command for command in performed)
    _installed_as_locked(image)
    with fresh_database() as database_url:
        settings = {
            "DATABASE_URL": database_url,
            "DJANGO_SECRET_KEY": "image-check-" + "k" * 50,
            "EMAIL_URL": "consolemail://",
        }
        _computes_a_run(image, settings, tmp_path / "reports")
        _serves_with_a_worker(image, settings, tmp_path)


def _installed_as_locked(image: ReplayedImage) -> None:
    done = subprocess.run(
        [
            str(image.python),
            "-c",
            "import importlib.metadata as m, importlib.util as u, portal;"
            "print(m.version('sovra'), portal.__file__, u.find_spec('pytest') is None,"
            " m.version('weasyprint'))",
        ],
        cwd=image.app,
        env=image.env,
        capture_output=True,
        text=True,
        check=True,
    )
    version, module, no_pytest, weasyprint = done.stdout.split()
    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    assert version == project["project"]["version"]
    # The code runs from /app, beside templates/ and static/; the environment gives the rest.
    assert Path(module).is_relative_to(image.app)
    assert no_pytest == "True"
    assert f"weasyprint=={weasyprint}" in project["project"]["dependencies"]
    # The build's work files are not left in /app, where they would shadow the installed metadata.
    assert not list(image.app.glob("*.egg-info"))
    assert (image.app / "var" / "staticfiles" / "assessments" / "fonts" / "DejaVuSans.ttf").exists()


def _web_sh() -> list[str]:
    lines = (BASE_DIR / "docker" / "web.sh").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _computes_a_run(image: ReplayedImage, settings: dict[str, str], reports: Path) -> None:
    start_up = [line for line in _web_sh() if line.startswith("python manage.py")]
    assert [command.split()[2] for command in start_up] == [
        "migrate",
        "seed_public_models",
        "load_public_catalog",
    ]
    for command in start_up:
        image.run(command, **settings)
    image.run("python manage.py demo", **settings)
    output = image.run(f"python manage.py demo_assessment --out {reports}", **settings)
    recorded = image.run(
        'python manage.py shell -c "from assessments.models import AssessmentRun;'
        " run = AssessmentRun.objects.unscoped().get();"
        " print(run.status, run.snapshot['versions']['sovra'])\"",
        **settings,
    )
    pdf = next(reports.glob("*.pdf"))
    assert f"PDF report: {pdf}" in output
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert recorded.split()[-2:] == ["succeeded", "0.1.0"]
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows
    assert all("Sovra-Sans" in row.split()[0] and row.split()[-5] == "yes" for row in rows)


def _serves_with_a_worker(image: ReplayedImage, settings: dict[str, str], tmp_path: Path) -> None:
    """The web container's server (web.sh's exec line) and the worker container's command
    (compose.yaml's), from the image's environment with a Redis of the test's own: /readyz
    finds the database, the broker and the worker, and both write JSON log lines."""
    # test_docker imports this module: its helpers are taken once both are loaded.
    from tests.portal.test_docker import compose_document, interpolate

    (serve,) = [line.removeprefix("exec ") for line in _web_sh() if line.startswith("exec ")]
    work = interpolate(
        compose_document()["services"]["worker"]["command"], {"SOVRA_WORKER_CONCURRENCY": "1"}
    )
    port, redis = free_port(), PrivateRedis()
    redis.start()
    env = {
        **image.env,
        **settings,
        "CELERY_BROKER_URL": redis.url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    logs = {name: tmp_path / f"{name}.log" for name in ("web", "worker")}
    with ExitStack() as stack:
        stack.callback(redis.stop)
        processes = []
        for name, command in (("web", shlex.split(serve)), ("worker", work)):
            output = stack.enter_context(logs[name].open("wb"))
            process = subprocess.Popen(
                command, cwd=image.app, env=env, stdout=output, stderr=subprocess.STDOUT
            )
            stack.callback(stop, process)
            processes.append(process)
        ready = _poll(f"http://127.0.0.1:{port}/readyz", processes, logs)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            healthy = answer.status
    assert json.loads(ready) == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "worker": "ok"},
    }
    assert healthy == 200
    web_lines = [json.loads(line) for line in logs["web"].read_text().splitlines()]
    assert any(line["logger"] == "gunicorn.access" for line in web_lines)
    worker_lines = logs["worker"].read_text().splitlines()
    logged = [json.loads(line) for line in worker_lines if line.startswith("{")]
    assert any(line["message"].endswith(" ready.") for line in logged), worker_lines[-20:]


def _poll(url: str, processes: list, logs: dict[str, Path], seconds: float = 90) -> bytes:
    """The body of the first 200 from ``url``; fails if a process exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for process, (name, log) in zip(processes, logs.items(), strict=True):
            if process.poll() is not None:
                pytest.fail(f"{name} exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except urllib.error.HTTPError as not_ready:  # 503 while the worker starts
            not_ready.close()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # not listening yet, or still importing the portal on a busy machine
        time.sleep(0.5)
    pytest.fail(f"{url} did not answer 200 within {seconds} s")
