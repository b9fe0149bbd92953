"""A client generated from our OpenAPI schema, used unmodified against a live server."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from assessments.models import Assessment
from portal.models import Role, Workload
from portal.services.tokens import api_token_create
from tests.assessments.world import finished_run
from tests.factories import MembershipFactory, ModelSpecFactory, UserFactory

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
CONFIG = {
    "project_name_override": "sovra-client",
    "package_name_override": "sovra_client",
    "post_hooks": [],  # no formatter run: the generated code is used exactly as generated
}


@pytest.fixture
def sovra_client(tmp_path):
    """Generate the client package from the schema and import it (removed again afterwards)."""
    schema = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(schema))
    config = tmp_path / "config.json"
    config.write_text(json.dumps(CONFIG))
    output = tmp_path / "client"
    subprocess.run(
        [GENERATOR, "generate", "--path", schema, "--output-path", output, "--config", config],
        check=True,
        capture_output=True,
        timeout=120,
    )
    sys.path.insert(0, str(output))
    try:
        yield importlib.import_module("sovra_client")
    finally:
        sys.path.remove(str(output))
        for name in [
            n for n in sys.modules if n == "sovra_client" or n.startswith("sovra_client.")
        ]:
            del sys.modules[name]


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_generated_client_bulk_upserts_and_lists(sovra_client, live_server, org, analyst):
    from sovra_client import AuthenticatedClient, Client
    from sovra_client.api.organizations import organizations_list
    from sovra_client.api.workloads import workloads_bulk_upsert, workloads_list
    from sovra_client.models import (
        BulkUpsertResult,
        ErrorResponse,
        KindEnum,
        PaginatedWorkloadList,
        ResidencyRequirementEnum,
        RowsErrorResponse,
        WorkloadRowRequest,
        WorkloadsListKind,
    )

    EU_EEA = ResidencyRequirementEnum.EU_EEA
    ModelSpecFactory(organization=None, name="Llama 3.1 70B")
    _, secret = api_token_create(user=analyst, name="CMDB sync", expires_in_days=30)
    rows = [
        WorkloadRowRequest(
            external_id="CMDB-7", name="Newsroom assistant", kind=KindEnum.CHAT,
            model="Llama 3.1 70B", avg_input_tokens=1800, requests_per_day=42_000,
            peak_factor=2.5, tags=["newsroom"], residency_requirement=EU_EEA,
        ),
        WorkloadRowRequest(
            external_id="CMDB-8", name="Archive embeddings", kind=KindEnum.EMBEDDINGS,
            avg_input_tokens=512, requests_per_day=900,
        ),
        WorkloadRowRequest(
            external_id="CMDB-9", name="Trailer renders", kind=KindEnum.IMAGE_VIDEO,
            gpu_hours_per_month=310.5, model=None,
        ),
    ]  # fmt: skip

    with AuthenticatedClient(base_url=live_server.url, token=secret, prefix="Token") as client:
        result = workloads_bulk_upsert.sync("alice-media", client=client, body=rows)
        assert isinstance(result, BulkUpsertResult), result
        assert (result.created, result.updated, result.dry_run) == (3, 0, False)

        dry = workloads_bulk_upsert.sync("alice-media", client=client, body=rows[:1], dry_run=True)
        assert (dry.created, dry.updated, dry.dry_run) == (0, 1, True)

        bad = WorkloadRowRequest(external_id="CMDB-10", name="Bad", kind=KindEnum.CHAT)
        bad.additional_properties["requests_per_day"] = "1,200"
        refused = workloads_bulk_upsert.sync("alice-media", client=client, body=[rows[1], bad])
        assert isinstance(refused, RowsErrorResponse), refused
        assert [(e.row, e.field) for e in refused.errors] == [(1, "requests_per_day")]
        assert Workload.objects.for_organization(org).count() == 3

        page = workloads_list.sync("alice-media", client=client, ordering="-requests_per_day")
        assert isinstance(page, PaginatedWorkloadList), page
        assert page.count == 3
        assert [w.external_id for w in page.results] == ["CMDB-7", "CMDB-8", "CMDB-9"]
        first = page.results[0]
        assert (first.name, first.model) == ("Newsroom assistant", "Llama 3.1 70B")
        assert (first.requests_per_day, first.peak_factor) == (42_000, 2.5)
        assert first.tags == ["newsroom"]
        assert first.residency_requirement == ResidencyRequirementEnum.EU_EEA
        assert page.results[2].gpu_hours_per_month == 310.5
        assert page.results[2].model is None

        chats = workloads_list.sync("alice-media", client=client, kind=WorkloadsListKind.CHAT)
        assert [w.external_id for w in chats.results] == ["CMDB-7"]

        mine = organizations_list.sync(client=client)
        assert [(o.slug, o.role.value) for o in mine.results] == [("alice-media", "analyst")]

    viewer = UserFactory(username="vera")
    MembershipFactory(organization=org, user=viewer, role=Role.VIEWER)
    _, viewer_secret = api_token_create(user=viewer, name="read only", expires_in_days=1)
    with AuthenticatedClient(base_url=live_server.url, token=viewer_secret, prefix="Token") as ro:
        denied = workloads_bulk_upsert.sync_detailed("alice-media", client=ro, body=rows)
    assert denied.status_code == 403
    assert isinstance(denied.parsed, ErrorResponse)
    assert "Analyst" in denied.parsed.detail

    with Client(base_url=live_server.url) as anonymous:
        unauthorized = workloads_list.sync_detailed("alice-media", client=anonymous)
    assert unauthorized.status_code == 401
    assert isinstance(unauthorized.parsed, ErrorResponse)


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_generated_client_reads_a_runs_results_as_typed_attributes(
    sovra_client, live_server, org, analyst
):
    from sovra_client import AuthenticatedClient
    from sovra_client.api.runs import runs_results, runs_snapshot
    from sovra_client.models import RunOptionOutcome, RunResults, RunSnapshot

    run = finished_run(Assessment.objects.create_in(org, name="Typed results"))
    stored = run.results
    _, secret = api_token_create(user=analyst, name="BI export", expires_in_days=1)
    with AuthenticatedClient(base_url=live_server.url, token=secret, prefix="Token") as client:
        results = runs_results.sync("alice-media", run.pk, client=client)
        snapshot = runs_snapshot.sync("alice-media", run.pk, client=client)

    assert isinstance(results, RunResults), results
    assert results.schema_version == 2
    on_prem = results.engine.portfolio["on_prem"]
    assert isinstance(on_prem, RunOptionOutcome)
    assert on_prem.npv == stored["engine"]["portfolio"]["on_prem"]["npv"] > 0
    assert on_prem.monthly_total[1] == stored["engine"]["portfolio"]["on_prem"]["monthly_total"][1]
    workload = results.engine.workloads[0]
    assert workload.id == stored["engine"]["workloads"][0]["id"]
    assert results.summary.answer.do == stored["summary"]["answer"]["do"]
    assert results.placement.cost == stored["placement"]["cost"]
    assert results.monte_carlo.options["on_prem"].npv.p10 < on_prem.npv
    first = results.sovereignty.workloads[0]
    assert first.recommended == stored["sovereignty"]["workloads"][0]["recommended"]

    assert isinstance(snapshot, RunSnapshot), snapshot
    assert snapshot.assessment.random_seed == 7
    assert snapshot.organization.currency == "EUR"
