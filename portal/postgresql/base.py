"""Django's PostgreSQL backend; a kept connection is checked without a round trip.

With ``CONN_HEALTH_CHECKS`` Django runs ``SELECT 1`` before each request reuses a connection,
so that a database restarted since does not fail the request: a round trip on every request,
a fifth of a small API request's. A server that closes a connection (a restart, an
administrator's ``pg_terminate_backend``, an idle timeout) sends its notice, or the end of the
stream, at once; an idle connection it has not closed has nothing to read. So reading whether
anything waits, without waiting, tells the two apart.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        # A transaction left open or failed is not reused, as Django's SELECT 1 would fail it.
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return False
        # poll, not select: select refuses descriptors above 1023, which a busy worker reaches.
        poller = select.poll()
        try:
            poller.register(connection.fileno(), select.POLLIN)
            return not poller.poll(0)
        except (OSError, ValueError):
            return False
