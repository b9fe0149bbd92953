"""Real services for the live tests: a Celery worker process, an SMTP inbox, an HTTP receiver
for callbacks, and a Redis and a PostgreSQL of the test's own that it may kill and restart.

Nothing here touches the machine's own PostgreSQL or Redis beyond pytest's test database and
the queue a test names: the private servers run on free ports from temporary directories.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager, suppress
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import kombu.pools
import pytest

from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"


class Receiver:
    """A real HTTP server on loopback that keeps what it receives and answers as told."""

    def __init__(self):
        self.received, self.status, self.headers = [], 204, {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), self.path, body))
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()


def queue_name() -> str:
    """A queue of the test's own: no other worker on the machine takes its tasks."""
    return f"sovra-test-{uuid.uuid4().hex[:8]}"


@contextmanager
def using_broker(broker: str):
    """This process publishes to ``broker`` on a queue of its own, so that no other worker on
    the machine takes its tasks; the process's own settings and pools are put back after."""
    name = queue_name()
    keys = ("task_always_eager", "broker_url", "task_default_queue", "task_publish_retry")
    saved = {k: celery_app.conf[k] for k in keys}
    pools = (celery_app._pool, celery_app.amqp._producer_pool)
    # Fresh connection and producer pools for Redis; the process's own pools are put back after.
    celery_app._pool, celery_app.amqp._producer_pool = None, None
    celery_app.conf.update(task_always_eager=False, broker_url=broker, task_default_queue=name)
    try:
        yield name
    finally:
        for pool in (celery_app.amqp._producer_pool, celery_app._pool):
            if pool is not None:
                pool.force_close_all()
        # kombu keeps pools per broker for the whole process: drop the closed ones, or the next
        # test with this broker would be handed them.
        with celery_app.connection_for_write() as redis:
            for group in (kombu.pools.producers, kombu.pools.connections):
                with suppress(KeyError):
                    del group[redis]
        celery_app.conf.update(saved)
        celery_app._pool, celery_app.amqp._producer_pool = pools


def suite_database_url() -> str:
    """pytest's own test database, as a worker process reaches it."""
    from django.db import connection

    database = connection.settings_dict
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def service_env(*, database_url: str, broker: str, queue: str, smtp_port: int = 0) -> dict:
    """The environment of a product process (worker or command) working on the test's services;
    callbacks may reach loopback, where the test's receiver listens."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.base",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "SOVRA_CALLBACK_ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }


@contextmanager
def worker_process(
    queue, smtp_port, log_dir, *pool, broker=REDIS, database_url=None, level="warning", **settings
):
    """A worker process on ``queue``, logging at ``level`` to log_dir/worker.log, with
    ``settings`` (environment variables) on top of the test's services."""
    log = (log_dir / "worker.log").open("wb")
    env = service_env(
        database_url=database_url or suite_database_url(),
        broker=broker,
        queue=queue,
        smtp_port=smtp_port,
    )
    env.update(settings)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", *pool, "-Q", queue,
         "-l", level, "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    process.log_path = log_dir / "worker.log"
    try:
        yield process
    finally:
        stop(process)
        log.close()


def stop(process: subprocess.Popen, seconds: float = 20) -> None:
    """SIGTERM, as a container's stop sends it; SIGKILL if it has not exited after ``seconds``."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait(predicate, seconds: float, what: str, process):
    """The first true value of ``predicate()``, polled; fails at once if the worker exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if process.poll() is not None:
            output = process.log_path.read_text(errors="replace")[-3000:]
            pytest.fail(f"the worker exited while waiting for {what}:\n{output}")
        time.sleep(0.2)
    pytest.fail(f"timed out after {seconds} s waiting for {what}")


def children(pid: int) -> list[int]:
    output = subprocess.run(
        ["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True, check=True
    ).stdout
    return [int(line) for line in output.split()]


class PrivateRedis:
    """A Redis of the test's own on a free port, started, killed and restarted at will (it keeps
    nothing on disk, as the machine's own does not: a restart loses every queued message)."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_for(["redis-cli", "-p", str(self.port), "ping"], "the private Redis", output=b"PONG")

    def kill(self):
        """SIGKILL, as the kernel's OOM killer or a crashed host would stop it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own on a free port, in a temporary directory owned by
    the postgres user (initdb refuses root), fsync off: nothing in it must outlive the test."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="sovra-pg-"))
        shutil.chown(self.dir, "postgres")
        self.data = self.dir / "data"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/sovra"
        self.running = False

    def create_database(self, name: str = "sovra") -> None:
        self._pg("createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", name)

    def _pg(self, program: str, *args) -> None:
        command = ["runuser", "-u", "postgres", "--", str(PG_BIN / program), *map(str, args)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            pytest.fail(f"{program} failed (the private PostgreSQL needs root): {done.stderr}")

    def start(self):
        if not self.data.exists():
            self._pg("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                     "--no-sync", "--no-instructions")  # fmt: skip
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir}"
            " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        self._pg("pg_ctl", "start", "-D", self.data, "-l", self.dir / "server.log", "-o", options)
        self.running = True
        _wait_for(
            [PG_BIN / "pg_isready", "-h", "127.0.0.1", "-p", self.port], "the private PostgreSQL"
        )

    def stop(self, mode: str = "fast"):
        """Stop the server; ``fast`` ends every session, as a restart by its operator does."""
        self._pg("pg_ctl", "stop", "-D", self.data, "-m", mode, "-w")
        self.running = False

    def close(self):
        try:
            if self.running:
                self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def _wait_for(command: list, what: str, output: bytes = b"", seconds: float = 30) -> None:
    """Poll ``command`` until it succeeds (and prints ``output``): the service answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = subprocess.run([str(part) for part in command], capture_output=True)
        if done.returncode == 0 and output in done.stdout:
            return
        time.sleep(0.1)
    pytest.fail(f"{what} did not start within {seconds} s")
