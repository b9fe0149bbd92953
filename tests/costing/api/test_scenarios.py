"""The what-if endpoint and the scenario JSON Schema it publishes."""

from __future__ import annotations

import copy
import itertools
import json
import time

import pytest

from costing.engine.evaluate import evaluate
from costing.engine.scenario import SCHEMA, SCHEMA_PATH, load_scenario
from tests.costing.api.conftest import BASE, MALLORY
from tests.portal.api.conftest import error_fields
from tests.timing import finishes_within

URL = f"{BASE}/scenarios/evaluate/"
SCHEMA_URL = "/api/v1/scenario-schema/"
EXAMPLE = json.loads((SCHEMA_PATH.parent / "examples" / "media-house.json").read_text("utf-8"))

# One GPU-hours workload rented on demand: the smallest document that evaluates.
SMALL = {
    "name": "Upscaling what-if",
    "start_date": "2027-01-01",
    "horizon_months": 12,
    "discount_rate_per_year": 0.05,
    "workloads": [
        {"id": "upscale", "kind": "other_gpu", "gpu_class": "H100 SXM", "gpu_hours_per_month": 100}
    ],
    "offers": {
        "cloud_gpu": [
            {
                "provider": "Nebius",
                "instance": "gpu-h100-sxm",
                "gpu": "H100 SXM 80GB",
                "gpu_count": 1,
                "on_demand_per_hour": {"amount": 2.95, "currency": "EUR"},
            }
        ]
    },
    "options": ["cloud_on_demand"],
}


def small(**changes) -> dict:
    return {**copy.deepcopy(SMALL), **changes}


def with_change(path: tuple, value) -> dict:
    """The example with one value replaced (or removed, for ``...``) at ``path``."""
    document = copy.deepcopy(EXAMPLE)
    *parents, last = path
    target = document
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return document


def test_the_example_evaluates_to_the_engines_figures(client_as):
    """GIVEN the media-house example WHEN a viewer posts it THEN each option's NPV is the
    engine's own."""
    response = client_as("viewer").post(URL, EXAMPLE, format="json")
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    expected = evaluate(load_scenario(copy.deepcopy(EXAMPLE))).as_dict()
    assert body["currency"] == "EUR"
    assert body["cheapest_by_npv"] == expected["cheapest_by_npv"]
    assert set(body["portfolio"]) == set(expected["portfolio"]) == set(EXAMPLE["options"])
    for option, outcome in expected["portfolio"].items():
        if "npv" in outcome:
            assert body["portfolio"][option]["npv"] == pytest.approx(outcome["npv"], rel=1e-12)
            assert body["portfolio"][option]["total"] == pytest.approx(outcome["total"], rel=1e-12)
        else:  # unavailable: says what is missing, never a zero price
            assert body["portfolio"][option] == outcome
    assert [w["id"] for w in body["workloads"]] == [w["id"] for w in EXAMPLE["workloads"]]


def test_portfolio_results_leave_out_the_workloads(client_as):
    response = client_as("viewer").post(f"{URL}?results=portfolio", EXAMPLE, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["workloads"] == []
    assert body["portfolio"]["cloud_on_demand"]["npv"] > 0


def test_an_unknown_results_choice_is_refused(client_as):
    response = client_as("viewer").post(f"{URL}?results=everything", SMALL, format="json")
    assert response.status_code == 400
    assert error_fields(response) == ["results"]


def test_a_missing_currency_is_the_organizations(client_as, org):
    org.currency = "GBP"
    org.save()
    document = small()
    document["offers"]["fx"] = [{"base": "EUR", "quote": "GBP", "rate": 0.85, "date": "2026-05-01"}]
    response = client_as("viewer").post(URL, document, format="json")
    assert response.status_code == 200, response.content[:500]
    assert response.json()["currency"] == "GBP"
    stated = client_as("viewer").post(URL, small(reporting_currency="EUR"), format="json")
    assert stated.json()["currency"] == "EUR"


def test_without_a_rate_into_the_organizations_currency_the_price_is_at_fault(client_as, org):
    org.currency = "GBP"
    org.save()
    response = client_as("viewer").post(URL, SMALL, format="json")
    assert response.status_code == 400
    assert error_fields(response) == ["$.offers.cloud_gpu[0].on_demand_per_hour.currency"]


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        (("workloads", 3, "peak_factor"), -2, "$.workloads[3].peak_factor", "minimum"),
        (("workloads", 9, "gpu_class"), "Voodoo 5", "$.workloads[9].gpu_class", "Voodoo 5"),
        (("offers", "cloud_gpu", 0, "gpu"), "Voodoo 5", "$.offers.cloud_gpu[0].gpu", "Voodoo 5"),
        (("offers",), ..., "$", "'offers' is a required property"),
        (("offers", "cloud_gpu"), {"gpu": "H100"}, "$.offers.cloud_gpu", "not of type 'array'"),
        (("workloads", 0, "requests_per_day"), "20000", "$.workloads[0].requests_per_day", "type"),
        (("horizon_months",), "60", "$.horizon_months", "not of type 'integer'"),
    ],
    ids=[
        "negative peak factor",
        "unknown gpu class",
        "unknown offered gpu",
        "missing offers",
        "offer list not a list",
        "string for a number",
        "string for an integer",
    ],
)
def test_an_invalid_scenario_names_the_json_path_of_each_problem(
    client_as, path, value, field, words
):
    response = client_as("viewer").post(URL, with_change(path, value), format="json")
    assert response.status_code == 400, response.content[:300]
    assert error_fields(response) == [field]
    error = response.json()["errors"][0]
    assert words in error["message"]
    assert error["code"] == "invalid"


