"""The scenario document built from the database: the engine's format, one organization's data,
every price traced to its catalog row, and ranges taken from the catalog's spread."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from costing.engine.deployment_options import OPTIONS
from costing.engine.evaluate import evaluate
from costing.engine.results import OptionResult
from costing.engine.scenario import load_scenario
from costing.models import GpuSpec, Provider
from costing.scenarios import WorkloadNotInOrganization, scenario_build, scenario_document_for
from costing.services import (
    catalog_publish,
    catalog_row_add,
    private_catalog_create,
    public_catalog_load,
)
from portal.models import ModelSpec, Workload
from portal.models.workload import Residency
from portal.services.demo import demo_organization_load
from portal.services.model_specs import model_specs_seed_public
from tests.costing.catalog_data import runpod_l40s_pod
from tests.factories import OrganizationFactory, WorkloadFactory

NEGOTIATED_URL = "https://example.org/northlight-runpod-contract"


@pytest.fixture
def demo(db):
    public_catalog_load()
    return demo_organization_load(username="claire", password="demo-pass-1234")


@pytest.fixture
def outsider(demo):
    organization = OrganizationFactory(name="Mallory Bank", slug="mallory-bank", country="DE")
    WorkloadFactory(
        organization=organization,
        external_id="MB-GPU-1",
        gpu_hours=True,
        gpu_hours_per_month=Decimal("100"),
        peak_gpus=2,
        gpu_class="L40S",
    )
    return organization


def runpod_l40s_catalog(organization, pods: dict[str, tuple[str, str, str | None]]):
    """A published private catalog of RunPod L40S pods: instance -> (region, on demand, spot)."""
    catalog = private_catalog_create(
        organization=organization,
        name="Negotiated",
        version="1",
        currency="USD",
        effective_date=timezone.localdate(),
    )
    for instance, (region, on_demand, spot) in pods.items():
        runpod_l40s_pod(
            catalog, instance, region, on_demand, spot,
            organization=organization, source_url=NEGOTIATED_URL,
        )  # fmt: skip
    return catalog_publish(catalog=catalog, organization=organization)


def negotiate_l40s(organization, price: str):
    pod = {"Community Cloud pod": ("(marketplace)", price, None)}
    return runpod_l40s_catalog(organization, pod)


def l40s_prices(document) -> list[float]:
    return sorted(
        offer["on_demand_per_hour"]["amount"] / offer["gpu_count"]
        for offer in document["offers"]["cloud_gpu"]
        if offer["gpu"] == "NVIDIA L40S" and offer["on_demand_per_hour"]
    )


def test_the_demo_document_loads_and_every_option_is_priced_or_says_why(demo):
    document, excluded = scenario_build(organization=demo)
    scenario = load_scenario(document)
    result = evaluate(scenario)

    assert scenario.reporting_currency == "EUR"
    assert scenario.horizon_months == demo.horizon_years * 12
    assert scenario.discount_rate_per_year == pytest.approx(float(demo.discount_rate_pct) / 100)
    assert scenario.offers.facility_onprem.electricity_per_kwh.amount == pytest.approx(0.17)
    assert scenario.offers.staff.loaded_cost_per_fte_year.amount == pytest.approx(95000)
    assert set(result.portfolio) == set(OPTIONS)
    assert isinstance(result.portfolio["cloud_on_demand"], OptionResult)
    for outcome in result.portfolio.values():
        assert isinstance(outcome, OptionResult) or (outcome.missing and outcome.reason)
    # Every workload is either in the document or named with the reason it is left out.
    ids = {w.id for w in scenario.workloads} | {left.id for left in excluded}
    assert ids == set(Workload.objects.for_organization(demo).values_list("external_id", flat=True))
    assert all(left.reason and left.fix for left in excluded)


def test_closed_api_models_are_api_only_workloads(demo):
    document = scenario_document_for(organization=demo, options=["managed_api"])
    rows = {row["id"]: row for row in document["workloads"]}

    assert rows["NL-PR-11"]["model"] == "gpt-4.1"
    assert rows["NL-PR-11"]["api_models"] == ["gpt-4.1"]  # OpenAI's and Azure's
    result = evaluate(load_scenario(document))
    priced = result.workloads[[w.id for w in result.workloads].index("NL-PR-11")]
    assert isinstance(priced.options["managed_api"], OptionResult)
    # OpenAI and Azure both list gpt-4.1 at 2 + 8 USD and mistral-medium-3 has one row, but
    # Llama 3.3 70B is served by Nebius at 0.13 + 0.40 (the shipped LiteLLM subset), by OVHcloud
    # at 0.67 + 0.67, by Groq at 0.59 + 0.79 and by Fireworks and Scaleway at 0.90 + 0.90 USD
    # per 1M tokens: 1.80 / 0.53 = 3.3962 over the cheapest, and the default range's 0.8 below.
    uncertainty = document["uncertainty"]
    assert uncertainty["inputs"]["api_price"] == {"low": 0.8, "likely": 1.0, "high": 3.3962}
    assert "below, the default 0.80 x likely" in uncertainty["notes"]["api_price"]


def test_server_terms_come_from_the_catalog_parameters(demo):
    document = scenario_document_for(organization=demo)
    dgx = next(s for s in document["offers"]["servers"] if s["name"] == "NVIDIA DGX H100")

    # Latest row of the system is the 199,000 USD list price; its support is 39,800 USD a year.
    assert dgx["price"]["amount"] == 199000
    assert dgx["support_pct_per_year"] == pytest.approx(20.0)
    # Median of the published useful lives (5, 5, 5, 5.5, 6, 6, 6 years).
    assert dgx["useful_life_years"] == pytest.approx(5.5)
    # H100 resale value after 36 months, the oldest age the catalog publishes.
    assert document["assumptions"]["residual_value_fraction"] == pytest.approx(0.3)


def test_another_organizations_workload_is_refused(demo, outsider):
    theirs = Workload.objects.for_organization(outsider).get()
    ours = Workload.objects.for_organization(demo).first()

    with pytest.raises(WorkloadNotInOrganization):
        scenario_document_for(organization=demo, workloads=[ours, theirs])
    with pytest.raises(WorkloadNotInOrganization):
        scenario_document_for(organization=demo, workloads=[theirs.pk])


def test_a_selection_keeps_only_the_chosen_workloads(demo):
    chosen = Workload.objects.for_organization(demo).get(external_id="NL-CHAT-04")

    document = scenario_document_for(organization=demo, workloads=[chosen], horizon_years=3)

    assert [row["id"] for row in document["workloads"]] == ["NL-CHAT-04"]
    assert document["horizon_months"] == 36
    assert document["models"][0]["name"] == "Llama 3.3 70B"
    assert document["workloads"][0]["ttft_target_s"] == pytest.approx(1.5)


def test_a_negotiated_price_replaces_the_public_one_for_its_organization_only(demo, outsider):
    negotiate_l40s(demo, "0.50")

    ours = scenario_document_for(organization=demo)
    theirs = scenario_document_for(organization=outsider)

    assert 0.5 in l40s_prices(ours) and 0.79 not in l40s_prices(ours)
    assert 0.79 in l40s_prices(theirs) and 0.5 not in l40s_prices(theirs)
    assert NEGOTIATED_URL not in json.dumps(theirs)
    # The negotiated offer is now the cheapest L40S, so the engine's figures cite it.
    figures = json.dumps(evaluate(load_scenario(ours)).as_dict())
    assert NEGOTIATED_URL in figures


def test_ranges_come_from_the_catalogs_spread(demo):
    uncertainty = scenario_document_for(organization=demo)["uncertainty"]
    inputs, notes = uncertainty["inputs"], uncertainty["notes"]

    # L40S per GPU-hour: RunPod community 0.79 USD (cheapest, likely) to OCI 14.00 / 4 = 3.50;
    # nothing is cheaper than the cheapest, so below it the default's 0.9 (list prices fall too).
    assert inputs["cloud_price"] == {
        "low": 0.9,
        "likely": 1.0,
        "high": pytest.approx(3.5 / 0.79, abs=1e-3),
    }
    # 8 x H100 SXM: DGX H100 list 199,000 USD to the Thinkmate HGX quote 317,000 USD; below the
    # cheapest, the default's 0.95 (a quote differs from a list price).
    assert inputs["server_price"] == {
        "low": 0.95,
        "likely": 1.0,
        "high": pytest.approx(317 / 199, abs=1e-3),
    }
    # EUR tariffs: Finland 0.089 to Cyprus 0.276 around the organization's own 0.17 EUR/kWh.
    assert inputs["electricity_tariff"] == {
        "low": pytest.approx(0.089 / 0.17, abs=1e-3),
        "likely": 1.0,
        "high": pytest.approx(0.276 / 0.17, abs=1e-3),
    }
    # Figures stated once keep a stated default range, never none.
    assert inputs["staff_cost"] == {"low": 0.9, "likely": 1.0, "high": 1.15}
    assert inputs["demand"] == {"low": 0.8, "likely": 1.0, "high": 1.3}
    assert inputs["demand_growth_delta_per_year"] == {"low": -0.1, "likely": 0.0, "high": 0.1}
    assert "default range 0.80 to 1.30 x likely" in notes["demand"]
    assert "below, the default 0.95 x likely" in notes["server_price"]
    # The engine's own error: published / sized throughput, 0.8942 (llama.cpp 70B on an A100)
    # to 1.1667 (TensorRT-LLM 405B on 8 H100), from costing/data/throughput_accuracy.csv.
    assert inputs["throughput"] == {"low": 0.8942, "likely": 1.0, "high": 1.1667}
    assert "8 published measurements" in notes["throughput"]
    assert set(notes) == set(inputs)


def test_an_input_the_catalog_gives_no_spread_keeps_a_default_range(demo):
    """Uncertainty never disappears with the data: one tariff left, the tariff still varies."""
    from costing.models import ReferenceFigure

    tariffs = ReferenceFigure.objects.unscoped().filter(item__startswith="electricity_price")
    tariffs.exclude(pk=tariffs.first().pk).delete()
    uncertainty = scenario_document_for(organization=demo)["uncertainty"]

    assert uncertainty["inputs"]["electricity_tariff"] == {"low": 0.8, "likely": 1.0, "high": 1.3}
    assert "default range" in uncertainty["notes"]["electricity_tariff"]


def test_sources_of_the_chosen_offers_appear_in_the_evaluated_figures(demo):
    document = scenario_document_for(organization=demo)
    cheapest = min(
        (o for o in document["offers"]["cloud_gpu"] if o["gpu"] == "NVIDIA L40S"),
        key=lambda o: o["on_demand_per_hour"]["amount"] / o["gpu_count"],
    )
    source = cheapest["on_demand_per_hour"]["source"]

    figures = json.dumps(evaluate(load_scenario(document)).as_dict())

    assert "cloud_gpu_offers.csv" in source["reference"] and "row" in source["reference"]
    assert source["url"] in figures
    assert source["date"] in figures
    assert source["reference"] in figures


def test_missing_prices_stay_missing(demo):
    document = scenario_document_for(organization=demo)
    hetzner = [o for o in document["offers"]["cloud_gpu"] if o["provider"] == "Hetzner"]

    assert hetzner and all(o["on_demand_per_hour"] is None for o in hetzner)
    assert all(s["price"]["amount"] > 0 for s in document["offers"]["servers"])


def test_the_command_evaluates_an_organization_on_live_data(demo, tmp_path, capsys):
    out = tmp_path / "result.json"

    call_command("evaluate_portfolio", demo.slug, "--json", str(out), "--samples", "50")

    printed = capsys.readouterr().out
    assert "cloud_on_demand" in printed and "Monte Carlo: 50 samples" in printed
    assert "Left out" not in printed  # every shipped open model can be sized now
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["scenario"]["workloads"] and written["monte_carlo"]["samples"] == 50


def test_the_command_refuses_an_unknown_organization(db):
    with pytest.raises(CommandError):
        call_command("evaluate_portfolio", "nobody")


def test_the_document_freezes_the_accelerators_its_offers_name(demo):
    """A run re-evaluates with the parts it was built with: every offer's GPU is in the
    document's own table, with the figures and source of its reference row."""
    document = scenario_document_for(organization=demo)
    parts = {part["name"]: part for part in document["accelerators"]}
    named = {o["gpu"] for o in (*document["offers"]["cloud_gpu"], *document["offers"]["servers"])}

    assert named <= parts.keys()
    h100 = parts["NVIDIA H100 SXM"]
    assert (h100["memory_gb"], h100["memory_bandwidth_tb_s"], h100["bf16_tflops"]) == (
        80,
        3.35,
        989.5,
    )
    assert h100["source"]["reference"].endswith("NVIDIA H100 SXM (public reference data)")
    assert h100["source"]["url"].startswith("https://")
    assert load_scenario(document).accelerators["NVIDIA H100 SXM"].tdp_w == 700


