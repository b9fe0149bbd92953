"""The assessment wizard: errors beside their fields, and 'Save and run' ending on the results."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assessments.models import Assessment, AssessmentRun, RunStatus
from assessments.reports.formatting import money
from portal.models import Membership, Role
from tests.factories import WorkloadFactory

pytestmark = pytest.mark.django_db


def _valid_post(**changes) -> dict:
    data = {
        "name": "Where should the GPUs live?",
        "options": ["on_prem", "cloud_on_demand", "managed_api"],
        "offer_locations": "any",
        "monte_carlo_samples": "200",
        "random_seed": "7",
        "sovereign_min_seal": "3",
        "recipients": "",
        "action": "save",
    }
    data.update(changes)
    return data


def _errors(response) -> dict[str, list[str]]:
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


def test_wizard_shows_each_steps_errors_beside_their_fields(client_for, org, analyst):
    url = reverse("assessment-create", args=[org.slug])
    response = client_for(analyst).post(
        url,
        _valid_post(
            name="",
            options=[],
            horizon_years="40",
            assume_demand_growth_per_year="30",
            rack_units_limit="0",
            recipients="cfo@alice.example.org\nnot-an-address",
            callback_url="ftp://hooks.example.org/sovra",
        ),
    )

    assert response.status_code == 200
    errors = _errors(response)
    assert errors["name"] == ["This field is required."]
    assert errors["options"] == ["Choose at least one deployment option."]
    assert errors["horizon_years"] == ["Ensure this value is less than or equal to 15."]
    assert errors["rack_units_limit"] == ["Ensure this value is greater than or equal to 1."]
    assert errors["recipients"] == ["'not-an-address' is not a valid email address"]
    assert errors["callback_url"] == ["An http(s) address: the callback is an HTTP POST."]
    assert not Assessment.objects.for_organization(org).exists()
    body = response.content.decode()
    # Each error sits in its field's block, in the step that holds the field.
    for name in (
        "name",
        "options",
        "horizon_years",
        "rack_units_limit",
        "recipients",
        "callback_url",
    ):
        assert f'id="id_{name}_error"' in body, name
    for step in ("workloads", "options", "sovereignty", "recipients"):
        assert f'id="step-{step}" data-errors="true"' in body, step
    assert 'id="step-assumptions" data-errors="false"' in body


@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\x1b", "\u2028"])
def test_a_name_of_more_than_one_line_is_refused_beside_the_field(client_for, org, analyst, char):
    url = reverse("assessment-create", args=[org.slug])
    response = client_for(analyst).post(url, _valid_post(name=f"Q3 review{char}Bcc: x@y.org"))
    assert response.status_code == 200
    assert _errors(response)["name"] == [
        "Must be a single line: remove line breaks, tabs and other control characters."
    ]
    assert 'id="id_name_error"' in response.content.decode()
    assert not Assessment.objects.for_organization(org).exists()


def test_service_errors_on_an_assumption_show_beside_that_assumption(client_for, org, analyst):
    """The range check lives in the service: its message lands on the assumption's own field."""
    url = reverse("assessment-create", args=[org.slug])
    response = client_for(analyst).post(url, _valid_post(assume_demand_growth_per_year="30"))

    assert response.status_code == 200
    assert _errors(response) == {"assume_demand_growth_per_year": ["30.0 is out of range"]}
    body = response.content.decode()
    assert 'id="id_assume_demand_growth_per_year_error"' in body
    assert 'id="step-assumptions" data-errors="true"' in body


def test_assumption_fields_show_the_engines_defaults(client_for, org, analyst):
    body = client_for(analyst).get(reverse("assessment-create", args=[org.slug])).content.decode()
    assert "empty: the default, 1.0." in body  # owned_utilisation_target
    assert "empty: the default, 4.0." in body  # peak_hours_per_day
    assert "empty: the default, reserved_1y." in body  # commitment_term
    assert f"the organization&#x27;s horizon, {org.horizon_years} years" in body


def test_saving_stores_overrides_workloads_and_recipients(client_for, org, other_org, analyst):
    mine = WorkloadFactory(organization=org, external_id="A-1", name="Subtitles")
    response = client_for(analyst).post(
        reverse("assessment-create", args=[org.slug]),
        _valid_post(
            workloads=[str(mine.pk)],
            workload_tags="archive; voice",
            assume_demand_growth_per_year="0.25",
            assume_refresh_at_end_of_life="false",
            assume_commitment_term="reserved_3y",
            budget_cap="2500000",
            recipients="cfo@alice.example.org, CFO@alice.example.org\nboard@alice.example.org",
        ),
    )

    assessment = Assessment.objects.for_organization(org).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assessment-detail", args=[org.slug, assessment.pk])
    assert assessment.assumption_overrides == {
        "demand_growth_per_year": 0.25,
        "commitment_term": "reserved_3y",
        "refresh_at_end_of_life": False,
    }
    assert [w.pk for w in assessment.workloads.all()] == [mine.pk]
    assert assessment.workload_tags == ["archive", "voice"]
    assert assessment.options == ["on_prem", "cloud_on_demand", "managed_api"]
    assert assessment.recipients == ["cfo@alice.example.org", "board@alice.example.org"]
    assert str(assessment.budget_cap) == "2500000.00"
    assert assessment.created_by == analyst
    assert not AssessmentRun.objects.for_organization(org).exists()


