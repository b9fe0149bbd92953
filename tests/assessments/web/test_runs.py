"""Run pages: progress JSON and bar, results, PDF and spreadsheet downloads, email form,
comparison, queries."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import AssessmentRun, ReportEmail, RunStatus
from assessments.reports.formatting import money
from tests.assessments.world import finished_run, world_assessments
from tests.factories import WorkloadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org, other_org, analyst):
    return world_assessments(org, other_org, user=analyst)


def _queued_run(assessment, number=3, **fields) -> AssessmentRun:
    fields.setdefault("step", "queued")
    return AssessmentRun.objects.create_in(
        assessment.organization, assessment=assessment, number=number, **fields
    )


def test_progress_json_reports_status_step_and_percent(client_for, org, viewer, world):
    run = _queued_run(world["assessment"], status=RunStatus.RUNNING, step="monte_carlo")
    AssessmentRun.objects.for_organization(org).filter(pk=run.pk).update(progress_pct=35)
    response = client_for(viewer).get(reverse("run-progress", args=[org.slug, run.pk]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response.json() == {
        "id": run.pk,
        "number": 3,
        "status": "running",
        "status_label": "Running",
        "progress_pct": 35,
        "step": "monte_carlo",
        "step_label": "Monte Carlo over the uncertain inputs",
        "finished": False,
        "error": "",
    }
    done = client_for(viewer).get(reverse("run-progress", args=[org.slug, world["run"].pk]))
    assert done.json()["finished"] is True and done.json()["progress_pct"] == 100


def test_a_queued_run_page_shows_the_live_progress_bar(client_for, org, viewer, world):
    run = _queued_run(world["assessment"])
    body = client_for(viewer).get(reverse("run-detail", args=[org.slug, run.pk])).content.decode()

    assert 'id="run-progress"' in body
    assert f'data-progress-url="{reverse("run-progress", args=[org.slug, run.pk])}"' in body
    assert 'role="progressbar"' in body and 'aria-valuenow="0"' in body
    assert "Waiting for a worker" in body
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in body
    assert "assessments/js/run.js" in body
    assert 'id="npv-table"' not in body


def test_a_failed_run_shows_its_error_and_a_run_again_button(client_for, org, analyst, world):
    run = _queued_run(
        world["assessment"],
        status=RunStatus.FAILED,
        error="This assessment selects no workload: choose workloads or tags that exist.",
    )
    body = client_for(analyst).get(reverse("run-detail", args=[org.slug, run.pk])).content.decode()
    assert "This assessment selects no workload" in body
    assert f'action="{reverse("assessment-run", args=[org.slug, world["assessment"].pk])}"' in body
    assert "Run again" in body


def test_succeeded_run_page_shows_results_from_the_runs_own_figures(client_for, org, viewer, world):
    run = world["run"]
    body = client_for(viewer).get(reverse("run-detail", args=[org.slug, run.pk])).content.decode()
    results = run.results
    currency = results["summary"]["currency"]
    for option, npv in results["summary"]["npv_by_option"].items():
        assert f'<td class="num" data-npv>{money(npv, currency)}</td>' in body, option
    for option, spread in results["monte_carlo"]["options"].items():
        assert money(spread["npv"]["p50"], currency) in body, option
    placement = results["placement"]
    assert money(placement["saving"], currency) in body
    assert body.count('<tr data-workload="') == len(results["engine"]["workloads"])
    assert "B01" in body and "GDPR Art. 44" in body  # a blocking rule with its citation
    assert '<details class="findings">' in body
    assert body.count("<svg") >= 5
    assert "Emails of this report" in body and "board@alice-media.example.org" in body


def test_pdf_download_is_an_attachment_never_cached(client_for, org, viewer, world):
    run = world["run"]
    response = client_for(viewer).get(reverse("run-pdf", args=[org.slug, run.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="sovra-{org.slug}-run-{run.pk}.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF-")
    assert response.content == bytes(run.report.pdf)


def test_a_run_without_a_report_has_no_pdf(client_for, org, viewer, world):
    run = _queued_run(world["assessment"])
    response = client_for(viewer).get(reverse("run-pdf", args=[org.slug, run.pk]))
    assert response.status_code == 404


def test_spreadsheet_download_is_the_runs_own_results_never_cached(client_for, org, viewer, world):
    run = world["run"]
    url = reverse("run-xlsx", args=[org.slug, run.pk])
    page = client_for(viewer).get(reverse("run-detail", args=[org.slug, run.pk])).content.decode()
    assert f'<a href="{url}" class="btn btn-secondary" download>Download spreadsheet</a>' in page

    response = client_for(viewer).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        f'attachment; filename="sovra-{org.slug}-run-{run.pk}.xlsx"'
    )
    assert response["Cache-Control"] == "private, no-store"
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    summary: dict = {}  # the first row of each label: the options table before the placement
    for row in book["Summary"].iter_rows(values_only=True):
        summary.setdefault(row[0], row[1:])
    assert summary["Assessment"][0] == "Alice visible assessment"
    assert summary["Run"][0] == 2
    assert summary["Finished (UTC)"][0] == run.finished_at.replace(tzinfo=None, microsecond=0)
    assert summary["On-premises"][0] == run.results["engine"]["portfolio"]["on_prem"]["npv"]


def test_a_run_not_yet_succeeded_has_no_spreadsheet(client_for, org, viewer, world):
    run = _queued_run(world["assessment"])
    page = client_for(viewer).get(reverse("run-detail", args=[org.slug, run.pk])).content.decode()
    assert "Download spreadsheet" not in page
    response = client_for(viewer).get(reverse("run-xlsx", args=[org.slug, run.pk]))
    assert response.status_code == 409
    assert (
        "Run #3 is queued (Waiting for a worker, 0%): its results exist once it has succeeded."
        in response.content.decode()
    )


def test_email_form_queues_an_email_sent_with_the_pdf(
    client_for, org, analyst, world, django_capture_on_commit_callbacks
):
    run = world["run"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(analyst).post(
            reverse("run-email", args=[org.slug, run.pk]),
            {
                "recipients": "cfo@alice.example.org\nboard@alice.example.org",
                "message": "For Monday.",
            },
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("run-detail", args=[org.slug, run.pk]) + "#emails"
    email = ReportEmail.objects.for_organization(org).filter(run=run, requested_by=analyst).get()
    assert email.recipients == ["cfo@alice.example.org", "board@alice.example.org"]
    assert email.status == "sent"
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["cfo@alice.example.org", "board@alice.example.org"]
    assert "For Monday." in sent.body
    _filename, content, mimetype = sent.attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF-")
    history = client_for(analyst).get(reverse("run-detail", args=[org.slug, run.pk]))
    assert "cfo@alice.example.org, board@alice.example.org" in history.content.decode()


def test_email_form_errors_show_beside_the_field(client_for, org, analyst, world):
    response = client_for(analyst).post(
        reverse("run-email", args=[org.slug, world["run"].pk]),
        {"recipients": "nobody@", "message": ""},
    )
    assert response.status_code == 200
    assert response.context["email_form"].errors == {
        "recipients": ["'nobody@' is not a valid email address"]
    }
    assert 'id="id_recipients_error"' in response.content.decode()
    assert not mail.outbox


def test_compare_page_shows_npv_side_by_side_and_changed_recommendations(
    client_for, org, viewer, world
):
    first, second = world["earlier_run"], world["run"]
    response = client_for(viewer).get(reverse("run-compare", args=[org.slug, second.pk, first.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["first"] == first and response.context["second"] == second
    rows = response.context["comparison"]["results"]["npv_by_option"]
    assert {r["option"] for r in rows} == set(first.results["summary"]["npv_by_option"])
    assert all(r["delta"] == 0 for r in rows)  # same inputs, same seed: same figures
    assert "No workload changed its option." in body


def test_compare_picker_on_the_detail_page_redirects_to_the_comparison(
    client_for, org, viewer, world
):
    first, second = world["earlier_run"], world["run"]
    url = reverse("assessment-detail", args=[org.slug, world["assessment"].pk])
    response = client_for(viewer).get(url, {"run": second.pk, "other": first.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("run-compare", args=[org.slug, second.pk, first.pk])
    same = client_for(viewer).get(url, {"run": second.pk, "other": second.pk})
    assert same.status_code == 200
    assert same.context["compare_form"].errors == {"other": ["Choose two different runs."]}


def test_compare_with_another_organizations_run_is_404(client_for, org, viewer, world):
    url = reverse("run-compare", args=[org.slug, world["run"].pk, world["other_run"].pk])
    assert client_for(viewer).get(url).status_code == 404


@pytest.mark.parametrize("rows", [2, 50])
def test_run_history_and_list_queries_do_not_grow_with_the_rows(
    rows, client_for, org, viewer, django_assert_max_num_queries
):
    from assessments.models import Assessment

    assessment = Assessment.objects.create_in(org, name="Many runs")
    for number in range(1, rows + 1):
        _queued_run(assessment, number=number, requested_by=viewer)
    for index in range(rows):
        Assessment.objects.create_in(org, name=f"Assessment {index}")
    client = client_for(viewer)
    detail = reverse("assessment-detail", args=[org.slug, assessment.pk])
    listing = reverse("assessment-list", args=[org.slug])
    client.get(detail)  # session and membership caches warm
    with django_assert_max_num_queries(9):
        response = client.get(detail)
    assert len(response.context["runs"]) == rows
    with django_assert_max_num_queries(9):
        response = client.get(listing)
    assert len(response.context["assessments"]) == min(rows + 1, 50)


def test_starting_a_run_from_the_list_goes_to_its_page(client_for, org, analyst, world):
    response = client_for(analyst).post(
        reverse("assessment-run", args=[org.slug, world["assessment"].pk])
    )
    run = AssessmentRun.objects.for_organization(org).get(assessment=world["assessment"], number=3)
    assert response.status_code == 302
    assert response["Location"] == reverse("run-detail", args=[org.slug, run.pk])
    assert run.requested_by == analyst


def test_a_later_finished_run_is_listed_first_with_its_figures(client_for, org, viewer, world):
    later = finished_run(world["assessment"], number=3)
    body = client_for(viewer).get(reverse("assessment-list", args=[org.slug])).content.decode()
    assert f'href="{reverse("run-detail", args=[org.slug, later.pk])}">#3</a>' in body
    assert "Mallory secret assessment" not in body


def test_starting_a_run_over_the_workload_limit_says_why_and_starts_nothing(
    client_for, org, analyst, world, settings
):
    settings.SOVRA_ASSESSMENT_MAX_WORKLOADS = 0
    WorkloadFactory(organization=org)  # the assessment chooses none: it covers them all
    client = client_for(analyst)
    response = client.post(reverse("assessment-run", args=[org.slug, world["assessment"].pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "assessment-detail", args=[org.slug, world["assessment"].pk]
    )
    assert not AssessmentRun.objects.for_organization(org).filter(number=3).exists()
    page = client.get(response["Location"]).content.decode()
    assert "No run was started: this assessment covers" in page
    assert "the limit is 0 per assessment" in page


def test_a_double_click_on_run_starts_one_run_and_shows_it(client_for, org, analyst, world):
    """The second POST of a double click lands on the first run's page, saying so, and the
    button's form is marked to be sent once."""
    client = client_for(analyst)
    url = reverse("assessment-run", args=[org.slug, world["assessment"].pk])
    first = client.post(url)
    second = client.post(url)
    runs = AssessmentRun.objects.for_organization(org).filter(assessment=world["assessment"])
    run = runs.get(number=3)
    assert not runs.filter(number=4).exists()
    assert second["Location"] == first["Location"] == reverse("run-detail", args=[org.slug, run.pk])
    page = client.get(second["Location"]).content.decode()
    assert "Run #3 of this assessment was started 0 s ago and is still queued" in page
    detail = client.get(reverse("assessment-detail", args=[org.slug, world["assessment"].pk]))
    assert f'action="{url}" data-submit-once' in detail.content.decode()
