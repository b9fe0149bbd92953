"""An organization's data is its own: the owner exports all of it and deletes all of it.

Which models an organization owns is found here the way Django's deletion finds what a
deletion cascades to, not from the export's own list: a new tenant model without rows in
``_populate`` fails these tests until it is exported, deleted and populated.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, router
from django.db.models.deletion import Collector, get_candidate_relations_to_delete
from django.test import Client
from django.urls import reverse

from assessments.models import RunChunk, RunReport, RunSection, RunWorkloadResult
from assessments.services.emails import report_email_queue
from costing.models import FeedImport, Provider
from costing.services import catalog_row_add
from portal.models import AuditAction, AuditEvent, Organization, Role, WorkloadImport
from portal.services.audit import audit_record
from portal.services.imports import workload_import_stage
from tests.costing.catalog_data import SOURCE, private_draft
from tests.factories import (
    GpuSpecFactory,
    InvitationFactory,
    MembershipFactory,
    ModelSpecFactory,
    UserFactory,
    VerifiedDomainFactory,
    WorkloadFactory,
)
from tests.portal.web.test_access import CSV, light_assessments

pytestmark = pytest.mark.django_db


def _populate(organization, owner) -> None:
    """A row in every model an organization owns."""
    workload = WorkloadFactory(organization=organization, model=ModelSpecFactory())
    ModelSpecFactory(organization=organization, name=f"{organization.slug} own model")
    InvitationFactory(organization=organization)
    workload_import_stage(
        organization=organization, user=owner, upload=SimpleUploadedFile("inv.csv", CSV)
    )
    catalog, _ = private_draft(organization, label=f"{organization.slug} ")
    catalog_row_add(
        catalog=catalog,
        kind="parameter",
        organization=organization,
        fields={**SOURCE, "kind": "lifecycle", "key": "Useful life", "value": 5, "unit": "years"},
    )
    catalog_row_add(
        catalog=catalog,
        kind="figure",
        organization=organization,
        fields={**SOURCE, "kind": "facility", "item": "pue", "value": Decimal("1.3"), "unit": "x"},
    )
    Provider.dangerously_unscoped.create(organization=organization, name="Own colocation")
    GpuSpecFactory(organization=organization, name=f"{organization.slug} accelerator")
    runs = light_assessments(organization)
    runs["assessment"].workloads.add(workload)
    RunSection.objects.create_in(organization, run=runs["run"], name="costs", data="{}")
    RunWorkloadResult.objects.create_in(
        organization, run=runs["run"], section="engine", position=0, workload_id="W-1", data="{}"
    )
    RunChunk.objects.create_in(
        organization, run=runs["run"], step="engine", index=0, start=0, stop=1
    )
    report_email_queue(run=runs["run"], recipients=["cfo@example.org"])
    audit_record(organization=organization, action=AuditAction.WORKLOAD_CREATED, obj=workload)
    VerifiedDomainFactory(organization=organization, domain=f"{organization.slug}.example")
    FeedImport.objects.create(
        catalog=catalog, source="litellm", file_sha256="0" * 64, as_of=date(2026, 12, 1),
        diff={"added": [], "removed": []}, changed_share=Decimal("0"),
    )  # fmt: skip


def _owned_models() -> set[type[models.Model]]:
    """What deleting an organization cascades to, as Django's deletion collector sees it."""
    found: set[type[models.Model]] = set()
    pending = [Organization]
    while pending:
        model = pending.pop()
        for relation in get_candidate_relations_to_delete(model._meta):
            related = relation.related_model
            if relation.on_delete is models.CASCADE and related not in found:
                found.add(related)
                pending.append(related)
    return found


def _collected(organization) -> dict[str, set]:
    """Every row deleting ``organization`` removes, by model label, as Django collects them."""
    collector = Collector(using=router.db_for_write(Organization))
    collector.collect([organization])
    rows: dict[str, set] = {}
    for model, instances in collector.data.items():
        rows.setdefault(model._meta.label_lower, set()).update(i.pk for i in instances)
    for queryset in collector.fast_deletes:
        label = queryset.model._meta.label_lower
        rows.setdefault(label, set()).update(queryset.values_list("pk", flat=True))
    return {label: pks for label, pks in rows.items() if pks}


def _rows_of(archive: zipfile.ZipFile) -> dict[str, set]:
    rows: dict[str, set] = {}
    for name in archive.namelist():
        if name.startswith("data/"):
            label = name.removeprefix("data/").removesuffix(".json")
            pks = {row["pk"] for row in json.loads(archive.read(name))}
            if pks:
                rows[label] = pks
    return rows


@pytest.fixture
def world(org, other_org, owner, outsider):
    _populate(org, owner)
    _populate(other_org, outsider)
    return {"org": org, "other": other_org}


