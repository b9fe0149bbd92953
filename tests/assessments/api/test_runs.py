"""Runs over the API: start one (202 and Location), poll it to success, fetch its results,
snapshot and PDF; 409 before results exist; lists filtered, newest first, without N+1."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from assessments.models import Assessment, AssessmentRun, RunStatus
from assessments.results import RunResults
from assessments.services.assessments import assessment_save
from tests.assessments.api.conftest import BASE
from tests.assessments.world import finished_run
from tests.portal.api.conftest import error_fields

pytestmark = pytest.mark.django_db

DEMO = "/api/v1/orgs/northlight"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def demo_assessment(demo):
    return assessment_save(
        organization=demo,
        assessment=Assessment(
            name="Northlight: where should the GPUs live?", monte_carlo_samples=200
        ),
    )


def test_a_run_started_over_the_api_succeeds_with_results_and_a_pdf(
    demo_assessment, api_as, django_capture_on_commit_callbacks
):
    from django.contrib.auth import get_user_model

    client = api_as(get_user_model().objects.get(username="analyst"))
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"{DEMO}/assessments/{demo_assessment.pk}/runs/")
    assert started.status_code == 202, started.content[:500]
    queued = started.json()
    assert (queued["number"], queued["status"], queued["requested_by"]) == (1, "queued", "analyst")
    assert started["Location"] == f"http://testserver{DEMO}/runs/{queued['id']}/"

    polled = client.get(started["Location"])
    assert polled.status_code == 200
    run = polled.json()
    assert (run["status"], run["progress_pct"], run["step"]) == ("succeeded", 100, "done"), run
    assert run["step_label"] == "Finished" and run["error"] == "" and run["attempts"] == 1
    assert run["cheapest_option"] in {
        "on_prem", "colocation", "cloud_on_demand", "cloud_committed", "managed_api", "hybrid"
    }  # fmt: skip
    assert float(run["cheapest_npv"]) > 0 and run["currency"] == "EUR"
    assert run["has_report"] is True and run["duration_seconds"] > 0
    assert set(run["timings"]) >= {"snapshot", "engine", "render"}
    assert "results" not in run and "snapshot" not in run  # small, for polling

    results = client.get(run["links"]["results"])
    assert results.status_code == 200 and results["Content-Type"] == "application/json"
    sections = results.json()
    assert set(sections) == {
        "schema_version",
        "engine",
        "monte_carlo",
        "tornado",
        "sovereignty",
        "placement",
        "summary",
        "workloads_page",
    }
    workloads = len(sections["engine"]["workloads"])
    assert workloads == len(sections["sovereignty"]["workloads"]) > 1
    assert sections["workloads_page"] == {
        "count": workloads, "offset": 0, "limit": 500, "next": None, "previous": None
    }  # fmt: skip
    assert sections["summary"]["cheapest_option"] == run["cheapest_option"]
    assert sections["monte_carlo"]["samples"] == 200
    assert sections["schema_version"] == 2
    RunResults.load(sections)  # what the API serves is what its schema says

    snapshot = client.get(run["links"]["snapshot"]).json()
    assert snapshot["organization"]["slug"] == "northlight"
    assert len(snapshot["workloads"]) == 12

    pdf = client.get(run["links"]["pdf"], HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")
    assert pdf["Content-Type"] == "application/pdf"
    assert (
        pdf["Content-Disposition"] == f'attachment; filename="sovra-northlight-run-{run["id"]}.pdf"'
    )
    assert pdf["Cache-Control"] == "private, no-store"
    assert pdf["X-Content-Type-Options"] == "nosniff"
    assert int(pdf["Content-Length"]) == len(pdf.content)

    listed = client.get(f"{DEMO}/assessments/{demo_assessment.pk}/runs/").json()
    assert [r["id"] for r in listed["results"]] == [run["id"]]


def test_a_viewer_cannot_start_a_run_and_a_body_is_refused(api_as, viewer, analyst, world):
    url = f"{BASE}/assessments/{world['assessment'].pk}/runs/"
    assert api_as(viewer).post(url).status_code == 403
    refused = api_as(analyst).post(url, {"samples": 5})
    assert refused.status_code == 400 and error_fields(refused) == ["samples"]
    assert AssessmentRun.objects.for_organization(world["assessment"].organization).count() == 2


def _run(assessment, status, **fields) -> AssessmentRun:
    number = assessment.runs.count() + 1
    return AssessmentRun.objects.create_in(
        assessment.organization, assessment=assessment, number=number, status=status, **fields
    )


def test_results_answer_409_until_the_run_succeeds(api_as, viewer, world):
    client = api_as(viewer)
    assessment = world["assessment"]
    queued = _run(assessment, RunStatus.QUEUED, step="queued")
    failed = _run(
        assessment,
        RunStatus.FAILED,
        step="failed",
        progress_pct=35,
        error="This assessment selects no workload: choose workloads or tags that exist.",
    )
    answer = client.get(f"{BASE}/runs/{queued.pk}/results/")
    assert answer.status_code == 409
    assert answer.json() == {
        "detail": f"Run #{queued.number} is queued (Waiting for a worker, 0%): its results exist "
        "once it has succeeded. Poll the run until its status is succeeded.",
        "errors": [],
    }
    answer = client.get(f"{BASE}/runs/{failed.pk}/results/")
    assert answer.status_code == 409
    assert answer.json()["detail"] == (
        f"Run #{failed.number} failed, so it has no results: This assessment selects no "
        "workload: choose workloads or tags that exist."
    )
    assert client.get(f"{BASE}/runs/{queued.pk}/snapshot/").status_code == 409
    spreadsheet = client.get(f"{BASE}/runs/{failed.pk}/results.xlsx", HTTP_ACCEPT=XLSX)
    assert spreadsheet.status_code == 409
    assert spreadsheet.json()["detail"] == (
        f"Run #{failed.number} failed, so it has no results: This assessment selects no "
        "workload: choose workloads or tags that exist."
    )
    assert client.get(f"{BASE}/runs/{queued.pk}/results.xlsx").status_code == 409
    # No report yet: the PDF is not found, even when a browser asks for a PDF.
    missing = client.get(f"{BASE}/runs/{failed.pk}/report.pdf", HTTP_ACCEPT="application/pdf")
    assert missing.status_code == 404 and missing.json()["detail"] == "Not found."
    detail = client.get(f"{BASE}/runs/{queued.pk}/").json()
    assert detail["links"]["results"] is None and detail["links"]["pdf"] is None
    assert detail["links"]["xlsx"] is None
    assert detail["links"]["snapshot"] is None and detail["step_label"] == "Waiting for a worker"


def test_a_succeeded_runs_results_download_as_a_spreadsheet(api_as, viewer, world):
    run = world["run"]
    client = api_as(viewer)
    link = client.get(f"{BASE}/runs/{run.pk}/").json()["links"]["xlsx"]
    assert link == f"http://testserver{BASE}/runs/{run.pk}/results.xlsx"

    answer = client.get(link, HTTP_ACCEPT=XLSX)
    assert answer.status_code == 200 and answer["Content-Type"] == XLSX
    assert answer["Content-Disposition"] == (
        f'attachment; filename="sovra-alice-media-run-{run.pk}.xlsx"'
    )
    assert answer["Cache-Control"] == "private, no-store"
    book = load_workbook(io.BytesIO(b"".join(answer.streaming_content)))
    assert book.sheetnames == ["Summary", "Workloads", "Cash flows", "Prices"]
    engine = run.results["engine"]
    workloads = book["Workloads"]
    header = [c.value for c in workloads[1]]
    first = dict(zip(header, next(workloads.iter_rows(min_row=2, values_only=True)), strict=True))
    chat = engine["workloads"][0]
    assert (first["Workload"], first["Option"]) == (chat["name"], "On-premises")
    assert first["NPV (EUR)"] == chat["options"]["on_prem"]["npv"]


def test_the_pdf_needs_a_signed_in_member(api_client, world):
    answer = api_client.get(
        f"{BASE}/runs/{world['run'].pk}/report.pdf", HTTP_ACCEPT="application/pdf"
    )
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/json"
    assert b"%PDF" not in answer.content


def test_the_run_list_is_newest_first_and_filters(api_as, viewer, world):
    client = api_as(viewer)
    assessment = world["assessment"]
    other = Assessment.objects.create_in(assessment.organization, name="Second question")
    running = _run(other, RunStatus.RUNNING, step="engine", progress_pct=35)
    listed = client.get(f"{BASE}/runs/").json()
    assert [r["id"] for r in listed["results"]] == [
        running.pk,
        world["run"].pk,
        world["earlier_run"].pk,
    ]
    assert world["other_run"].pk not in [r["id"] for r in listed["results"]]
    by_assessment = client.get(f"{BASE}/runs/?assessment={assessment.pk}").json()
    assert [r["number"] for r in by_assessment["results"]] == [2, 1]
    by_status = client.get(f"{BASE}/runs/?status=running").json()
    assert [(r["id"], r["step_label"]) for r in by_status["results"]] == [
        (running.pk, "Sizing and costing every option")
    ]
    bad = client.get(f"{BASE}/runs/?status=paused")
    assert bad.status_code == 400 and error_fields(bad) == ["status"]
    # Mallory's assessment id filters to nothing rather than showing her runs.
    theirs = client.get(f"{BASE}/runs/?assessment={world['other_assessment'].pk}").json()
    assert theirs["count"] == 0


def _count_queries(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.json()["count"]


def test_run_lists_cost_the_same_queries_for_2_and_20_runs(api_as, analyst, world):
    client = api_as(analyst)
    assessment = world["assessment"]
    urls = (
        f"{BASE}/runs/?assessment={assessment.pk}",
        f"{BASE}/assessments/{assessment.pk}/runs/",
    )
    few = [_count_queries(client, url) for url in urls]
    assert [count for _, count in few] == [2, 2]
    for number in range(3, 21):
        # Half of them finished with a report, half still queued: both kinds in the page.
        if number % 2:
            finished_run(assessment, number=number, user=analyst)
        else:
            _run(assessment, RunStatus.QUEUED, step="queued")
    many = [_count_queries(client, url) for url in urls]
    assert [count for _, count in many] == [20, 20]
    assert [queries for queries, _ in many] == [queries for queries, _ in few]


def test_assessments_over_the_workload_limit_are_refused_on_create_and_run(
    org, analyst, api_as, settings
):
    from tests.factories import WorkloadFactory

    settings.SOVRA_ASSESSMENT_MAX_WORKLOADS = 1
    first, _second = WorkloadFactory.create_batch(2, organization=org)
    client = api_as(analyst)
    created = client.post(f"{BASE}/assessments/", {"name": "All"}, format="json")
    assert created.status_code == 400
    assert error_fields(created) == ["workloads"]
    assert "covers 2 workloads" in created.json()["errors"][0]["message"]
    assert not Assessment.objects.for_organization(org).exists()

    one = client.post(
        f"{BASE}/assessments/", {"name": "One", "workloads": [first.external_id]}, format="json"
    )
    assert one.status_code == 201, one.content[:300]
    settings.SOVRA_ASSESSMENT_MAX_WORKLOADS = 0
    started = client.post(f"{BASE}/assessments/{one.json()['id']}/runs/")
    assert started.status_code == 400
    assert error_fields(started) == ["workloads"]
    assert "the limit is 0 per assessment" in started.json()["errors"][0]["message"]
    assert not AssessmentRun.objects.for_organization(org).exists()


def test_a_second_start_moments_later_is_a_double_click_answered_409_with_the_first_run(
    api_as, analyst, owner, world, settings
):
    """GIVEN a run the analyst started that is still queued WHEN the analyst starts the same
    assessment again at once THEN 409 `just_started` names that run (body and Location) and no
    second run exists; another user, or the same user once the window has passed, starts one."""
    settings.SOVRA_RUN_REPEAT_START_SECONDS = 10
    assessment = world["assessment"]
    url = f"{BASE}/assessments/{assessment.pk}/runs/"
    runs = AssessmentRun.objects.for_organization(assessment.organization).filter(
        assessment=assessment
    )
    before = runs.count()
    first = api_as(analyst).post(url)
    assert first.status_code == 202

    again = api_as(analyst).post(url)
    assert again.status_code == 409
    body = again.json()
    assert body["errors"][0]["code"] == "just_started"
    assert body["detail"].startswith(f"Run #{first.json()['number']} of this assessment was")
    assert body["run"]["id"] == first.json()["id"] and again["Location"] == first["Location"]
    assert runs.count() == before + 1

    assert api_as(owner).post(url).status_code == 202
    settings.SOVRA_RUN_REPEAT_START_SECONDS = 0
    assert api_as(analyst).post(url).status_code == 202
    assert runs.count() == before + 3


def test_a_succeeded_runs_results_are_assembled_once_and_polled_with_an_etag(api_as, viewer, world):
    """The second request for the same page reads the cache: no query of the run's results or
    workload rows; a client that sends back the ETag gets 304 without a body; another page is
    another entry, and a run given the same id later (SQLite reuses a deleted row's) is not
    served the first one's page."""
    client = api_as(viewer)
    run = world["run"]
    url = f"{BASE}/runs/{run.pk}/results/"
    first = client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again.content == first.content and again["ETag"] == etag
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "runworkloadresult" not in read and '"results"' not in read
    unchanged = client.get(url, HTTP_IF_NONE_MATCH=f'W/{etag}, "other"')
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged["ETag"] == etag
    paged = client.get(url + "?workloads_limit=1")
    assert paged.status_code == 200 and paged["ETag"] != etag
    assert len(paged.json()["engine"]["workloads"]) == 1

    # The same id, finished at another time, with other results: its own page.
    results = dict(run.results)
    results["summary"] = {**results["summary"], "cheapest_npv": 1234.5}
    AssessmentRun.objects.for_organization(run.organization).filter(pk=run.pk).update(
        results=results, finished_at=run.finished_at + timedelta(seconds=1)
    )
    later = client.get(url)
    assert later.json()["summary"]["cheapest_npv"] == 1234.5
    assert later["ETag"] != etag
