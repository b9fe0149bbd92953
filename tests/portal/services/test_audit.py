"""The audit log: append-only in the application and in PostgreSQL, the client's address as the
installation trusts it, filters and a CSV export that a spreadsheet cannot turn into formulas."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditAction, AuditEvent
from portal.models.audit import AppendOnlyError
from portal.services.audit import audit_record
from portal.services.workloads import workload_save
from tests.factories import WorkloadFactory
from tests.forms import rendered_form_data

pytestmark = pytest.mark.django_db
A = AuditAction


@pytest.fixture
def event(org):
    return audit_record(organization=org, action=A.WORKLOAD_CREATED, object_type="workload")


def test_outside_a_request_the_system_acts(org, event):
    assert (event.actor, event.actor_user_id, event.ip_address, event.channel) == (
        "",
        None,
        None,
        "system",
    )


def test_the_application_has_no_way_to_change_or_delete_an_event(org, event):
    event.action = A.WORKLOAD_DELETED
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    events = AuditEvent.objects.for_organization(org)
    with pytest.raises(AppendOnlyError):
        events.update(actor="someone else")
    with pytest.raises(AppendOnlyError):
        events.delete()
    assert AuditEvent.dangerously_unscoped.get(pk=event.pk).action == A.WORKLOAD_CREATED


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE portal_auditevent SET actor = 'mallory' WHERE id = %s",
        "DELETE FROM portal_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_to_change_or_delete_an_event(event, statement):
    _postgresql_only()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [event.pk])
    assert AuditEvent.dangerously_unscoped.get(pk=event.pk).actor == ""


def test_postgresql_deletes_only_the_events_of_the_organization_being_deleted(
    org, other_org, event
):
    """The organization deletion names its organization for its transaction: the other
    organization's events and the installation's stay refused."""
    _postgresql_only()
    theirs = audit_record(organization=other_org, action=A.WORKLOAD_CREATED)
    installation = audit_record(organization=None, action=A.ORGANIZATION_DELETED)
    for kept in (theirs, installation):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "SELECT set_config('sovra.deleting_organization', %s, true)", [str(org.pk)]
            )
            cursor.execute("DELETE FROM portal_auditevent WHERE id = %s", [kept.pk])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('sovra.deleting_organization', %s, true)", [str(org.pk)])
        cursor.execute("DELETE FROM portal_auditevent WHERE id = %s", [event.pk])
    assert not AuditEvent.dangerously_unscoped.filter(pk=event.pk).exists()
    assert AuditEvent.dangerously_unscoped.filter(pk__in=[theirs.pk, installation.pk]).count() == 2
    # Outside that transaction the setting is gone: deleting is refused again.
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM portal_auditevent WHERE id = %s", [theirs.pk])


def _settings_post(client: Client, org, horizon: int, **extra):
    url = reverse("org-settings", args=[org.slug])
    data = rendered_form_data(client.get(url).content.decode(), form_class="form-sections")
    return client.post(url, {**data, "horizon_years": str(horizon)}, **extra)


@pytest.mark.parametrize(
    ("proxies", "expected"), [(0, "10.0.0.9"), (1, "203.0.113.7"), (2, "198.51.100.1")]
)
def test_the_address_is_the_forwarded_one_only_behind_trusted_proxies(
    settings, client, org, owner, proxies, expected
):
    """X-Forwarded-For is whatever the client sent, until the installation says how many
    proxies in front append to it (the sign-in lockout reads the address the same way)."""
    settings.SOVRA_TRUSTED_PROXY_COUNT = proxies
    client.force_login(owner)
    response = _settings_post(
        client,
        org,
        7,
        REMOTE_ADDR="10.0.0.9",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.for_organization(org).get(action=A.ORGANIZATION_UPDATED)
    assert event.ip_address == expected
    assert event.details == {"fields": ["horizon_years"]}


@pytest.fixture
def log(org, other_org, owner, analyst):
    """Events by alice, the system and olivia over three days, and one of mallory's."""
    client = Client()
    client.force_login(owner)
    formula = WorkloadFactory(organization=org, name='=HYPERLINK("http://evil")')
    audit_record(organization=org, action=A.WORKLOAD_CREATED, obj=formula, actor=analyst)
    audit_record(organization=other_org, action=A.WORKLOAD_CREATED, object_type="workload")
    plain = WorkloadFactory(organization=org, name="Plain")
    plain.notes = "changed"
    workload_save(organization=org, workload=plain)
    _settings_post(client, org, 9)
    events = list(AuditEvent.objects.for_organization(org).order_by("pk"))
    # Spread over three days behind the application's back (the log cannot be edited): a
    # replica session fires no trigger.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        for days, item in zip((2, 1, 0), events, strict=True):
            cursor.execute(
                "UPDATE portal_auditevent SET occurred_at = %s WHERE id = %s",
                [timezone.now() - timedelta(days=days), item.pk],
            )
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
    return {"formula": formula, "plain": plain}


def _api_actions(api_as, owner, query: str) -> list[str]:
    response = api_as(owner).get(f"/api/v1/orgs/alice-media/audit-events/?{query}")
    assert response.status_code == 200, response.content
    return [item["action"] for item in response.json()["results"]]


def test_the_api_filters_by_actor_event_object_and_dates(api_as, owner, log):
    day = timezone.now().date()
    assert _api_actions(api_as, owner, "") == [
        "organization.updated",
        "workload.updated",
        "workload.created",
    ]
    assert _api_actions(api_as, owner, "actor=ALI") == ["workload.created"]
    assert _api_actions(api_as, owner, "actor=oliv") == ["organization.updated"]
    assert _api_actions(api_as, owner, "action=workload.updated") == ["workload.updated"]
    plain = log["plain"].pk
    assert _api_actions(api_as, owner, f"object_type=workload&object_id={plain}") == [
        "workload.updated"
    ]
    since = (day - timedelta(days=1)).isoformat()
    assert _api_actions(api_as, owner, f"since={since}") == [
        "organization.updated",
        "workload.updated",
    ]
    until = (day - timedelta(days=1)).isoformat()
    assert _api_actions(api_as, owner, f"until={until}") == ["workload.updated", "workload.created"]
    refused = api_as(owner).get("/api/v1/orgs/alice-media/audit-events/?action=nonsense")
    assert refused.status_code == 400


def test_the_page_shows_the_filtered_events(client, owner, log):
    client.force_login(owner)
    url = reverse("audit-list", args=["alice-media"])
    body = client.get(url, {"action": "organization.updated"}).content.decode()
    assert "Settings changed" in body and "olivia" in body
    assert "Plain" not in body
    assert "Plain" in client.get(url).content.decode()


def test_the_csv_export_keeps_the_filters_and_defuses_formulas(client, owner, log):
    client.force_login(owner)
    url = reverse("audit-export-csv", args=["alice-media"])
    response = client.get(url, {"action": "workload.created"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["action"] for row in rows] == ["workload.created"]
    assert rows[0]["object"].startswith("'=HYPERLINK(")
    assert rows[0]["actor"] == "alice"
    api = Client()
    api.force_login(owner)
    same = api.get("/api/v1/orgs/alice-media/audit-events/export/?action=workload.created")
    assert b"".join(same.streaming_content).decode("utf-8-sig") == text