def test_a_part_without_bandwidth_is_no_candidate_and_takes_its_offers_along(demo):
    GpuSpec.objects.public().filter(name="NVIDIA L40S").update(memory_bandwidth_tb_s=None)

    document, excluded = scenario_build(organization=demo)

    assert "NVIDIA L40S" not in {part["name"] for part in document["accelerators"]}
    assert all(o["gpu"] != "NVIDIA L40S" for o in document["offers"]["cloud_gpu"])
    # GPU-hours work on that class is left out, saying why, and the rest still evaluates.
    assert {left.id: left.reason for left in excluded}["NL-AUD-01"].startswith(
        "GPU class 'L40S' is no accelerator"
    )
    load_scenario(document)


def test_an_organizations_own_accelerator_prices_its_work_and_stays_its_own(demo, outsider):
    """GIVEN Northlight adds an accelerator of its own, rents it at 1.10 USD/h in its private
    catalog and moves its audio restoration onto it WHEN the document is built THEN the part is
    frozen in it (with its datasheet), the work is sized and priced on it, and Mallory's
    document does not know it."""
    from costing.services.accelerators import accelerator_create

    npu = accelerator_create(
        organization=demo,
        spec=GpuSpec(
            name="Example NPU 96",
            vendor="Example Silicon",
            memory_gb=96,
            memory_bandwidth_tb_s=Decimal("3.0"),
            bf16_dense_tflops=800,
            tdp_w=600,
            source_url="https://example.org/npu",
        ),
    )
    catalog = private_catalog_create(
        organization=demo,
        name="Own parts",
        version="1",
        currency="USD",
        effective_date=timezone.localdate(),
    )
    catalog_row_add(
        catalog=catalog,
        organization=demo,
        kind="cloud_gpu",
        fields={
            "provider": Provider.objects.public().get(name="Nebius"),
            "instance": "npu-96 1x",
            "region": "eu-north1",
            "gpu_name": "Example NPU 96",
            "gpu": npu,
            "gpu_count": 1,
            "on_demand_per_hour": Decimal("1.10"),
            "currency": "USD",
            "date": timezone.localdate(),
            "source_url": NEGOTIATED_URL,
        },
    )
    catalog_publish(catalog=catalog, organization=demo)
    Workload.objects.for_organization(demo).filter(external_id="NL-AUD-01").update(
        gpu_class="Example NPU 96"
    )

    document = scenario_document_for(organization=demo)
    part = next(p for p in document["accelerators"] if p["name"] == "Example NPU 96")
    assert part["source"]["reference"].endswith("Example NPU 96 (own accelerator)")
    result = evaluate(load_scenario(document))
    audio = next(w for w in result.workloads if w.id == "NL-AUD-01")
    assert audio.sizing["cloud_on_demand"]["gpu"] == "Example NPU 96"
    assert isinstance(audio.options["cloud_on_demand"], OptionResult)
    theirs = scenario_document_for(organization=outsider)
    assert "Example NPU 96" not in {p["name"] for p in theirs["accelerators"]}