HOSTILE = [
    (("workloads", 0, "input_tokens"), 1e300),
    (("workloads", 0, "input_tokens"), 1e308),
    (("workloads", 0, "output_tokens"), 1e300),
    (("workloads", 0, "input_tokens"), -1),
    (("workloads", 0, "input_tokens"), "NaN"),
    (("workloads", 0, "input_tokens"), "Infinity"),
    (("workloads", 0, "requests_per_day"), 1e300),
    (("workloads", 0, "peak_factor"), 1e300),
    (("models", 0, "context_tokens"), 10**15),
    (("models", 0, "params_b"), 1e300),
    (("offers", "servers", 0, "useful_life_years"), 1e-300),
]


@pytest.mark.parametrize(
    ("path", "value"), HOSTILE, ids=[f"{path[-1]}={value}" for path, value in HOSTILE]
)
def test_an_absurd_number_is_refused_at_once_naming_its_field(client_as, path, value):
    """GIVEN the example with one absurd number (1e300 input tokens made a worker loop for
    ever) WHEN a viewer posts it THEN it is refused within two seconds, naming where."""
    field = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    with finishes_within(2):
        response = client_as("viewer").post(URL, with_change(path, value), format="json")
    assert response.status_code == 400, response.content[:300]
    assert error_fields(response) == [field]


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_a_number_json_cannot_hold_is_a_parse_error(client_as, number):
    body = json.dumps(SMALL).replace('"gpu_hours_per_month": 100', '"gpu_hours_per_month": 0')
    body = body.encode().replace(b'"gpu_hours_per_month": 0', b'"gpu_hours_per_month": ' + number)
    response = client_as("viewer").post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


