"""The demo organization's assessment: runs, writes its PDF, and prices the owned options."""

from __future__ import annotations

import re
import subprocess

import pytest

from assessments.selectors import run_inputs, run_results
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
    engine = run_results(run).engine  # each workload's results are rows of their own
    audio = next(w for w in engine.workloads if w.id == "NL-AUD-01")
    assert audio.options["on_prem"].npv is not None
    servers = run.snapshot["scenario"]["offers"]["servers"]
    assert any(DEMO_QUOTE_NOTE[:40] in (s["source"].get("note") or "") for s in servers)

    # Mistral AI processes in the EU by default, Scaleway in Paris and OVHcloud in Gravelines:
    # theirs are the API offers the run admits (Nebius states no one place: left out). Mistral
    # prices the transcription (108,000 minutes at voxtral-mini's 0.003 USD = 324 USD a month)
    # and the subtitle translation, whose closed model only Mistral's API serves (2,433 requests
    # a month of 2,000 + 1,300 tokens at 0.40 / 2 USD per 1M = 8.27 USD).
    scenario = run.snapshot["scenario"]
    assert {o["provider"] for o in scenario["offers"]["api"]} == {
        "Mistral AI",
        "OVHcloud",
        "Scaleway",
    }
    (usd,) = [
        r["rate"] for r in scenario["offers"]["fx"] if (r["base"], r["quote"]) == ("USD", "EUR")
    ]
    api = {w.id: w.options["managed_api"] for w in engine.workloads}
    assert api["NL-STT-03"].monthly_total[1] == pytest.approx(324 * usd, abs=0.01)
    assert api["NL-TRN-10"].monthly_total[1] == pytest.approx(
        80 * 365 / 12 * 0.0034 * usd, abs=0.01
    )
    # The staff assistant holds personal data kept in the EU: an EU provider's API serves its
    # Llama 3.3 70B. OVHcloud's 0.67 + 0.67 USD per 1M tokens is the cheaper of the two
    # admitted (Scaleway 0.90 + 0.90): 1,400 requests a day x 365 / 12 x (1,800 + 350) tokens
    # x 0.67 USD per 1M = 61.34 USD in the first month.
    chat_row = next(w for w in scenario["workloads"] if w["id"] == "NL-CHAT-04")
    assert chat_row["api_models"] == [
        "ovhcloud/Meta-Llama-3_3-70B-Instruct",
        "scaleway/meta/llama-3.3-70b-instruct",
    ]
    assert api["NL-CHAT-04"].monthly_total[1] == pytest.approx(
        1400 * 365 / 12 * 2150 * 0.67e-6 * usd, abs=0.01
    )
    # The US offers serving the Llama chat are left out, and said to be, and so is Nebius's
    # (no one processing place stated); so are the image APIs, Black Forest Labs' among them
    # (its list price routes requests globally).
    assert chat_row["api_passed_over"] == [
        "Fireworks AI llama-v3p3-70b-instruct: left out, it processes data in US, outside the EEA",
        "Groq llama-3.3-70b-versatile: left out, it processes data in US, outside the EEA",
        "Nebius nebius/meta-llama/Llama-3.3-70B-Instruct: left out, where it processes data is "
        "not established",
    ]
    image = api["NL-IMG-07"].reason
    assert "OpenAI dall-e-2 1024x1024: left out" in image
    assert "Black Forest Labs black_forest_labs/flux-dev: left out" in image
    (press,) = run.snapshot["excluded"]
    assert press["reason"] == (
        "gpt-4.1 has no architecture, and its API offers (Azure OpenAI (Microsoft) gpt-4.1, "
        "OpenAI gpt-4.1) are left out: where it processes data is not established"
    )

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

    # The price of sovereignty taken apart: the fine-tune (P2) rents cloud GPUs with the rules
    # and without them, at Scaleway in Paris against the cheapest GPU anywhere; that difference
    # of its own cost is the whole portfolio's price, nothing is left in the shared servers.
    results = run_results(run)
    joint = results.placement.price_of_sovereignty
    fine_tune = next(w for w in engine.workloads if w.id == "NL-FT-06")
    anywhere = next(
        w for w in engine.sovereignty_price.workloads if w.workload == "NL-FT-06"
    ).unrestricted
    assert joint.unrestricted_assignment["NL-FT-06"] == "cloud_on_demand" == anywhere.option
    assert fine_tune.suppliers["cloud_on_demand"][0].name == "Scaleway"
    (p2,) = joint.rules
    assert p2.rule == "P2" and p2.workloads == ["NL-FT-06"]
    assert p2.difference == pytest.approx(
        fine_tune.options["cloud_on_demand"].npv - anywhere.npv, abs=0.01
    )
    assert p2.difference + joint.other_difference == pytest.approx(joint.difference, abs=1e-6)
    assert abs(joint.other_difference) < 0.01
    assert f"keeping to it costs {p2.difference:,.0f} EUR in the portfolio." in " ".join(
        results.summary.answer.why[0].split()
    )

    again, _ = demo_assessment_run(organization=demo, out_dir=tmp_path)
    assert again.number == run.number + 1

    _the_report_reads_as_a_document(path, run)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z][A-Za-z'-]*[A-Za-z]", text))


def _the_report_reads_as_a_document(path, run) -> None:
    """No word the report prints is split across lines or cells ("Colocat ion"); the answer
    comes first and names every workload left out of the run."""
    from assessments.reports import report_html
    from assessments.services.run_report import report_meta

    layout = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    html = report_html(results=run_results(run), snapshot=run_inputs(run), meta=report_meta(run))
    text = re.sub(r"<[^>]+>", " ", html)
    # Addresses may break anywhere (they are printed to be copied, not read); a hyphenated
    # word may break after its hyphen (its halves are then words of their own).
    addresses = " ".join(re.findall(r"https?://\S+", text))
    known = _words(re.sub(r"https?://\S+", " ", text))
    fragments = {
        token
        for token in _words(layout) - known
        if len(token) >= 3
        and token not in addresses
        and not any(word.endswith("-" + token) for word in known)
        and not any(word.startswith(token + "-") for word in known)  # "Pre-" / "automation"
        and any(
            word.startswith(token) and word[len(token) : len(token) + 1] not in ("", "-")
            for word in known
        )
    }
    assert not fragments, sorted(fragments)
    first_page = layout.split("\f")[2]  # cover, contents, then the executive summary
    assert "What to do. Run " in " ".join(first_page.split())
    left_out = run.snapshot["excluded"]
    assert left_out
    flat = " ".join(layout.split())
    for workload in left_out:
        assert f"({workload['id']}): {workload['reason']}" in flat, workload["id"]