@pytest.fixture
def eu_bank(db):
    """A German organization reporting in USD, on the public catalog and public model specs."""
    public_catalog_load()
    model_specs_seed_public()
    return OrganizationFactory(name="Rhein Bank", slug="rhein-bank", country="DE", currency="USD")


def eu_chat(organization, model: str, **fields):
    """1,000 requests a day of 1,000 input tokens (half of them a cached system prompt) and 500
    output tokens, whose data must stay in the EU."""
    fields = {"residency_requirement": Residency.EU_EEA, "cached_input_pct": Decimal("50"),
              **fields}  # fmt: skip
    return WorkloadFactory(
        organization=organization,
        model=ModelSpec.objects.public().get(name=model),
        avg_input_tokens=1000,
        avg_output_tokens=500,
        requests_per_day=1000,
        **fields,
    )


def test_eu_processing_on_a_model_released_after_5_march_2026_pays_openais_10_percent(eu_bank):
    """GIVEN the shipped catalog and an EU-residency workload on gpt-5.4 (released 2026-03-05)
    WHEN the run's scenario document is built and evaluated THEN OpenAI's offer carries its +10%
    with the page that states it, and the bill is the list bill x 1.1: a day at 2.50 USD per 1M
    uncached input, 0.25 cached and 15 output is 1,000 x (500 x 2.50 + 500 x 0.25 + 500 x 15)
    / 1e6 = 8.875 USD, 9.7625 with the uplift (Azure's EU Data Zone, also +10% but with no
    cached price, bills 11)."""
    eu_chat(eu_bank, "gpt-5.4")
    document = scenario_document_for(organization=eu_bank, options=["managed_api"])

    (row,) = document["workloads"]
    assert row["regional_processing"] is True and row["cached_input_share"] == 0.5
    openai = next(o for o in document["offers"]["api"]
                  if (o["provider"], o["model"]) == ("OpenAI", "gpt-5.4"))  # fmt: skip
    assert openai["regional_uplift_pct"] == 10
    source = openai["regional_uplift_source"]
    assert "developers.openai.com/api/docs/guides/data-residency" in source["url"]
    assert source["date"] == "2026-11-20"
    result = evaluate(load_scenario(document))
    option = result.portfolio["managed_api"]
    assert isinstance(option, OptionResult)
    assert option.components["api_tokens"][1] == pytest.approx(9.7625 * 365 / 12)
    # A result lists each source once; its figures name them by index.
    working = json.dumps(option.as_dict()) + json.dumps(result.as_dict().get("sources"))
    assert "OpenAI gpt-5.4 token cost (regional processing)" in working
    assert "data-residency" in working


