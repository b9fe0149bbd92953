"""The report tolerates runs whose optional steps are missing, and compacts long portfolios."""

import copy

from assessments.reports import report_context, report_html


def test_a_run_without_optional_sections_still_renders(results, snapshot, meta):
    for key in ("sovereignty", "placement", "monte_carlo", "tornado", "summary"):
        results[key] = None
    html = report_html(results=results, snapshot=snapshot, meta=meta)
    assert "The portfolio placement was not part of this run." in html
    assert "No sovereignty scoring for this run." in html
    assert "No Monte Carlo ran for this scenario" in html
    # Without a summary the cheapest option by NPV is the recommendation.
    assert "Recommendation: Managed API." in html


def test_long_portfolios_get_one_row_per_workload(results, snapshot, meta):
    engine = results["engine"]
    extra = []
    for i in range(30):
        row = copy.deepcopy(engine["workloads"][i % 12])
        row["id"] = f"{row['id']}-{i}"
        extra.append(row)
    engine["workloads"] += extra
    context = report_context(results=results, snapshot=snapshot, meta=meta)
    assert context["compact_workloads"] is True
    b02 = next(f for f in context["findings"] if f["rule_id"] == "B02")
    assert "archive-rag on Managed API" in b02["pairs"]


def test_the_cover_names_the_criteria_library_as_text_never_as_a_repr():
    """A run's snapshot records the library as an object (urn, version): the cover prints
    'urn v1', as the scored section does."""
    from assessments.reports.context import _versions

    snapshot = {"versions": {"library": {"urn": "urn:sovra:library:sovereignty", "version": 1}}}
    assert _versions(snapshot, {}, {})["library"] == "urn:sovra:library:sovereignty v1"
    scored = {"library": {"urn": "urn:x", "version": 2, "name": "Placement sovereignty"}}
    versions = _versions(snapshot, {}, scored)
    assert (versions["library"], versions["library_name"]) == ("urn:x v2", "Placement sovereignty")
