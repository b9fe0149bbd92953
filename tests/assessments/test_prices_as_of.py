"""A run's "prices as of" date: the prices then in force are the ones it freezes and computes
with, a past date is re-priced identically later, and a stale exchange rate is named."""

from __future__ import annotations

from datetime import date

import pytest

from assessments.models import Assessment, AssessmentRun, RunStatus
from assessments.services.assessments import assessment_save
from assessments.services.run_start import assessment_run_start
from tests.costing.price_history import RISE, USD_EUR, publish_price_rise, renting_organization

pytestmark = pytest.mark.django_db(transaction=False)
BEFORE = date(2026, 12, 9)


@pytest.fixture
def renderer(db):
    return renting_organization()


def run_as_of(organization, day: date | None, capture) -> AssessmentRun:
    assessment = assessment_save(
        organization=organization,
        assessment=Assessment(
            name=f"L40S hours as of {day}",
            options=["cloud_on_demand"],
            horizon_years=1,
            prices_as_of=day,
            monte_carlo_samples=0,
        ),
    )
    with capture(execute=True):
        run = assessment_run_start(assessment=assessment)
    return AssessmentRun.objects.for_organization(organization).get(pk=run.pk)


def first_month(run: AssessmentRun) -> float:
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run.results["engine"]["portfolio"]["cloud_on_demand"]["monthly_total"][1]


def figures(run: AssessmentRun) -> dict:
    """The engine's results but their sources, whose validity now says "superseded"."""
    return {key: value for key, value in run.results["engine"].items() if key != "sources"}


def frozen_runpod_price(run: AssessmentRun) -> float:
    (offer,) = [
        o
        for o in run.snapshot["scenario"]["offers"]["cloud_gpu"]
        if o["provider"] == "RunPod"
        and o["instance"] == "Community Cloud pod"
        and o["gpu"] == "NVIDIA L40S"
    ]
    return offer["on_demand_per_hour"]["amount"]


def test_a_run_as_of_a_day_before_a_new_version_uses_the_old_prices_and_again_later(
    renderer, django_capture_on_commit_callbacks
):
    """GIVEN a run as of 9 December, when RunPod's L40S cost 0.79 USD an hour
    WHEN a version raising it to 0.95 from 10 December is published
    THEN a new run as of 9 December freezes 0.79 and gives the first run's figures exactly
    (100 h x 0.79 / 1.0889 = 72.55 EUR a month), and one as of 10 December 87.24 EUR."""
    capture = django_capture_on_commit_callbacks
    then = run_as_of(renderer, BEFORE, capture)
    publish_price_rise()
    again = run_as_of(renderer, BEFORE, capture)
    later = run_as_of(renderer, RISE, capture)

    assert first_month(then) == pytest.approx(100 * 0.79 * USD_EUR, abs=0.005)  # 72.55
    assert first_month(later) == pytest.approx(100 * 0.95 * USD_EUR, abs=0.005)  # 87.24
    assert figures(again) == figures(then)
    assert [frozen_runpod_price(r) for r in (then, again, later)] == [0.79, 0.79, 0.95]
    assert [c["version"] for c in again.snapshot["catalogs"]] == [
        c["version"] for c in then.snapshot["catalogs"]
    ]
    assert later.snapshot["catalogs"][0]["version"] == "2026-12-10"


def test_a_run_as_of_a_day_before_any_published_catalog_fails_saying_from_when(
    renderer, django_capture_on_commit_callbacks
):
    run = run_as_of(renderer, date(2026, 1, 1), django_capture_on_commit_callbacks)

    assert run.status == RunStatus.FAILED
    assert run.error.startswith(
        "No published price catalog is in force on 2026-01-01: the earliest, "
        "Sovra public reference prices "
    )
    assert "takes effect on 2026-11-25" in run.error


def test_an_exchange_rate_older_than_the_limit_is_named_in_the_data_gaps(
    renderer, django_capture_on_commit_callbacks, settings
):
    """The shipped ECB rates' latest EUR/USD (2026-04-13) is 240 days old on 9 December 2026."""
    run = run_as_of(renderer, BEFORE, django_capture_on_commit_callbacks)
    settings.SOVRA_FX_MAX_AGE_DAYS = 240
    fresh_enough = run_as_of(renderer, BEFORE, django_capture_on_commit_callbacks)

    assert run.snapshot["fx_max_age_days"] == 7
    assert run.results["summary"]["answer"]["data_gaps"] == (
        "Exchange rates older than 7 days on 2026-12-09, the date prices are taken as of: "
        "USD to EUR at 0.855871 of 2026-04-13 (240 days old)."
    )
    assert fresh_enough.results["summary"]["answer"]["data_gaps"] == ""