def test_eu_processing_without_a_published_regional_price_is_missing_not_the_list_price(eu_bank):
    """gpt-5 has no published regional price in the catalog (OpenAI's eligibility list predates
    it): the EU workload's API option is missing and says why; without the residency rule the
    same work is billed at the list price, 1,000 x (500 x 1.25 + 500 x 1.25 + 500 x 10) / 1e6
    = 6.25 USD a day (no cached price: the input price, an upper bound)."""
    eu_chat(eu_bank, "gpt-5")
    document = scenario_document_for(organization=eu_bank, options=["managed_api"])
    priced = evaluate(load_scenario(document))
    option = priced.workloads[0].options["managed_api"]
    assert not isinstance(option, OptionResult)
    assert "OpenAI gpt-5 publishes no price for processing held in a region" in option.reason

    Workload.objects.for_organization(eu_bank).update(residency_requirement=Residency.NONE)
    document = scenario_document_for(organization=eu_bank, options=["managed_api"])
    option = evaluate(load_scenario(document)).portfolio["managed_api"]
    assert option.components["api_tokens"][1] == pytest.approx(6.25 * 365 / 12)


def test_an_offer_another_undercuts_on_every_price_never_enters_the_document(demo):
    """Four RunPod L40S pods of one negotiated catalog: A (1.00 on demand, 0.50 spot) undercuts
    C (1.20, 0.60) on both prices in the same place, so C can price no option and is left out;
    B (1.20, 0.40) is dearer on demand but cheaper on spot, and D (as C) is in another region,
    which the rules may treat otherwise: both stay."""
    pods = {"pod A": ("CZ", "1.00", "0.50"), "pod B": ("CZ", "1.20", "0.40"),
            "pod C": ("CZ", "1.20", "0.60"), "pod D": ("SE", "1.20", "0.60")}  # fmt: skip
    runpod_l40s_catalog(demo, pods)
    document = scenario_document_for(organization=demo)
    instances = {o["instance"] for o in document["offers"]["cloud_gpu"]}
    assert {"pod A", "pod B", "pod D"} <= instances
    assert "pod C" not in instances


