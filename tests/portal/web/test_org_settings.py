"""Organization settings: read by every member, changed by admins and owners."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from portal.models import Organization
from tests.forms import rendered_form_data

VALID = {
    "name": "Alice Media Group",
    "country": "BE",
    "currency": "EUR",
    "discount_rate_pct": "6.5",
    "horizon_years": "7",
    "electricity_price_per_kwh": "0.21",
    "pue": "1.3",
    "staff_cost_per_fte_year": "120000",
    "sovereignty_weight_pct": "60",
    "min_seal_confidential": "3",
    "min_seal_restricted": "4",
}


def test_viewer_reads_the_settings_without_a_form(client_for, org, viewer):
    response = client_for(viewer).get(reverse("org-settings", args=[org.slug]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "France" in body
    assert "Discount rate (%/year)" in body
    assert '<form method="post" class="form-sections"' not in body
    assert "Only owners and admins change these settings" in body


def test_viewer_cannot_change_them(client_for, org, viewer):
    response = client_for(viewer).post(reverse("org-settings", args=[org.slug]), VALID)
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.name == "Alice Media"


def test_admin_changes_them(client_for, org, admin_user):
    response = client_for(admin_user).post(reverse("org-settings", args=[org.slug]), VALID)
    assert response["Location"] == reverse("org-settings", args=[org.slug])
    org = Organization.objects.get(slug="alice-media")
    assert org.name == "Alice Media Group"
    assert org.country.code == "BE"
    assert org.discount_rate_pct == Decimal("6.50")
    assert org.horizon_years == 7
    assert org.sovereignty_weight_pct == 60
    assert org.min_seal_by_classification() == {"confidential": 3, "restricted": 4}


def test_invalid_values_show_beside_their_fields_and_change_nothing(client_for, org, admin_user):
    data = {**VALID, "name": "Renamed", "pue": "0.8", "horizon_years": "40"}
    response = client_for(admin_user).post(reverse("org-settings", args=[org.slug]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_pue_error"' in body
    assert 'id="id_horizon_years_error"' in body
    # The header still names the stored organization, not the rejected edit.
    assert "<title>Settings · Alice Media · Sovra</title>" in body
    org.refresh_from_db()
    assert org.name == "Alice Media"


def test_the_page_as_rendered_saves_with_one_change(client_for, org, admin_user):
    """GIVEN the settings page an admin sees WHEN they change the sovereignty weight and the
    restricted minimum and send every other field as the page shows it THEN it saves: the form
    needs no field the page leaves out."""
    url = reverse("org-settings", args=[org.slug])
    client = client_for(admin_user)
    data = rendered_form_data(client.get(url).content.decode(), form_class="form-sections")
    assert {"sovereignty_weight_pct", "min_seal_restricted", "min_seal_public"} <= set(data)
    data.update(sovereignty_weight_pct="70", min_seal_restricted="4")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    org.refresh_from_db()
    assert org.sovereignty_weight_pct == 70
    assert org.min_seal_by_classification() == {"restricted": 4}
    assert org.name == "Alice Media"


def test_seal_levels_are_explained_and_an_empty_minimum_names_the_library_default(
    client_for, org, admin_user, viewer
):
    url = reverse("org-settings", args=[org.slug])
    form_page = client_for(admin_user).get(url).content.decode()
    assert "Sovereignty Effectiveness Assurance Level" in form_page
    assert "SEAL-4: full digital sovereignty: EU control and EU law only" in form_page
    assert "The criteria library&#x27;s default (SEAL-2)" in form_page  # confidential data
    facts = client_for(viewer).get(url).content.decode()
    assert "Sovereignty weight (%)" in facts
    assert "The criteria library&#x27;s default (SEAL-4)" in facts  # restricted data


def test_a_minimum_seal_outside_the_levels_is_refused_beside_its_field(client_for, org, admin_user):
    response = client_for(admin_user).post(
        reverse("org-settings", args=[org.slug]), {**VALID, "min_seal_internal": "5"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_min_seal_internal_error"' in body
    org.refresh_from_db()
    assert org.min_seal_internal is None
