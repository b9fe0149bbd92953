"""Render an assessment run's report: context -> HTML (Django templates) -> PDF (WeasyPrint)."""

from __future__ import annotations

from django.template.loader import render_to_string
from weasyprint import HTML

from assessments.inputs import RunSnapshot
from assessments.results import RunResults

from .context import report_context
from .fetcher import StaticOnlyFetcher

TEMPLATE = "assessments/report/report.html"

__all__ = [
    "html_to_pdf",
    "render_report",
    "render_report_pdf",
    "report_context",
    "report_html",
]


def report_html(*, results: RunResults, snapshot: RunSnapshot, meta: dict) -> str:
    """The report as one HTML document (charts inline), for debugging and previews."""
    return render_to_string(TEMPLATE, report_context(results=results, snapshot=snapshot, meta=meta))


def _document(html: str):
    # No base_url: a relative reference has nothing to resolve against, so it is dropped too.
    return HTML(string=html, url_fetcher=StaticOnlyFetcher()).render()


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of ``html``; it may load our static files and data: URIs, nothing else."""
    return _document(html).write_pdf()


def render_report(*, results: RunResults, snapshot: RunSnapshot, meta: dict) -> tuple[bytes, int]:
    """The run's PDF report and its number of pages."""
    document = _document(report_html(results=results, snapshot=snapshot, meta=meta))
    return document.write_pdf(), len(document.pages)


def render_report_pdf(*, results: RunResults, snapshot: RunSnapshot, meta: dict) -> bytes:
    """The run's PDF report: cover, contents, summary, charts, workloads and appendix."""
    return html_to_pdf(report_html(results=results, snapshot=snapshot, meta=meta))