def test_every_problem_is_listed(client_as):
    document = with_change(("workloads", 3, "peak_factor"), -2)
    document["workloads"][5]["peak_factor"] = "high"
    response = client_as("viewer").post(URL, document, format="json")
    assert response.status_code == 400
    assert error_fields(response) == ["$.workloads[3].peak_factor", "$.workloads[5].peak_factor"]
    assert "2 problem(s)" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'"a scenario"', "application/json"),
        (b"null", "application/json"),
    ],
    ids=["not json", "a list", "a string", "null"],
)
def test_a_body_that_is_not_a_json_object_is_refused(client_as, body, content_type):
    response = client_as("viewer").post(URL, body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["detail"]
    error_fields(response)


def test_a_body_that_is_not_json_at_all_is_unsupported(client_as):
    response = client_as("viewer").post(URL, "name=x", content_type="text/plain")
    assert response.status_code == 415


def test_too_many_workloads_are_refused_before_evaluation(client_as, settings):
    settings.SOVRA_SCENARIO_MAX_WORKLOADS = 3
    document = small(workloads=[{**SMALL["workloads"][0], "id": f"w{i}"} for i in range(4)])
    response = client_as("viewer").post(URL, document, format="json")
    assert response.status_code == 400
    assert error_fields(response) == ["$.workloads"]
    assert response.json()["errors"][0]["code"] == "too_many_workloads"
    assert "at most 3" in response.json()["detail"] + response.json()["errors"][0]["message"]


def test_too_many_offers_are_refused_before_evaluation(client_as, settings):
    settings.SOVRA_SCENARIO_MAX_OFFERS = 2
    offer = SMALL["offers"]["cloud_gpu"][0]
    document = small(offers={"cloud_gpu": [{**offer, "instance": f"i{i}"} for i in range(3)]})
    response = client_as("viewer").post(URL, document, format="json")
    assert response.status_code == 400
    assert error_fields(response) == ["$.offers"]
    assert response.json()["errors"][0]["code"] == "too_many_offers"


def test_per_workload_results_have_their_own_cap(client_as, settings):
    settings.SOVRA_SCENARIO_MAX_DETAILED_WORKLOADS = 2
    document = small(workloads=[{**SMALL["workloads"][0], "id": f"w{i}"} for i in range(3)])
    refused = client_as("viewer").post(URL, document, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "too_many_detailed_workloads"
    assert "results=portfolio" in refused.json()["errors"][0]["message"]
    served = client_as("viewer").post(f"{URL}?results=portfolio", document, format="json")
    assert served.status_code == 200


def test_a_body_over_the_upload_limit_is_413(client_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    document = small(name="x" * 2048)
    response = client_as("viewer").post(URL, document, format="json")
    assert response.status_code == 413
    assert response.json()["detail"]


def test_a_scenario_over_its_own_size_limit_is_413_unread(client_as, settings):
    settings.SOVRA_SCENARIO_MAX_BYTES = 2048
    response = client_as("viewer").post(URL, small(name="x" * 4096), format="json")
    assert response.status_code == 413
    assert response.json()["detail"] == (
        "The body is over 2 KB; send fewer workloads or offers, or run an assessment, which has "
        "no such limit."
    )


def test_a_scenario_declared_over_the_limit_is_refused_before_it_is_read(client_as, settings):
    """A Content-Length over the limit is enough: not one byte of the body is parsed."""
    settings.SOVRA_SCENARIO_MAX_BYTES = 2048
    response = client_as("viewer").post(URL, SMALL, format="json", CONTENT_LENGTH="999999")
    assert response.status_code == 413
    assert response.json()["detail"].startswith("The body is over 2 KB;")


def test_the_time_budget_and_size_limit_default_to_five_seconds_and_four_megabytes():
    from django.conf import settings

    assert settings.SOVRA_WHATIF_TIME_BUDGET_S == 5.0
    assert settings.SOVRA_SCENARIO_MAX_BYTES == 4 * 1024 * 1024


@pytest.fixture
def ticking_clock(monkeypatch):
    """The engine's clock moves one second each time it is read."""
    ticks = itertools.count()
    monkeypatch.setattr("costing.engine.budget.time.monotonic", lambda: float(next(ticks)))


def test_an_evaluation_over_its_time_budget_stops_and_answers_422(client_as, settings,
                                                                  ticking_clock):  # fmt: skip
    """GIVEN a budget of 2.5 s and a clock that moves a second per step WHEN the example is
    posted THEN the engine stops at its third workload and the answer says why, as JSON."""
    settings.SOVRA_WHATIF_TIME_BUDGET_S = 2.5
    response = client_as("viewer").post(URL, EXAMPLE, format="json")
    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == [
        {"field": None, "message": body["detail"], "code": "over_time_budget"}
    ]
    assert body["detail"].startswith(
        "The scenario was not evaluated within the time budget of 2.5 s (it had reached sizing "
        "and pricing workload script-summaries)."
    )


def test_a_slow_evaluation_is_stopped_at_its_budget_in_real_time(client_as, settings):
    """GIVEN 1,000 workloads (a second or more to evaluate in detail) and a budget of 0.1 s
    WHEN posted THEN the answer is a 422 within a few seconds, not a worker held until it is
    killed."""
    settings.SOVRA_WHATIF_TIME_BUDGET_S = 0.1
    settings.SOVRA_SCENARIO_MAX_DETAILED_WORKLOADS = 2_000
    document = copy.deepcopy(EXAMPLE)
    document["workloads"] = [
        {**w, "id": f"{w['id']}-{i}"} for i in range(84) for w in EXAMPLE["workloads"]
    ]
    started = time.monotonic()
    with finishes_within(20):
        response = client_as("viewer").post(URL, document, format="json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "over_time_budget"
    assert time.monotonic() - started < 5


def test_an_engine_value_error_is_a_400_not_a_500(client_as, monkeypatch):
    def fail(scenario, **kwargs):
        raise ValueError("drivers disagree on the number of samples: [2, 3]")

    monkeypatch.setattr("costing.engine.whatif.evaluate", fail)
    response = client_as("viewer").post(URL, SMALL, format="json")
    assert response.status_code == 400
    assert "drivers disagree" in response.json()["detail"]
    assert response.json()["errors"][0]["code"] == "not_computable"


def test_another_organizations_slug_is_not_found(client_as, other_org):
    response = client_as("viewer").post(f"{MALLORY}/scenarios/evaluate/", SMALL, format="json")
    assert response.status_code == 404
    assert "Mallory" not in response.content.decode()


def test_anonymous_is_unauthorized(client_as):
    assert client_as("anonymous").post(URL, SMALL, format="json").status_code == 401


@pytest.mark.parametrize("role", ["viewer", "analyst", "admin", "owner"])
def test_any_member_may_evaluate(client_as, role):
    response = client_as(role).post(URL, SMALL, format="json")
    assert response.status_code == 200
    assert response.json()["portfolio"]["cloud_on_demand"]["total"] > 0


def test_the_scenario_schema_is_served_to_anyone(client):
    response = client.get(SCHEMA_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/schema+json"
    assert json.loads(response.content) == SCHEMA


def test_the_evaluate_operation_links_the_schema_and_shows_the_example():
    from drf_spectacular.generators import SchemaGenerator

    openapi = SchemaGenerator().get_schema(request=None, public=True)
    operation = openapi["paths"]["/api/v1/orgs/{org_slug}/scenarios/evaluate/"]["post"]
    assert SCHEMA_URL in operation["description"]
    assert set(operation["responses"]) >= {"200", "400", "401", "403", "404", "413"}
    content = operation["requestBody"]["content"]["application/json"]
    assert content["examples"]["MediaHouse"]["value"] == EXAMPLE
    assert "/api/v1/scenario-schema/" in openapi["paths"]