def test_another_organizations_workload_cannot_be_ticked(client_for, org, other_org, analyst):
    theirs = WorkloadFactory(organization=other_org, external_id="M-1", name="Secret")
    response = client_for(analyst).post(
        reverse("assessment-create", args=[org.slug]), _valid_post(workloads=[str(theirs.pk)])
    )
    assert response.status_code == 200
    assert _errors(response)["workloads"][0].startswith("Select a valid choice.")
    assert "Secret" not in response.content.decode()


def test_a_callback_inside_the_network_is_refused_beside_its_field(client_for, org, analyst):
    response = client_for(analyst).post(
        reverse("assessment-create", args=[org.slug]),
        _valid_post(callback_url="http://192.168.1.1/hooks"),
    )
    assert response.status_code == 200
    (message,) = _errors(response)["callback_url"]
    assert message.startswith("192.168.1.1 is a private address")
    assert not Assessment.objects.for_organization(org).exists()


def test_creating_with_a_callback_shows_the_secret_once(client_for, org, analyst):
    client = client_for(analyst)
    response = client.post(
        reverse("assessment-create", args=[org.slug]),
        _valid_post(callback_url="https://hooks.alice.example.org/sovra"),
    )
    assessment = Assessment.objects.for_organization(org).get()
    assert response.status_code == 200
    assert len(assessment.callback_secret) == 64
    assert assessment.callback_secret in response.content.decode()
    detail = client.get(reverse("assessment-detail", args=[org.slug, assessment.pk]))
    assert assessment.callback_secret not in detail.content.decode()
    edit = client.get(reverse("assessment-update", args=[org.slug, assessment.pk]))
    assert assessment.callback_secret not in edit.content.decode()


def test_editing_keeps_what_the_form_does_not_change(client_for, org, analyst):
    assessment = Assessment.objects.create_in(
        org, name="Before", assumption_overrides={"peak_hours_per_day": 6.0}
    )
    client = client_for(analyst)
    form = client.get(reverse("assessment-update", args=[org.slug, assessment.pk]))
    assert form.context["form"]["assume_peak_hours_per_day"].value() == 6.0
    response = client.post(
        reverse("assessment-update", args=[org.slug, assessment.pk]),
        _valid_post(name="After", assume_peak_hours_per_day="6"),
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.name == "After"
    assert assessment.assumption_overrides == {"peak_hours_per_day": 6.0}


def test_save_and_run_on_the_demo_ends_on_the_succeeded_runs_results(
    client_for, demo, django_capture_on_commit_callbacks
):
    owner = Membership.objects.get(organization=demo, role=Role.OWNER).user
    client = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assessment-create", args=[demo.slug]),
            _valid_post(
                name="Northlight: own or rent?",
                options=["on_prem", "colocation", "cloud_on_demand", "managed_api"],
                monte_carlo_samples="200",
                action="run",
            ),
        )

    run = AssessmentRun.objects.for_organization(demo).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("run-detail", args=[demo.slug, run.pk])
    assert run.status == RunStatus.SUCCEEDED, run.error

    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    # The charts are inline SVG, the same functions as the PDF.
    for chart in ("chart-cumulative", "chart-components", "chart-monte-carlo", "chart-tornado"):
        block = body.split(f'id="{chart}"', 1)[1][:400]
        assert "<svg" in block, chart
    assert body.count("<svg") >= 5
    # Every NPV in the table is the run's own figure, formatted the report's way.
    summary = run.results["summary"]
    currency = summary["currency"]
    assert summary["npv_by_option"]
    for option, npv in summary["npv_by_option"].items():
        row = re.search(rf'<tr data-option="{option}">(.*?)</tr>', body, re.S).group(1)
        assert f'<td class="num" data-npv>{money(npv, currency)}</td>' in row, option
    answer = summary["answer"]
    for sentence in [answer["do"], *answer["why"], answer["sovereignty"]]:
        assert sentence.replace("'", "&#x27;") in body
    assert 'id="run-progress"' not in body
    assert reverse("run-pdf", args=[demo.slug, run.pk]) in body


def test_an_assessment_over_the_workload_limit_shows_the_error_beside_workloads(
    client_for, org, analyst, settings
):
    settings.SOVRA_ASSESSMENT_MAX_WORKLOADS = 1
    WorkloadFactory.create_batch(2, organization=org)
    response = client_for(analyst).post(
        reverse("assessment-create", args=[org.slug]), _valid_post(action="run")
    )
    assert response.status_code == 200
    assert _errors(response)["workloads"][0].startswith("this assessment covers 2 workloads")
    assert not Assessment.objects.for_organization(org).exists()
    assert not AssessmentRun.objects.for_organization(org).exists()
