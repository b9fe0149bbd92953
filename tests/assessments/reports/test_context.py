"""The report tolerates runs whose optional steps are missing, and bounds long portfolios."""

import copy
import re

import msgspec

from assessments.reports import report_context, report_html
from assessments.reports.context import _versions
from assessments.results import SovereigntyResults
from tests.assessments.reports.conftest import typed_run


def test_a_run_without_optional_sections_still_renders(results, snapshot, meta):
    for key in ("sovereignty", "placement", "monte_carlo", "tornado", "summary"):
        results[key] = None
    html = report_html(**typed_run(results, snapshot), meta=meta)
    assert "The portfolio placement was not part of this run." in html
    assert "No sovereignty scoring for this run." in html
    assert "No Monte Carlo ran for this scenario" in html
    # Without a summary the cheapest option by NPV is the recommendation.
    assert "Recommendation: Managed API." in html


def test_long_portfolios_detail_the_workloads_that_cost_most_and_list_every_one(
    results, snapshot, meta
):
    """GIVEN 42 workloads and a report that details 5 WHEN its context is built THEN the 5 are
    those whose recommended option costs most, largest first, and every workload keeps its
    row (and its findings)."""
    engine = results["engine"]
    extra = []
    for i in range(30):
        row = copy.deepcopy(engine["workloads"][i % 12])
        row["id"] = f"{row['id']}-{i}"
        extra.append(row)
    engine["workloads"] += extra
    context = report_context(**typed_run(results, snapshot), meta=meta, detailed_max=5)
    assert context["every_workload_table"] is True
    assert len(context["workloads"]) == 42 and context["not_detailed"] == 37

    def cost(row: dict) -> float:  # under the recommended option, else the cheapest
        priced = [o["npv"] for o in row["options"] if o["available"]]
        return row["recommended_npv"] or min(priced, default=0.0)

    detailed = context["detailed_workloads"]
    costs = [cost(w) for w in detailed]
    assert len(detailed) == 5 and costs == sorted(costs, reverse=True)
    others = [w for w in context["workloads"] if w not in detailed]
    assert all(cost(w) <= costs[-1] for w in others)
    b02 = next(f for f in context["findings"] if f["rule_id"] == "B02")
    assert "archive-rag on Managed API" in b02["pairs"]
    # The run's page has a heatmap row for every scored workload; the report, the detailed.
    rows = re.compile(r'data-workload="([^"]+)"')
    page = {i for svg in context["charts"]["heatmaps"] for i in rows.findall(svg)}
    report = {i for svg in context["charts"]["detailed_heatmaps"] for i in rows.findall(svg)}
    assert len(page) == 12 and report and report == page & {w["id"] for w in detailed}

    whole = report_context(**typed_run(results, snapshot), meta=meta, detailed_max=42)
    assert whole["every_workload_table"] is False
    assert whole["detailed_workloads"] == whole["workloads"]


def test_a_portfolio_beyond_the_ledger_limit_leaves_every_row_to_the_spreadsheet(
    results, snapshot, meta, settings
):
    """GIVEN 42 workloads, 5 detailed and a ledger of at most 40 rows WHEN the report's context
    is built THEN the report summarises (the 5 costliest detailed) and has no one-row-per-workload
    table: the spreadsheet export holds every workload."""
    engine = results["engine"]
    engine["workloads"] += [
        {**copy.deepcopy(engine["workloads"][i % 12]), "id": f"extra-{i}"} for i in range(30)
    ]
    settings.SOVRA_REPORT_LEDGER_MAX_WORKLOADS = 42
    kept = report_context(**typed_run(results, snapshot), meta=meta, detailed_max=5)
    assert kept["every_workload_ledger"] is True and kept["every_workload_pages"]
    settings.SOVRA_REPORT_LEDGER_MAX_WORKLOADS = 41
    context = report_context(**typed_run(results, snapshot), meta=meta, detailed_max=5)
    assert context["every_workload_table"] is True and context["every_workload_ledger"] is False
    assert context["every_workload_pages"] == []
    assert len(context["detailed_workloads"]) == 5 and len(context["workloads"]) == 42


def test_the_cover_names_the_criteria_library_as_text_never_as_a_repr(results, snapshot):
    """A run's snapshot records the library as an object (urn, version): the cover prints
    'urn v1', as the scored section does."""
    library = {"urn": "urn:sovra:library:sovereignty", "version": 1}
    run = typed_run(results, {**snapshot, "versions": {**snapshot["versions"], "library": library}})
    engine = run["results"].engine
    assert _versions(run["snapshot"], engine, None)["library"] == "urn:sovra:library:sovereignty v1"
    scored = msgspec.convert(
        {
            **results["sovereignty"],
            "library": {
                "urn": "urn:x",
                "ref_id": "X",
                "version": 2,
                "name": "Placement sovereignty",
            },
        },
        SovereigntyResults,
    )
    versions = _versions(run["snapshot"], engine, scored)
    assert (versions["library"], versions["library_name"]) == ("urn:x v2", "Placement sovereignty")


def test_the_cover_names_each_price_catalog_version_the_run_used(results, snapshot):
    """The snapshot freezes the catalog versions in force on the prices-as-of date; the cover
    names each, with the day it took effect."""
    catalogs = [
        {"id": 4, "name": "Sovra public reference prices", "version": "2026-11-25-0b22",
         "effective_date": "2026-11-25", "public": True},
    ]  # fmt: skip
    run = typed_run(results, {**snapshot, "catalogs": catalogs})
    assert _versions(run["snapshot"], run["results"].engine, None)["catalogs"] == [
        "Sovra public reference prices, version 2026-11-25-0b22 (in force from 2026-11-25)"
    ]
