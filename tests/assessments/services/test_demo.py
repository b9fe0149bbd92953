"""The demo organization's assessment: runs, writes its PDF, and prices the owned options."""

from __future__ import annotations

import pytest

from assessments.services.demo import DEMO_QUOTE_NOTE, demo_assessment_run

pytestmark = pytest.mark.django_db


def test_the_demo_assessment_runs_and_writes_its_pdf(
    demo, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run, path = demo_assessment_run(organization=demo, out_dir=tmp_path)

    assert path == tmp_path / f"sovra-northlight-run-{run.number}.pdf"
    assert path.read_bytes()[:5] == b"%PDF-"
    assert run.snapshot["assessment"]["offer_locations"] == "eea"
    # Only offers processing data in the EU/EEA were priced.
    assert run.snapshot["offers_left_out"]
    locations = {o["provider"] for o in run.snapshot["scenario"]["offers"]["cloud_gpu"]}
    assert "Microsoft Azure" not in locations
    # France has no build-cost index of its own: the European markets' median stands in, named.
    onprem = run.snapshot["scenario"]["offers"]["facility_onprem"]
    assert onprem["build_cost_per_kw"]["amount"] == pytest.approx(12000.0)
    assert "median of the European markets" in onprem["build_cost_per_kw"]["source"]["note"]
    # The L40S quote of the demo's own catalog lets owned options cost the GPU-hours work.
    audio = next(w for w in run.results["engine"]["workloads"] if w["id"] == "NL-AUD-01")
    assert "npv" in audio["options"]["on_prem"]
    servers = run.snapshot["scenario"]["offers"]["servers"]
    assert any(DEMO_QUOTE_NOTE[:40] in (s["source"].get("note") or "") for s in servers)

    # Each priced option's headline (the likely case) lies inside its own P10-P90: the price
    # ranges reach below the cheapest offer the engine prices, not only above it.
    spreads = run.results["monte_carlo"]["options"]
    for option, priced in run.results["engine"]["portfolio"].items():
        if priced.get("npv") is not None and option in spreads:
            npv = spreads[option]["npv"]
            assert npv["p10"] <= priced["npv"] <= npv["p90"], option
    assert not any(
        r.startswith("Likely-case NPVs outside") for r in run.results["summary"]["risks"]
    )

    again, _ = demo_assessment_run(organization=demo, out_dir=tmp_path)
    assert again.number == run.number + 1