@pytest.mark.parametrize(
    ("admitted_in", "kept"),
    [
        # Both places admitted by the same rules: D cannot be told from A, which undercuts it.
        ({"CZ": {"eu"}, "SE": {"eu"}}, {"pod A"}),
        # A's place admitted wherever D's is, and more: A still undercuts D for every rule.
        ({"CZ": {"eu", "public"}, "SE": {"eu"}}, {"pod A"}),
        # Rules that admit D but not A (or neither on one side): D is some workload's cheapest.
        ({"CZ": {"public"}, "SE": {"eu"}}, {"pod A", "pod D"}),
        ({"CZ": {"eu"}, "SE": {"eu", "public"}}, {"pod A", "pod D"}),
        ({"CZ": set(), "SE": {"eu"}}, {"pod A", "pod D"}),
    ],
)
def test_offers_admitted_alike_are_compared_across_places(demo, admitted_in, kept):
    """Given which rules admit each place, an offer is left out only when one admitted under
    every rule that admits it, and more, undercuts it: the cheapest permitted offer of every
    rule, and the cheapest regardless of them, stay in the document."""
    pods = {"pod A": ("CZ", "1.00", "0.50"), "pod D": ("SE", "1.20", "0.60")}
    runpod_l40s_catalog(demo, pods)
    admits = {("RunPod", region): rules for region, rules in admitted_in.items()}
    document, _ = scenario_build(
        organization=demo,
        offer_admits=lambda place: frozenset(admits.get((place.provider, place.region), ())),
    )
    pod_instances = {o["instance"] for o in document["offers"]["cloud_gpu"]} & set(pods)
    assert pod_instances == kept
    # Without rules to tell places apart, offers are compared within their place alone.
    document = scenario_document_for(organization=demo)
    assert {o["instance"] for o in document["offers"]["cloud_gpu"]} >= set(pods)
