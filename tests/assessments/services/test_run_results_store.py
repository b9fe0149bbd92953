"""A run's results stored so no single document holds a portfolio: the portfolio-level parts on
the run, each workload's engine and sovereignty parts on rows; read back whole, typed, or a page
at a time over the API; results stored before (every workload inline) still read the same."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from assessments import compute
from assessments.models import Assessment, AssessmentRun, RunStatus, RunWorkloadResult
from assessments.results import RunResults
from assessments.selectors import run_results, run_results_document
from assessments.services.assessments import assessment_save
from assessments.services.runs import assessment_run_execute

pytestmark = pytest.mark.django_db

DEMO = "/api/v1/orgs/northlight"


@pytest.fixture
def computed(demo):
    """A succeeded run of the demo's workloads, computed by the run's own steps."""
    assessment = assessment_save(
        organization=demo,
        assessment=Assessment(name="Stored by workload", monte_carlo_samples=100),
    )
    run = AssessmentRun.objects.create_in(demo, assessment=assessment, number=1)
    assert assessment_run_execute(organization_id=demo.pk, run_id=run.pk) == RunStatus.SUCCEEDED
    return AssessmentRun.objects.for_organization(demo).get(pk=run.pk)


def _inline_copy(run: AssessmentRun) -> AssessmentRun:
    """The same results stored as runs stored them before: every workload inside ``results``."""
    return AssessmentRun.objects.create_in(
        run.organization,
        assessment=run.assessment,
        number=run.number + 1,
        status=RunStatus.SUCCEEDED,
        step="done",
        snapshot=run.snapshot,
        results=run_results_document(run),
    )


def _engine_order(run: AssessmentRun) -> list[str]:
    """The workloads the engine prices, in its order, computed again from the run's inputs."""
    return [w["id"] for w in compute.engine_section(run.snapshot)["workloads"]]


def test_each_workloads_parts_are_rows_and_the_run_keeps_the_portfolio(computed):
    ids = _engine_order(computed)
    rows = RunWorkloadResult.objects.for_organization(computed.organization).filter(run=computed)
    for section in ("engine", "sovereignty"):
        stored = list(rows.filter(section=section).order_by("position"))
        assert [row.workload_id for row in stored] == ids
        assert [row.position for row in stored] == list(range(len(ids)))
        # The run's own document holds no workload: its size no longer grows with them.
        assert computed.results[section]["workloads"] == []
    assert computed.results["engine"]["portfolio"]  # the portfolio's totals stay on the run
    assert not computed.sections.exists()  # the steps' sections were merged and dropped

    results = run_results(computed)
    assert isinstance(results, RunResults)
    assert [w.id for w in results.engine.workloads] == ids
    assert [w.id for w in results.sovereignty.workloads] == ids
    assert results.summary.recommendations.keys() == set(ids)
    assert results.engine.portfolio.keys() == computed.results["engine"]["portfolio"].keys()


def test_results_stored_inline_before_read_the_same(computed):
    inline = _inline_copy(computed)
    assert len(inline.results["engine"]["workloads"]) == len(computed.snapshot["workloads"])
    assert not RunWorkloadResult.objects.for_organization(inline.organization).filter(run=inline)
    assert run_results(inline) == run_results(computed)
    assert run_results_document(inline) == run_results_document(computed)


def test_the_api_pages_the_workloads_of_new_and_older_runs_alike(computed, api_as):
    owner = get_user_model().objects.get(username="claire")
    client = api_as(owner)
    ids = _engine_order(computed)
    for run in (computed, _inline_copy(computed)):
        url = f"{DEMO}/runs/{run.pk}/results/?workloads_limit=5"
        seen, pages = [], 0
        while url:
            answer = client.get(url)
            assert answer.status_code == 200, answer.content[:300]
            body = answer.json()
            page = body.pop("workloads_page")
            assert page["count"] == len(ids) and page["limit"] == 5
            assert page["offset"] == len(seen)
            engine = [w["id"] for w in body["engine"]["workloads"]]
            assert engine == [w["id"] for w in body["sovereignty"]["workloads"]]
            assert len(engine) == min(5, len(ids) - len(seen))
            # Every page carries the portfolio-level parts whole, typed as the schema says.
            RunResults.load(body)
            assert body["summary"]["cheapest_option"] == computed.cheapest_option
            seen += engine
            pages += 1
            url = page["next"]
        assert seen == ids and pages == -(-len(ids) // 5)
    refused = client.get(f"{DEMO}/runs/{computed.pk}/results/?workloads_limit=5000")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "workloads_limit"


def test_workload_rows_are_inserted_row_by_row_not_as_arrays(computed):
    """Django's bulk insert on PostgreSQL sends each column as one array (UNNEST), whose text
    elements psycopg escapes in Python: seconds for a thousand workloads' documents. Storing
    the rows again must bind each document as a parameter of its own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessments.services.run_results_store import run_workload_rows_store

    rows = [{"id": f"w{i}", "text": 'a "quoted" value\\n' * 20} for i in range(3)]
    with CaptureQueriesContext(connection) as captured:
        run_workload_rows_store(run=computed, name="engine", start=0, rows=rows, whole=True)
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert "UNNEST" not in inserts[0].upper()
    stored = RunWorkloadResult.objects.for_organization(computed.organization).filter(
        run=computed, section="engine"
    )
    assert [row.workload_id for row in stored.order_by("position")] == ["w0", "w1", "w2"]


def test_the_report_step_never_holds_a_portfolios_workloads_twice(computed):
    """The report reads typed results; making them replaces each workload's dict as its typed
    copy is made (a 5,000-workload run's dicts are about 1 GB), and gives the same results."""
    import copy

    from assessments.results import EngineWorkload, SovereigntyWorkload
    from assessments.services.run_report import typed_results_letting_go

    document = run_results_document(computed)
    expected = RunResults.load(copy.deepcopy(document))
    typed_results = typed_results_letting_go(document)
    assert typed_results == expected
    assert document["engine"]["workloads"]
    assert all(isinstance(w, EngineWorkload) for w in document["engine"]["workloads"])
    assert all(isinstance(w, SovereigntyWorkload) for w in document["sovereignty"]["workloads"])
