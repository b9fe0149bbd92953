"""Organization settings: read by every member, changed by admins and owners."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from portal.models import Organization

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
