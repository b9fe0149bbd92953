"""The PDF report: its text shows the run's numbers, fonts are embedded, nothing is fetched."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from assessments.reports import html_to_pdf, render_report_pdf, report_html
from assessments.reports.fetcher import FetchRefused, StaticOnlyFetcher
from assessments.reports.formatting import money, option_label
from tests.assessments.reports.conftest import typed_run

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="poppler-utils missing: run `make system-deps`"
)


def _run(command: list[str], pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run([*command, str(path), "-"] if command[0] == "pdftotext" else
                          [*command, str(path)], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip


@pytest.fixture(scope="module")
def rendered(media_house_results, snapshot, meta) -> bytes:
    return render_report_pdf(**typed_run(media_house_results, snapshot), meta=meta)


@pytest.fixture
def pdf_text(rendered, tmp_path) -> str:
    text = _run(["pdftotext", "-layout"], rendered, tmp_path)
    return re.sub(r"[ \t]+", " ", text)


def test_report_prints_each_options_npv_as_in_the_results(pdf_text, media_house_results):
    engine = media_house_results["engine"]
    for option, row in engine["portfolio"].items():
        if "npv" in row:
            assert f"{option_label(option)} {money(row['npv'], 'EUR')}" in pdf_text
    # The engine's figures for media-house.json, as its CLI prints them.
    assert "1,726,208 EUR" in pdf_text  # cloud_on_demand NPV
    assert "1,789,222 EUR" in pdf_text  # on_prem NPV


def test_report_names_the_recommendation_and_the_breakeven(pdf_text):
    text = " ".join(pdf_text.split())
    assert "What to do. Run " in text
    assert "through a managed model API" in text
    assert "Managed API costs less than Cloud on demand in cumulative cost from month 59.0" in text


def test_report_prints_a_price_with_its_source_and_date(pdf_text):
    # Nebius H100 on demand: 2.95 USD/hour from cloud_gpu_offers.csv, dated 2026-05-18.
    line = next(line for line in pdf_text.splitlines() if "2.95 USD/hour" in line)
    assert "2026-05-18" in line
    assert "costing/data/cloud_gpu_offers.csv: Nebius" in pdf_text


def test_cover_and_contents(pdf_text):
    assert "Nordlicht Media GmbH" in pdf_text
    assert "7f3c2a9e-1b4d-4c8e-9a61-2f0d5e8b7c31" not in pdf_text  # a record id says nothing
    assert "urn:sovra:risk:library:ai-placement-sovereignty v1" in pdf_text
    assert "Sovra public prices, version 2026-05-18 (in force from 2026-05-18)" in pdf_text
    # Contents lines end in the page their target landed on.
    summary_page = re.search(r"Executive summary\.{3,}\s*(\d+)", pdf_text)
    assert summary_page and summary_page.group(1) == "3"
    assert "Page 3 of" in pdf_text


def test_workload_findings_carry_rule_and_citation(pdf_text):
    assert "B02 Special-category or restricted personal data" in pdf_text
    assert "CJEU C-311/18 (Schrems II)" in pdf_text
    assert "bound by compute" in pdf_text


def test_a_long_portfolios_report_details_the_costliest_and_says_where_the_rest_is(
    media_house_results, snapshot, meta, settings, tmp_path
):
    """GIVEN a report that details 3 workloads WHEN the media house's 12 are rendered THEN the
    3 that cost most get their detail, every one a row of the appendix, and the report says in
    words where the other 9 are detailed: the run's page and its results through the API."""
    settings.SOVRA_REPORT_DETAILED_WORKLOADS = 3
    page = "https://sovra.example/o/nordlicht/assessments/runs/3/"
    api = "https://sovra.example/api/v1/orgs/nordlicht/runs/3/results/"
    meta = {**meta, "run_url": page, "results_url": api}
    pdf = render_report_pdf(**typed_run(media_house_results, snapshot), meta=meta)
    text = " ".join(_run(["pdftotext"], pdf, tmp_path).split())
    assert "This report details the 3 of the run's 12 workloads that cost most" in text
    assert (
        "The detail of the other 9 workloads (sizing, the cost of every option, sovereignty "
        f"scores and findings) is on the run's page in Sovra ({page}) and in the run's results "
        f"through the API ({api})."
    ) in text
    assert re.search(r"appendix table Every workload \(page \d+\)", text)
    table = "".join(text[text.rindex("Every workload All 12 workloads") :].split())
    for workload in media_house_results["engine"]["workloads"]:
        assert workload["id"] in table


def test_fonts_are_the_bundled_family_embedded(rendered, tmp_path):
    rows = _run(["pdffonts"], rendered, tmp_path).splitlines()[2:]
    assert rows, "the PDF names no font"
    for row in rows:
        name, emb = row.split()[0], row.split()[-5]
        assert "Sovra-Sans" in name  # the @font-face family, loaded from our static files
        assert emb == "yes"


class RecordingFetcher(StaticOnlyFetcher):
    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def fetch(self, url, headers=None):
        try:
            response = super().fetch(url, headers)
        except FetchRefused:
            self.urls.append(("refused", url))
            raise
        self.urls.append(("served", url))
        return response


def test_file_and_http_references_are_refused_and_the_pdf_still_renders(
    media_house_results, snapshot, meta, monkeypatch, tmp_path
):
    html = report_html(**typed_run(media_house_results, snapshot), meta=meta)
    hostile = (
        '<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/tracker.png">'
        '<link rel="stylesheet" href="https://example.com/x.css">'
        '<img src="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmci'
        'IHdpZHRoPSI0IiBoZWlnaHQ9IjQiLz4=">'
    )
    html = html.replace("<body>", f"<body>{hostile}", 1)
    fetcher = RecordingFetcher()
    monkeypatch.setattr("assessments.reports.render.StaticOnlyFetcher", lambda: fetcher)
    pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF")
    refused = {url for verdict, url in fetcher.urls if verdict == "refused"}
    assert refused == {"file:///etc/passwd", "http://127.0.0.1:9/tracker.png",
                       "https://example.com/x.css"}  # fmt: skip
    served = {url for verdict, url in fetcher.urls if verdict == "served"}
    assert "sovra-static:assessments/fonts/DejaVuSans.ttf" in served
    assert any(url.startswith("data:image/svg+xml") for url in served)
    assert b"root:x:0:0" not in pdf
    assert "root:" not in _run(["pdftotext", "-layout"], pdf, tmp_path)


def test_appendix_tables_keep_each_column_apart(pdf_text):
    """Headers on one line each, and no value running into the source beside it (the padding of
    each column comes on top of its share of the width, so the shares leave the last its room)."""
    assert "Price Value Source Date Used by" in pdf_text
    assert "Offer Price Amount Source Date" in pdf_text
    assert not re.search(r"(tokens|hour|month|kW|kWh|EUR|USD)Sovra", pdf_text)
