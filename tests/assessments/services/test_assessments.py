"""Saving an assessment: options, recipients, assumptions and workloads are checked."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from assessments.models import Assessment
from assessments.services.assessments import assessment_save
from tests.factories import WorkloadFactory

pytestmark = pytest.mark.django_db


def _errors(organization, **fields):
    with pytest.raises(ValidationError) as error:
        assessment_save(organization=organization, assessment=Assessment(name="Q", **fields))
    return error.value.message_dict


def test_defaults_compare_every_option_and_get_a_callback_secret(org):
    assessment = assessment_save(organization=org, assessment=Assessment(name="All options"))
    assert assessment.options == [
        "on_prem", "colocation", "cloud_on_demand", "cloud_committed", "managed_api", "hybrid"
    ]  # fmt: skip
    assert len(assessment.callback_secret) == 64


def test_options_are_kept_in_report_order_without_duplicates(org):
    assessment = assessment_save(
        organization=org,
        assessment=Assessment(name="Two", options=["managed_api", "on_prem", "on_prem"]),
    )
    assert assessment.options == ["on_prem", "managed_api"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"options": []}, "options", "choose at least one deployment option"),
        ({"options": ["mainframe"]}, "options", "unknown option(s) ['mainframe']"),
        ({"recipients": ["cfo@example.org", "nope"]}, "recipients", "'nope' is not a valid"),
        ({"assumption_overrides": {"demand_growth": 0.1}}, "assumption_overrides",
         "demand_growth: unknown assumption"),
        ({"assumption_overrides": {"demand_growth_per_year": "10%"}}, "assumption_overrides",
         "demand_growth_per_year: a number is needed"),
        ({"assumption_overrides": {"commitment_term": "reserved_5y"}}, "assumption_overrides",
         "commitment_term: one of"),
        ({"callback_url": "ftp://example.org/x"}, "callback_url", "An http(s) address"),
        ({"horizon_years": 40}, "horizon_years", "less than or equal to 15"),
        ({"min_sovereign_share_pct": 120}, "min_sovereign_share_pct", "less than or equal to 100"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_field(org, fields, field, message):
    errors = _errors(org, **fields)
    assert any(message in text for text in errors[field]), errors


def test_another_organizations_workload_is_refused_not_joined(org, other_org):
    theirs = WorkloadFactory(organization=other_org)
    with pytest.raises(ValidationError, match="must belong to this organization"):
        assessment_save(organization=org, assessment=Assessment(name="Sneaky"), workloads=[theirs])
    assert not Assessment.objects.for_organization(org).exists()


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:6379/", "127.0.0.1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]:5432/", "loopback (inside an IPv6 address)"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("https://10.0.0.5/hooks", "10.0.0.5 is a private address"),
        ("http://localhost:8000/", "localhost names a host inside a local network"),
    ],
)
def test_a_callback_inside_the_network_is_refused_where_it_is_entered(org, url, why):
    (message,) = _errors(org, callback_url=url)["callback_url"]
    assert why in message
    assert message.endswith("Callbacks go to public addresses only; an administrator can allow "
                            "an internal host.")  # fmt: skip


def test_a_host_the_installation_allows_may_be_entered(org, settings):
    settings.SOVRA_CALLBACK_ALLOWED_HOSTS = ["cmdb.internal", "10.0.0.5"]
    for url in ("http://cmdb.internal:8080/hooks", "https://10.0.0.5/hooks"):
        assessment = assessment_save(
            organization=org, assessment=Assessment(name=url, callback_url=url)
        )
        assert assessment.callback_url == url


def test_an_assessment_over_the_workload_limit_is_refused_and_not_saved(org, settings):
    """GIVEN a limit of 2 and 3 workloads WHEN an assessment covers them all (none chosen)
    THEN it is refused naming the field, the count and the limit, and nothing is stored."""
    settings.SOVRA_ASSESSMENT_MAX_WORKLOADS = 2
    WorkloadFactory.create_batch(3, organization=org)
    assert _errors(org)["workloads"] == [
        "this assessment covers 3 workloads (none are chosen, so it covers the whole "
        "inventory); the limit is 2 per assessment. Choose fewer workloads or tags, or split "
        "it into several assessments."
    ]
    assert not Assessment.objects.for_organization(org).exists()


def test_workloads_chosen_or_tagged_count_towards_the_limit(org, settings):
    settings.SOVRA_ASSESSMENT_MAX_WORKLOADS = 2
    first, second, _third = WorkloadFactory.create_batch(3, organization=org, tags=["gpu"])
    chosen = assessment_save(
        organization=org, assessment=Assessment(name="Two"), workloads=[first, second]
    )
    assert chosen.workloads.count() == 2
    with pytest.raises(ValidationError) as error:
        assessment_save(
            organization=org,
            assessment=Assessment(name="Tagged", workload_tags=["gpu"]),
        )
    assert error.value.message_dict["workloads"][0].startswith(
        "this assessment covers 3 workloads; the limit is 2"
    )
