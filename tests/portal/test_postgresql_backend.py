"""The PostgreSQL backend's health check: a kept connection the server closed is replaced
before a request uses it, and one it did not close is reused without a round trip."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.core.signals import request_started
from django.db import close_old_connections, connection, connections
from django.db.utils import DatabaseError

pytestmark = pytest.mark.django_db(transaction=True)


def _terminate_from_elsewhere(pid: int) -> None:
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
        dbname="postgres", autocommit=True,
    ) as other:  # fmt: skip
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.2)  # the notice on its way


def _connected():
    connection.ensure_connection()
    return connection.connection


def test_the_backend_is_the_portals_on_postgresql():
    assert connection.settings_dict["ENGINE"] == "portal.postgresql"
    assert type(connections["default"]).__module__ == "portal.postgresql.base"


def test_an_idle_connection_is_usable_without_a_query(monkeypatch):
    raw = _connected()

    def no_query(*args, **kwargs):
        raise AssertionError("the health check sent a query")

    monkeypatch.setattr(raw, "cursor", no_query)
    monkeypatch.setattr(raw, "execute", no_query)
    assert connection.is_usable()


def test_a_connection_the_server_closed_is_replaced_before_the_next_request_uses_it():
    raw = _connected()
    _terminate_from_elsewhere(raw.info.backend_pid)
    assert not connection.is_usable()
    # A request starts: its first query finds the connection closed by the check, opens
    # another, and sees no error.
    request_started.send(sender=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert connection.connection is not raw


def test_without_the_check_the_same_closed_connection_fails_a_query():
    """The failure the check prevents (and that this test's server setup can produce)."""
    raw = _connected()
    _terminate_from_elsewhere(raw.info.backend_pid)
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    close_old_connections()


def test_a_failed_transaction_is_not_reused():
    raw = _connected()
    raw.autocommit = False
    with pytest.raises(psycopg.errors.DivisionByZero):
        raw.execute("SELECT 1/0")
    assert not connection.is_usable()
    raw.rollback()
    raw.autocommit = True
    assert connection.is_usable()


def test_a_connection_on_a_high_descriptor_is_checked_too():
    """A busy worker's sockets pass descriptor 1023, where select() refuses to look."""
    import os
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        pytest.skip("this process may not open 1,200 files")
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        connection.close()
        raw = _connected()
        assert raw.fileno() > 1023
        assert connection.is_usable()
        _terminate_from_elsewhere(raw.info.backend_pid)
        assert not connection.is_usable()
    finally:
        connection.close()
        for descriptor in held:
            os.close(descriptor)
