"""PDF reports of assessment runs: context, HTML and WeasyPrint rendering.

``formatting`` needs no Django and is imported by the charts; the rendering functions are
loaded on first use so that importing this package does not pull in Django's templates.
"""

from __future__ import annotations

_RENDERING = {"render_report", "render_report_pdf", "report_html", "report_context", "html_to_pdf"}

__all__ = sorted(_RENDERING)


def __getattr__(name: str):
    if name in _RENDERING:
        from . import render

        return getattr(render, name)
    raise AttributeError(name)
