"""What the data lacks, listed once per missing price in the appendix."""

import msgspec

from assessments.reports.appendix import missing_prices
from assessments.results import EngineWorkload, RunResults
from tests.assessments.reports.conftest import typed_run

WORKLOADS = [
    {"id": f"W{i}", "name": f"Workload {i}", "kind": "inference", "sizing": {},
     "sizing_figures": {}, "breakevens": [], "suppliers": {}, "options": {
        "cloud_committed": {"option": "cloud_committed",
                            "missing": "reserved 1y price for NVIDIA L4", "reason": "no offer"},
        "managed_api": {"option": "managed_api", "missing": "API offer the rules permit",
                        "reason": "refused", "blocked_by": "B01"},
        "on_prem": {"option": "on_prem", "npv": 1.0},
    }}
    for i in range(7)
]  # fmt: skip


def test_a_gap_many_workloads_share_is_one_row_naming_five_and_counting_the_rest(results):
    engine = RunResults.load(results).engine
    engine.workloads = msgspec.convert(WORKLOADS, list[EngineWorkload])
    assert missing_prices(engine) == [
        {
            "option": "cloud_committed",
            "missing": "reserved 1y price for NVIDIA L4",
            "reason": "no offer",
            "workloads": [f"Workload {i}" for i in range(7)],
            "named": "Workload 0; Workload 1; Workload 2; Workload 3; Workload 4 and 2 more",
        }
    ]  # the refusal by rule B01 is no gap in the data


def test_the_report_lists_what_the_data_lacks_in_its_appendix(results, snapshot, meta):
    from assessments.reports import report_html

    results["engine"]["workloads"][0]["options"]["cloud_committed"] = {
        "option": "cloud_committed",
        "missing": "reserved 1y price for Example GPU",
        "reason": "no cloud offer has one",
    }
    html = report_html(**typed_run(results, snapshot), meta=meta)
    assert 'id="missing"' in html
    assert "reserved 1y price for Example GPU" in html


def test_settings_read_in_words_not_as_identifiers():
    from assessments.reports.formatting import setting_label, setting_value

    assert setting_label("assumptions.owned_utilisation_target") == (
        "Owned fleet utilisation target"
    )
    assert setting_value("owned_utilisation_target", 0.85) == "85.0%"
    assert setting_value("commitment_term", "reserved_1y") == "1-year reservation"
    assert setting_value("batch_peaks_coincide", False) == "no"
    assert setting_value("options", ["on_prem", "managed_api"]) == "On-premises, Managed API"
    assert setting_label("financing.unknown_key") == "Financing: unknown key"
