"""The bulk endpoint's write path: PostgreSQL COPY gives exactly what the portable path gives."""

from __future__ import annotations

from django.db import connection, transaction

from portal.models import Workload
from portal.services.workloads import workloads_upsert
from tests.factories import ModelSpecFactory, WorkloadFactory

ROWS = [
    {"external_id": "E-1", "name": "Chat", "kind": "chat", "avg_input_tokens": 800,
     "requests_per_day": 10, "model": "Spec A", "tags": ["a", "b"], "notes": "tab\there"},
    {"external_id": "E-2", "name": "Embed", "kind": "embeddings", "avg_input_tokens": "300",
     "peak_factor": "1.5", "growth_pct_per_year": -12.25, "personal_data": "yes"},
    {"external_id": "E-3", "name": "Render\nfarm", "kind": "image_video", "gpu_hours_per_month": 7,
     "training_tokens_per_month": 10**15, "fine_tuning_method": "lora", "model": ""},
    {"external_id": "E-4", "name": "Kept", "kind": "batch", "avg_input_tokens": 5},
]  # fmt: skip
SKIP = {"id", "organization", "created_at", "updated_at"}


def _snapshot(organization) -> dict[str, dict]:
    rows = {}
    for workload in Workload.objects.for_organization(organization).order_by("external_id"):
        rows[workload.external_id] = {
            f.attname: getattr(workload, f.attname)
            for f in Workload._meta.concrete_fields
            if f.name not in SKIP
        }
    return rows


def _seed(organization) -> None:
    WorkloadFactory(
        organization=organization, external_id="E-4", name="Old", owner_team="Keep me",
        tags=["old"], requests_per_day=3,
    )  # fmt: skip


def test_copy_path_matches_the_portable_path(org, other_org, monkeypatch):
    spec = ModelSpecFactory(organization=None, name="Spec A")
    _seed(org)
    _seed(other_org)
    assert connection.vendor == "postgresql"
    copy_result = workloads_upsert(organization=org, rows=enumerate(ROWS))

    monkeypatch.setattr(connection, "vendor", "portable")
    portable_result = workloads_upsert(organization=other_org, rows=enumerate(ROWS))
    monkeypatch.undo()

    assert (copy_result.created, copy_result.updated) == (3, 1)
    assert (portable_result.created, portable_result.updated) == (3, 1)
    assert _snapshot(org) == _snapshot(other_org)
    rows = _snapshot(org)
    assert rows["E-1"]["model_id"] == spec.pk
    assert rows["E-1"]["tags"] == ["a", "b"]
    assert rows["E-1"]["notes"] == "tab\there"
    assert rows["E-3"]["name"] == "Render\nfarm"
    assert rows["E-3"]["training_tokens_per_month"] == 10**15
    assert rows["E-4"]["owner_team"] == "Keep me"
    assert rows["E-4"]["tags"] == ["old"]
    assert rows["E-4"]["name"] == "Kept"


def test_two_upserts_in_one_transaction(org):
    """The temporary table is dropped after each call, so a longer transaction may call again."""
    ModelSpecFactory(organization=None, name="Spec A")
    with transaction.atomic():
        workloads_upsert(organization=org, rows=enumerate(ROWS[:2]))
        result = workloads_upsert(organization=org, rows=enumerate(ROWS[1:]))
    assert (result.created, result.updated) == (2, 1)
    assert Workload.objects.for_organization(org).count() == 4
