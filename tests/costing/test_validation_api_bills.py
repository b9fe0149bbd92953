"""Published API bills reproduced through the product: the shipped catalog, a workload as a user
enters it, the run's scenario document, and evaluate()."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from costing.engine.evaluate import evaluate
from costing.engine.options import DAYS_PER_MONTH
from costing.engine.results import OptionResult
from costing.engine.scenario import load_scenario
from costing.scenarios import scenario_document_for
from costing.services import public_catalog_load
from portal.models import ModelSpec
from portal.services.model_specs import model_specs_seed_public
from tests.costing.engine.validation_cases import load_cases
from tests.factories import OrganizationFactory, WorkloadFactory

CASES = load_cases(("api_bill",))
REQUESTS_PER_DAY = 1000


@pytest.fixture
def organization(db):
    """An organization reporting in USD, on the shipped catalog and model specs only."""
    public_catalog_load()
    model_specs_seed_public()
    return OrganizationFactory(name="Validation", slug="validation", currency="USD")


def cached_pct(inputs: dict) -> Decimal:
    """The cached share as a user enters it: a percentage with two decimals."""
    share = Decimal(inputs["cached_input_tokens_per_request"] * 100)
    share /= inputs["input_tokens_per_request"]
    return share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_there_is_an_api_bill_case():
    assert [case["id"] for case in CASES] == ["api-bill-gpt-4o-mini-prompt-cached-request"]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_validation_case_reproduces_published_api_bill(organization, case):
    """GIVEN a published bill of prompt-cached requests WHEN the same requests are an inventory
    workload priced by the run's scenario document and evaluate() THEN the bill per request is
    within the case's tolerance, and it was priced at the shipped offer's cached price."""
    inputs = case["inputs"]
    WorkloadFactory(
        organization=organization,
        model=ModelSpec.objects.public().get(name=inputs["model"]),
        avg_input_tokens=inputs["input_tokens_per_request"],
        avg_output_tokens=inputs["output_tokens_per_request"],
        cached_input_pct=cached_pct(inputs),
        requests_per_day=REQUESTS_PER_DAY,
    )
    document = scenario_document_for(organization=organization, options=["managed_api"])
    wanted = (inputs["provider"], inputs["model"])
    offer = next(o for o in document["offers"]["api"] if (o["provider"], o["model"]) == wanted)
    assert offer["cached_input_per_1m_tokens"]["amount"] == inputs["cached_input_usd_per_1m_tokens"]

    option = evaluate(load_scenario(document)).portfolio["managed_api"]
    assert isinstance(option, OptionResult), option
    per_request = option.components["api_tokens"][1] / (REQUESTS_PER_DAY * DAYS_PER_MONTH)
    expected = case["expected"]["value"]
    assert abs(per_request - expected) / expected <= case["tolerance"]["relative"], per_request
    working = str(option.as_dict())
    assert f"{inputs['provider']} {inputs['model']} token cost" in working
    assert "cached input x cached price" in working
