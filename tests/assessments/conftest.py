"""Fixtures of the assessment tests: the public catalog, the demo organization and the real
services of the live tests."""

from __future__ import annotations

import pytest

from costing.services import public_catalog_load
from portal.services.demo import demo_organization_load
from tests.assessments.live import PrivatePostgres, PrivateRedis, Receiver, worker_process


@pytest.fixture
def demo(db):
    """Northlight Studios (12 workloads) with the public catalog loaded."""
    public_catalog_load()
    return demo_organization_load(username="claire", password="demo-pass-1234")


# --------------------------------------------------------------------------- live services


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def worker(queue, inbox, tmp_path):
    with worker_process(queue, inbox[1], tmp_path, "-P", "solo") as process:
        yield process


@pytest.fixture
def prefork_worker(queue, inbox, tmp_path):
    """One pool process under a parent that notices when it dies, as in production."""
    with worker_process(queue, inbox[1], tmp_path, "-P", "prefork", "-c", "1") as process:
        yield process


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def private_postgres():
    """A running PostgreSQL cluster of the test's own, with an empty database ``sovra``."""
    server = PrivatePostgres()
    try:
        server.start()
        server.create_database()
        yield server
    finally:
        server.close()