def _archive(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_archive_holds_every_row_the_organization_owns_and_its_pdfs(world, owner):
    client = Client()
    client.force_login(owner)
    archive = _archive(client.get(reverse("org-export", args=["alice-media"])))
    rows = _rows_of(archive)
    # Every model a deletion would reach has rows here (the world covers them all)...
    owned = {model._meta.label_lower for model in _owned_models()}
    assert owned - set(rows) == set(), "populate these models in _populate and export them"
    # ...and the archive holds exactly what deleting the organization would delete.
    collected = _collected(world["org"])
    assert rows == collected
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["organization"] == "alice-media"
    assert manifest["rows"]["portal.workload"] == 1
    # Nothing of mallory's organization.
    other = _collected(world["other"])
    for label, pks in rows.items():
        if label != "portal.organization":
            assert not pks & other.get(label, set()), label
    # The PDFs, byte for byte, named by the rows that hold them.
    reports = json.loads(archive.read("data/assessments.runreport.json"))
    assert len(reports) == 2
    for report in reports:
        pdf = archive.read(report["fields"]["pdf"])
        stored = RunReport.dangerously_unscoped.get(pk=report["pk"])
        assert pdf == bytes(stored.pdf) and pdf.startswith(b"%PDF")
        assert report["fields"]["pdf"].endswith(".pdf")
    (upload,) = json.loads(archive.read("data/portal.workloadimport.json"))
    assert archive.read(upload["fields"]["content"]) == CSV
    event = AuditEvent.objects.for_organization(world["org"]).latest("pk")
    assert (event.action, event.actor) == (AuditAction.ORGANIZATION_EXPORTED, "olivia")


def test_the_api_gives_the_same_archive(world, api_as, owner):
    archive = _archive(api_as(owner).get("/api/v1/orgs/alice-media/export/"))
    assert _rows_of(archive) == _collected(world["org"])


def test_a_head_request_answers_the_headers_and_records_no_export(world, owner, api_as):
    """Only bytes that leave make an export: HEAD (a link checker, a download manager probing
    the size) builds no archive and writes nothing to the audit log."""
    client = Client()
    client.force_login(owner)
    events = AuditEvent.objects.for_organization(world["org"])
    before = events.count()
    for response in (
        client.head(reverse("org-export", args=["alice-media"])),
        api_as(owner).head("/api/v1/orgs/alice-media/export/"),
    ):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        assert response["Content-Disposition"].startswith('attachment; filename="sovra-alice-media')
        assert not response.streaming and response.content == b""
    assert events.count() == before
    assert client.get(reverse("org-export", args=["alice-media"])).status_code == 200
    assert events.count() == before + 1


def test_deleting_removes_every_row_and_file_and_nothing_of_another_organization(world, owner):
    org, other = world["org"], world["other"]
    before = _collected(org)
    others_before = _collected(other)
    client = Client()
    client.force_login(owner)
    url = reverse("org-delete", args=["alice-media"])
    assert "Type the organization" in client.get(url).content.decode()
    refused = client.post(url, {"confirm_name": "alice media"})
    assert refused.status_code == 200
    assert "Type the organization&#x27;s name, Alice Media, to confirm." in refused.content.decode()
    assert Organization.objects.filter(pk=org.pk).exists()
    response = client.post(url, {"confirm_name": "Alice Media"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    for label, pks in before.items():
        model = _model(label)
        assert not model._base_manager.filter(pk__in=pks).exists(), label
    # No row anywhere still points at the organization.
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is Organization:
                assert not model._base_manager.filter(**{field.attname: org.pk}).exists(), model
    # Stored files are rows too: no PDF or upload of the organization is left.
    assert not RunReport.dangerously_unscoped.filter(organization_id=org.pk).exists()
    assert not WorkloadImport.dangerously_unscoped.filter(organization_id=org.pk).exists()
    assert _collected(other) == others_before
    # The installation's log keeps the deletion; the organization's own log went with it.
    event = AuditEvent.objects.installation().get(action=AuditAction.ORGANIZATION_DELETED)
    assert (event.actor, event.object_id, event.object_repr) == (
        "olivia",
        str(org.pk),
        "Alice Media",
    )
    assert event.details["slug"] == "alice-media"
    assert event.details["rows"]["portal.workload"] == 1
    assert not AuditEvent.dangerously_unscoped.filter(organization_id=org.pk).exists()


def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def test_the_api_deletes_after_the_name_is_confirmed(world, api_as, owner):
    client = api_as(owner)
    refused = client.delete(
        "/api/v1/orgs/alice-media/", {"confirm_name": "Mallory Bank"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "confirm_name"
    response = client.delete(
        "/api/v1/orgs/alice-media/", {"confirm_name": "Alice Media"}, format="json"
    )
    assert response.status_code == 204
    assert not Organization.objects.filter(slug="alice-media").exists()
    assert Organization.objects.filter(slug="mallory-bank").exists()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.ANALYST, Role.VIEWER])
def test_only_an_owner_exports_or_deletes(world, role, api_as):
    user = UserFactory()
    MembershipFactory(organization=world["org"], user=user, role=role)
    client = Client()
    client.force_login(user)
    assert client.get(reverse("org-export", args=["alice-media"])).status_code == 403
    confirm = {"confirm_name": "Alice Media"}
    assert client.post(reverse("org-delete", args=["alice-media"]), confirm).status_code == 403
    api = api_as(user)
    assert api.get("/api/v1/orgs/alice-media/export/").status_code == 403
    assert api.delete("/api/v1/orgs/alice-media/", confirm, format="json").status_code == 403
    assert Organization.objects.filter(slug="alice-media").exists()


def test_staff_delete_an_organization_in_the_admin_through_the_same_path(world, client):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    admin_client = client
    org = world["org"]
    url = reverse("admin:portal_organization_delete", args=[org.pk])
    assert "workloads (1)" in admin_client.get(url).content.decode()
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=org.pk).exists()
    event = AuditEvent.objects.installation().get(action=AuditAction.ORGANIZATION_DELETED)
    assert event.actor == "root" and event.object_repr == "Alice Media"
    listed = admin_client.get(reverse("admin:portal_auditevent_changelist"), {"q": "Alice"})
    assert "Alice Media" in listed.content.decode()
