"""The site's shell: switcher, navigation, user menu, and assets that work offline."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from portal.models import Role
from tests.factories import MembershipFactory

STATIC = Path(settings.BASE_DIR) / "static"


def test_switcher_lists_the_users_organizations_and_marks_the_current(
    client_for, org, other_org, viewer
):
    MembershipFactory(organization=other_org, user=viewer, role=Role.ANALYST)
    body = client_for(viewer).get(reverse("dashboard", args=[org.slug])).content.decode()
    switcher = body[body.index('class="menu menu-switcher"') :]
    switcher = switcher[: switcher.index("</details>")]
    assert 'value="alice-media" class="menu-item-button" aria-current="true"' in switcher
    assert 'value="mallory-bank" class="menu-item-button">' in switcher
    assert f'action="{reverse("org-switch")}"' in switcher


def test_navigation_marks_the_current_section(client_for, org, viewer):
    body = client_for(viewer).get(reverse("workload-list", args=[org.slug])).content.decode()
    current = re.findall(r'<a href="([^"]+)" aria-current="page">([^<]+)</a>', body)
    assert current == [(reverse("workload-list", args=[org.slug]), "Workloads")]
    for name in ("dashboard", "model-list", "member-list", "org-settings"):
        assert f'href="{reverse(name, args=[org.slug])}"' in body


def test_user_menu_has_tokens_password_docs_and_a_post_logout(client_for, org, viewer):
    body = client_for(viewer).get(reverse("dashboard", args=[org.slug])).content.decode()
    assert f'href="{reverse("tokens")}"' in body
    assert f'href="{reverse("password_change")}"' in body
    assert 'href="/api/docs/"' in body
    assert f'<form method="post" action="{reverse("logout")}">' in body


def test_pages_link_only_local_assets(client_for, org, viewer):
    body = client_for(viewer).get(reverse("dashboard", args=[org.slug])).content.decode()
    assets = re.findall(r'<(?:link|script)[^>]+(?:href|src)="([^"]+)"', body)
    assert assets
    assert all(url.startswith("/static/") for url in assets), assets


def test_css_and_js_fetch_nothing_from_the_network():
    for path in [*STATIC.glob("css/*.css"), *STATIC.glob("js/*.js")]:
        text = path.read_text()
        assert "http://" not in text and "https://" not in text, path
        assert "@import" not in text and "@font-face" not in text, path


def test_css_collapses_navigation_on_narrow_screens_and_has_print_rules():
    css = (STATIC / "css" / "sovra.css").read_text()
    assert "@media (max-width: 48rem)" in css
    assert "@media print" in css
    assert ":focus-visible" in css


def test_not_found_page_uses_the_shell(client_for, viewer):
    response = client_for(viewer).get("/o/no-such-org/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_forbidden_page_explains_the_role(client_for, org, viewer):
    response = client_for(viewer).get(reverse("workload-create", args=[org.slug]))
    assert response.status_code == 403
    assert "does not allow this" in response.content.decode()
