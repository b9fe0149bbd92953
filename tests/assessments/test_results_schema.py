"""A run's typed results: what the steps store matches its models, stored runs of every
version open, and a section that breaks its model is refused when it is stored."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from assessments.inputs import RunSnapshot
from assessments.models import Assessment, AssessmentRun
from assessments.results import (
    RESULTS_SCHEMA_VERSION,
    OptionOutcome,
    ResultsError,
    RunResults,
    check_section,
    typed,
)
from tests.assessments.world import example_run_data, finished_run

add_schema_version = importlib.import_module(
    "assessments.migrations.0004_results_schema_version"
).add_schema_version


def test_a_real_runs_results_read_as_typed_attributes():
    snapshot, stored = example_run_data()
    results = RunResults.load(stored)
    engine = stored["engine"]
    on_prem = results.engine.portfolio["on_prem"]
    assert on_prem.npv == engine["portfolio"]["on_prem"]["npv"] > 0
    assert on_prem.priced
    assert engine["horizon_months"] == 60
    assert len(on_prem.monthly_total) == 61  # month 0, the day of purchase, then 60 months
    first = results.engine.workloads[0]
    assert (first.id, first.kind) == (engine["workloads"][0]["id"], engine["workloads"][0]["kind"])
    assert results.summary.answer.currency == results.engine.currency == "EUR"
    assert results.placement.assignment == stored["placement"]["assignment"]
    assert results.monte_carlo.samples == 300
    assert results.sovereignty.workloads[0].options.keys() == set(
        stored["sovereignty"]["workloads"][0]["options"]
    )
    inputs = RunSnapshot.load(snapshot)
    assert inputs.assessment.random_seed == 7
    assert inputs.organization.currency == "EUR"


def test_a_section_that_breaks_its_model_is_refused():
    _, stored = example_run_data()
    check_section("tornado", stored["tornado"])
    broken = {**stored["tornado"], "leader": "on_prem"}  # a key no reader knows
    with pytest.raises(ResultsError, match="leader"):
        check_section("tornado", broken)
    missing = {k: v for k, v in stored["placement"].items() if k != "assignment"}
    with pytest.raises(ResultsError, match="assignment"):
        check_section("placement", missing)
    wrong = {**stored["monte_carlo"], "samples": "many"}
    with pytest.raises(ResultsError, match="samples"):
        check_section("monte_carlo", wrong)


def test_results_of_a_newer_sovra_are_refused_with_the_reason():
    _, stored = example_run_data()
    with pytest.raises(ResultsError, match="schema version 3, newer than this Sovra reads"):
        RunResults.load({**stored, "schema_version": 3})


@pytest.mark.django_db
def test_runs_stored_before_versioning_are_migrated_and_read(org):
    run = finished_run(Assessment.objects.create_in(org, name="Before versioning"))
    runs = AssessmentRun.objects.for_organization(org).filter(pk=run.pk)
    _, stored = example_run_data()
    snapshot = run.snapshot
    version_1 = {k: v for k, v in stored.items() if k != "schema_version"}
    runs.update(
        results=version_1,
        snapshot={k: v for k, v in snapshot.items() if k != "schema_version"},
    )
    assert RunResults.load(version_1).schema_version == RESULTS_SCHEMA_VERSION

    with connection.schema_editor() as editor:
        add_schema_version(None, editor)

    migrated = runs.get()
    assert migrated.results["schema_version"] == migrated.snapshot["schema_version"] == 2
    assert migrated.results["engine"] == stored["engine"]
    assert RunResults.load(migrated.results).summary.answer.do == stored["summary"]["answer"]["do"]


def test_every_workload_of_a_long_portfolio_is_checked():
    _, stored = example_run_data()
    engine = stored["engine"]
    many = [engine["workloads"][0]] * 1_000
    check_section("engine", {**engine, "workloads": many})
    late = [*many[:998], {**many[0], "kind": None}, many[0]]  # the 999th is broken
    with pytest.raises(ResultsError, match=r"workloads\[998\].kind"):
        check_section("engine", {**engine, "workloads": late})


def test_unit_costs_read_by_key_and_from_results_stored_before_the_keys():
    _, stored = example_run_data()
    row = stored["engine"]["portfolio"]["on_prem"]
    per_gpu_hour = row["unit_costs"]["per_gpu_hour"]
    assert per_gpu_hour > 0
    assert typed(OptionOutcome, row).unit_cost("per_gpu_hour") == per_gpu_hour
    version_1 = typed(OptionOutcome, {k: v for k, v in row.items() if k != "unit_costs"})
    assert version_1.unit_cost("per_gpu_hour") == per_gpu_hour
    assert version_1.unit_cost("utilisation") == row["unit_costs"]["utilisation"]
    api = typed(OptionOutcome, stored["engine"]["portfolio"]["managed_api"])
    assert api.unit_cost("per_gpu_hour") is None  # an API bills tokens, not GPU-hours


def test_a_first_snapshot_naming_its_library_by_urn_alone_still_opens():
    snapshot, _ = example_run_data()
    urn = "urn:sovra:risk:library:ai-placement-sovereignty"
    version_1 = {k: v for k, v in snapshot.items() if k != "schema_version"}
    version_1["versions"] = {**snapshot["versions"], "library": urn}
    assert RunSnapshot.load(version_1).versions.library == {"urn": urn}
