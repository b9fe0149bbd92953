"""Import pages (upload, preview, apply, discard), templates and filtered exports."""

from __future__ import annotations

import csv
import io
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from portal.models import Workload, WorkloadImport
from portal.services import exports
from tests.factories import WorkloadFactory

GOOD = (
    "external_id,name,kind,avg_input_tokens,avg_output_tokens,requests_per_day\n"
    "N-1,New chat,chat,1000,200,50\n"
    "E-1,Existing renamed,embeddings,300,0,10\n"
)
BAD = (
    "external_id,name,kind,avg_input_tokens,requests_per_day\n"
    "N-1,Fine,chat,100,5\n"
    "N-2,Bad kind,teleportation,100,5\n"
    "N-3,Bad number,chat,1 000 tokens,5\n"
)


def _upload(client, org, content: bytes | str, name: str = "inventory.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        reverse("import-upload", args=[org.slug]),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _staged(org) -> WorkloadImport:
    return WorkloadImport.objects.for_organization(org).get()


def test_upload_previews_then_confirm_applies(client_for, org, analyst):
    WorkloadFactory(organization=org, external_id="E-1", name="Existing")
    client = client_for(analyst)
    response = _upload(client, org, GOOD)
    staged = _staged(org)
    assert response["Location"] == reverse("import-preview", args=[org.slug, staged.pk])

    preview = client.get(response["Location"])
    assert preview.context["preview"].to_create == 1
    assert preview.context["preview"].to_update == 1
    body = preview.content.decode()
    assert "Every row is good" in body
    assert reverse("import-apply", args=[org.slug, staged.pk]) in body
    assert not Workload.objects.for_organization(org).filter(external_id="N-1").exists()

    applied = client.post(reverse("import-apply", args=[org.slug, staged.pk]))
    assert applied["Location"] == reverse("workload-list", args=[org.slug])
    workloads = Workload.objects.for_organization(org)
    assert workloads.get(external_id="N-1").name == "New chat"
    assert workloads.get(external_id="E-1").name == "Existing renamed"
    listing = client.get(applied["Location"]).content.decode()
    assert "1 workload(s) created, 1 updated" in listing
    staged.refresh_from_db()
    assert staged.status == WorkloadImport.Status.APPLIED
    # Once applied, the preview page reports the outcome and offers no second confirm.
    again = client.get(reverse("import-preview", args=[org.slug, staged.pk])).content.decode()
    assert "This file was imported" in again
    assert reverse("import-apply", args=[org.slug, staged.pk]) not in again


def test_preview_lists_every_bad_row_with_row_field_and_message(client_for, org, analyst):
    client = client_for(analyst)
    response = _upload(client, org, BAD)
    preview = client.get(response["Location"])
    errors = preview.context["preview"].errors
    assert [(e.row, e.field) for e in errors] == [(3, "kind"), (4, "avg_input_tokens")]
    body = preview.content.decode()
    assert "teleportation" in body
    assert "leave the unit out" in body
    assert '<td class="num">3</td>' in body
    assert "<code>kind</code>" in body
    staged = _staged(org)
    assert reverse("import-apply", args=[org.slug, staged.pk]) not in body
    assert reverse("import-discard", args=[org.slug, staged.pk]) in body


def test_applying_a_bad_file_writes_nothing_and_says_why(client_for, org, analyst):
    client = client_for(analyst)
    _upload(client, org, BAD)
    staged = _staged(org)
    response = client.post(reverse("import-apply", args=[org.slug, staged.pk]), follow=True)
    assert "Nothing was imported" in response.content.decode()
    assert not Workload.objects.for_organization(org).exists()


def test_unreadable_file_is_a_form_error_beside_the_file_field(client_for, org, analyst):
    response = _upload(client_for(analyst), org, b"\x00\x01binary", name="inventory.pdf")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_file_error"' in body
    assert "Upload a .csv (UTF-8) or .xlsx file." in body
    assert not WorkloadImport.objects.for_organization(org).exists()


def test_discard_drops_the_staged_file(client_for, org, analyst):
    client = client_for(analyst)
    _upload(client, org, GOOD)
    staged = _staged(org)
    response = client.post(reverse("import-discard", args=[org.slug, staged.pk]))
    assert response["Location"] == reverse("import-upload", args=[org.slug])
    staged.refresh_from_db()
    assert staged.status == WorkloadImport.Status.DISCARDED
    assert not Workload.objects.for_organization(org).exists()
    # A discarded file cannot be applied later.
    client.post(reverse("import-apply", args=[org.slug, staged.pk]))
    assert not Workload.objects.for_organization(org).exists()


def test_another_organizations_import_is_404(client_for, org, other_org, analyst, outsider):
    _upload(client_for(outsider), other_org, GOOD)
    theirs = _staged(other_org)
    client = client_for(analyst)
    assert client.get(reverse("import-preview", args=[org.slug, theirs.pk])).status_code == 404
    assert client.post(reverse("import-apply", args=[org.slug, theirs.pk])).status_code == 404
    assert not Workload.objects.for_organization(other_org).exists()


def test_templates_download_as_csv_and_xlsx(client_for, org, viewer):
    client = client_for(viewer)
    response = client.get(reverse("import-template-csv", args=[org.slug]))
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="sovra-workloads-template.csv"' in response["Content-Disposition"]
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("external_id,name,owner_team,kind,model")
    response = client.get(reverse("import-template-xlsx", args=[org.slug]))
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["workloads", "help"]


def test_exports_honour_the_lists_filters_and_scope(client_for, org, other_org, viewer):
    WorkloadFactory(organization=org, external_id="C-1", name="Chat one", kind="chat")
    WorkloadFactory(organization=org, external_id="T-1", name="Training", kind="training")
    WorkloadFactory(organization=other_org, external_id="M-1", kind="chat")
    client = client_for(viewer)
    url = reverse("workload-export-csv", args=[org.slug])

    rows = list(csv.DictReader(io.StringIO(_body(client.get(url)).decode("utf-8-sig"))))
    assert sorted(row["external_id"] for row in rows) == ["C-1", "T-1"]

    response = client.get(url, {"kind": "chat"})
    assert response["Content-Disposition"].startswith(
        'attachment; filename="sovra-alice-media-workloads-'
    )
    rows = list(csv.DictReader(io.StringIO(_body(response).decode("utf-8-sig"))))
    assert [row["external_id"] for row in rows] == ["C-1"]

    xlsx = client.get(reverse("workload-export-xlsx", args=[org.slug]), {"q": "train"})
    sheet = load_workbook(io.BytesIO(_body(xlsx)))["workloads"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["T-1"]


def test_list_export_links_carry_the_current_filters(client_for, org, viewer):
    WorkloadFactory(organization=org)
    body = client_for(viewer).get(
        reverse("workload-list", args=[org.slug]), {"kind": "chat", "sort": "name", "page": "1"}
    )
    assert f'{reverse("workload-export-csv", args=[org.slug])}?kind=chat"' in body.content.decode()


def test_upload_page_lists_recent_imports_and_column_help(client_for, org, analyst):
    client = client_for(analyst)
    _upload(client, org, GOOD, name="march.csv")
    body = client.get(reverse("import-upload", args=[org.slug])).content.decode()
    assert "march.csv" in body
    assert "<code>requests_per_day</code>" in body


def test_a_file_over_the_size_limit_is_refused_beside_the_field(client_for, org, analyst, settings):
    settings.SOVRA_IMPORT_MAX_BYTES = 1024
    header = "external_id,name,kind\n"
    body = header + "".join(f"WL-{n},Workload {n},chat\n" for n in range(200))
    response = _upload(client_for(analyst), org, body)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_file_error"' in page
    assert "the limit is 1 KB" in page
    assert not WorkloadImport.objects.for_organization(org).exists()


def _inventory(org, count: int) -> None:
    Workload._default_manager.bulk_create(WorkloadFactory.build_batch(count, organization=org))


def _export_peak_bytes(client, url: str) -> tuple[int, bytes]:
    """Peak Python memory while the export is made and sent, and its bytes."""
    tracemalloc.start()
    try:
        response = client.get(url)
        assert response.streaming  # sent in pieces, never built as one bytes object
        size, first = 0, b""
        for piece in response.streaming_content:
            size += len(piece)
            first = first or piece  # the test client closes the response at the end
        return tracemalloc.get_traced_memory()[1], first
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_large_exports_stream_in_bounded_memory(client_for, org, viewer, monkeypatch, file_format):
    """GIVEN exports fetched and written 25 rows at a time WHEN 1,000 workloads are exported
    THEN the response streams, and peak memory is about that of 100 (it grew 7 to 9 times
    when the whole file was built in memory)."""
    monkeypatch.setattr(exports, "EXPORT_CHUNK_ROWS", 25)
    client = client_for(viewer)
    url = reverse(f"workload-export-{file_format}", args=[org.slug])
    _inventory(org, 100)
    _export_peak_bytes(client, url)  # the first request also loads code and templates
    small_peak, _ = _export_peak_bytes(client, url)
    _inventory(org, 900)
    large_peak, first = _export_peak_bytes(client, url)
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)
    if file_format == "csv":
        assert first.startswith("\ufeffexternal_id,name,".encode())


def test_streamed_exports_stay_formula_safe(client_for, org, viewer):
    WorkloadFactory(organization=org, external_id="=HYPERLINK()", name="+1", owner_team="@x")
    client = client_for(viewer)
    text = _body(client.get(reverse("workload-export-csv", args=[org.slug]))).decode("utf-8-sig")
    assert "'=HYPERLINK()" in text and "'+1" in text and "'@x" in text
    workbook = load_workbook(
        io.BytesIO(_body(client.get(reverse("workload-export-xlsx", args=[org.slug]))))
    )
    sheet = workbook["workloads"]
    cells = [cell for cell in sheet[2] if isinstance(cell.value, str)]
    assert all(cell.data_type == "s" for cell in cells)
    assert [sheet["A2"].value, sheet["B2"].value] == ["'=HYPERLINK()", "'+1"]


def test_the_preview_says_what_each_row_creates_or_changes(client_for, org, analyst):
    """GIVEN E-1 stored as 'Existing' (embeddings, 300 input tokens) and S-1 stored as the file
    has it WHEN a file renames E-1, keeps S-1 and adds N-1 THEN the preview shows N-1 created,
    E-1's name and kind before and after, and S-1 unchanged."""
    WorkloadFactory(
        organization=org, external_id="E-1", name="Existing", kind="chat",
        avg_input_tokens=300, avg_output_tokens=0, requests_per_day=10,
    )  # fmt: skip
    WorkloadFactory(
        organization=org, external_id="S-1", name="Same", kind="chat",
        avg_input_tokens=100, avg_output_tokens=20, requests_per_day=5,
    )  # fmt: skip
    client = client_for(analyst)
    content = GOOD + "S-1,Same,chat,100,20,5\n"
    preview = client.get(_upload(client, org, content)["Location"])
    shown = preview.context["preview"]
    assert (shown.to_create, shown.to_update, shown.unchanged) == (1, 1, 1)
    rows = {row.external_id: row for row in shown.changes}
    assert rows["N-1"].action == "create"
    assert rows["S-1"].action == "unchanged"
    assert [(c.label, c.before, c.after) for c in rows["E-1"].changes] == [
        ("name", "Existing", "Existing renamed"),
        ("kind", "Chat / completion inference", "Embeddings"),
    ]
    body = preview.content.decode()
    assert "1 row changes nothing" in body
    assert "<strong>Name</strong>: Existing → Existing renamed" in body
