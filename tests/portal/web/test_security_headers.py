"""Content-Security-Policy without inline code, and the Permissions-Policy, on every response."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import WorkloadFactory

BASE_DIR = Path(settings.BASE_DIR)
# Templates rendered into browsers (the PDF report's are read only by WeasyPrint).
PAGE_TEMPLATE_DIRS = [
    BASE_DIR / "templates",
    BASE_DIR / "portal",
    BASE_DIR / "costing",
    BASE_DIR / "assessments",
]
PDF_TEMPLATES = BASE_DIR / "assessments" / "templates" / "assessments" / "report"

# What a CSP without 'unsafe-inline' refuses: inline scripts, <style>, style= and on*= handlers.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+\s*=", flags=re.IGNORECASE
)


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_csp_allows_only_our_own_scripts_and_styles(client):
    response = client.get(reverse("login"))
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]


def test_permissions_policy_turns_off_features_the_portal_never_uses(client):
    header = client.get(reverse("login")).headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in header


@pytest.mark.django_db
def test_api_responses_carry_the_policies_too(api_client):
    response = api_client.get("/api/v1/orgs/")
    assert response.status_code in (401, 403)
    assert "Content-Security-Policy" in response.headers
    assert "Permissions-Policy" in response.headers


def test_no_page_template_holds_inline_code():
    """GIVEN every template a browser renders WHEN scanned THEN no inline script, <style>,
    style= or on*= handler: the CSP would refuse them, so they belong in static files."""
    offenders = []
    for root in PAGE_TEMPLATE_DIRS:
        for template in root.rglob("*.html"):
            if PDF_TEMPLATES in template.parents or ".venv" in template.parts:
                continue
            for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
                if INLINE_CODE.search(line):
                    offenders.append(f"{template.relative_to(BASE_DIR)}:{number}: {line.strip()}")
    assert offenders == []


def test_dashboard_bars_render_without_style_attributes(client_for, org, viewer):
    WorkloadFactory(organization=org, kind="chat", data_classification="confidential")
    WorkloadFactory(organization=org, kind="training", data_classification="public")
    body = client_for(viewer).get(reverse("dashboard", args=[org.slug])).content.decode()
    assert 'class="bar bar-class-confidential"' in body
    assert '<rect width="50.0" height="1"/>' in body
    assert not INLINE_CODE.search(body)


@pytest.mark.django_db
def test_api_docs_page_has_no_inline_code_and_its_script_is_served_apart(client):
    html = client.get(reverse("api-docs")).content.decode()
    assert not INLINE_CODE.search(html)
    (script_url,) = re.findall(r'<script src="(/api/docs/[^"]+)"', html)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert '"/api/schema/"' in script.content.decode()
