"""Two bulk writes of the same workloads at once, in opposite orders: both land, no deadlock."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from portal.models import Workload
from portal.services.workloads import workloads_upsert
from tests.factories import OrganizationFactory

ROWS = 300


def _rows(prefix: str, reverse: bool, name: str) -> list[tuple[int, dict]]:
    ids = [f"{prefix}-{i:04d}" for i in range(ROWS)]
    if reverse:
        ids.reverse()
    return list(enumerate({"external_id": i, "name": name, "kind": "batch"} for i in ids))


@pytest.mark.django_db(transaction=True)
def test_opposite_orders_of_the_same_rows_both_land(monkeypatch):
    """Before the organization's write lock and the ordered insert, two CMDB syncs sending the
    same 300 workloads in opposite orders could each lock half and wait on the other: PostgreSQL
    broke the deadlock by failing one with a 500."""
    if connection.vendor != "postgresql":
        pytest.skip("the deadlock is PostgreSQL's row locking")
    # No second attempt: the writes must not deadlock at all, not merely recover.
    monkeypatch.setattr("portal.services.workloads.UPSERT_ATTEMPTS", 1)
    organization = OrganizationFactory()
    workloads_upsert(organization=organization, rows=_rows("WL", False, "first"))
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def sync(reverse: bool, name: str) -> None:
        try:
            start.wait()
            for _ in range(5):
                workloads_upsert(organization=organization, rows=_rows("WL", reverse, name))
        except BaseException as error:  # reported by the assertion below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=sync, args=(False, "forward")),
        threading.Thread(target=sync, args=(True, "backward")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    names = set(Workload.objects.for_organization(organization).values_list("name", flat=True))
    assert Workload.objects.for_organization(organization).count() == ROWS
    assert len(names) == 1 and names <= {"forward", "backward"}
