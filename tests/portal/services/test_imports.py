"""Inventory imports: each bad file gets an error naming row and field; all or nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from portal.models import Workload, WorkloadImport
from portal.services import exports
from portal.services.imports import (
    ImportFileError,
    parse_workload_file,
    workload_import_apply,
    workload_import_discard,
    workload_import_preview,
    workload_import_stage,
    workloads_import_file,
)
from portal.services.model_specs import model_specs_seed_public
from portal.services.workloads import WorkloadRowsInvalid
from tests.factories import WorkloadFactory

HEADER = (
    "external_id,name,kind,model,avg_input_tokens,avg_output_tokens,requests_per_day,peak_factor"
)


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def good_csv() -> bytes:
    return csv_bytes(
        HEADER,
        "WL-1,Chat assistant,chat,Llama 3.1 8B,1200,300,5000,2.5",
        "WL-2,Subtitles,speech,,0,0,0,1",
    )


@pytest.fixture
def seeded(db):
    model_specs_seed_public()


def row_errors(org, data: bytes, filename: str = "w.csv"):
    with pytest.raises(WorkloadRowsInvalid) as caught:
        workloads_import_file(organization=org, filename=filename, data=data)
    return [(e.row, e.field, e.message) for e in caught.value.errors]


def count(org) -> int:
    return Workload.objects.for_organization(org).count()


def test_good_csv_creates_rows_with_parsed_values(org, seeded):
    result = workloads_import_file(organization=org, filename="w.csv", data=good_csv())
    assert (result.created, result.updated) == (2, 0)
    chat = Workload.objects.for_organization(org).get(external_id="WL-1")
    assert chat.model.name == "Llama 3.1 8B"
    assert (chat.avg_input_tokens, chat.requests_per_day) == (1200, 5000)
    assert chat.peak_factor == Decimal("2.50")
    assert chat.precision == "bf16"  # absent column: the default


def test_reimport_upserts_by_external_id_and_keeps_omitted_columns(org, seeded):
    workloads_import_file(organization=org, filename="w.csv", data=good_csv())
    result = workloads_import_file(
        organization=org,
        filename="w.csv",
        data=csv_bytes("external_id,name,kind", "WL-1,Chat assistant v2,chat", "WL-3,New,batch"),
    )
    assert (result.created, result.updated) == (1, 1)
    chat = Workload.objects.for_organization(org).get(external_id="WL-1")
    assert chat.name == "Chat assistant v2"
    assert chat.requests_per_day == 5000  # not in the file: kept
    assert count(org) == 3


def test_upsert_never_touches_another_organizations_workload(org, other_org, seeded):
    theirs = WorkloadFactory(organization=other_org, external_id="WL-1", name="Theirs")
    workloads_import_file(organization=org, filename="w.csv", data=good_csv())
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    assert count(other_org) == 1


def test_one_bad_row_writes_nothing(org, seeded):
    data = csv_bytes(HEADER, "WL-1,Fine,chat,,100,10,10,2", "WL-2,Bad,chat,,100,10,-5,2")
    errors = row_errors(org, data)
    assert errors == [(3, "requests_per_day", "-5 is below the minimum of 0.")]
    assert count(org) == 0


@pytest.mark.parametrize(
    ("cell", "field", "expected"),
    [
        ('"1,200"', "avg_input_tokens", "without thousands separators"),
        ("1200 tokens", "avg_input_tokens", "leave the unit out"),
        ("12.5", "avg_input_tokens", "not a whole number"),
        ("abc", "avg_input_tokens", "'abc' is not a number"),
    ],
)
def test_numbers_with_units_or_commas_are_named(org, seeded, cell, field, expected):
    errors = row_errors(org, csv_bytes(HEADER, f"WL-1,X,chat,,{cell},10,10,2"))
    assert len(errors) == 1
    row, named_field, message = errors[0]
    assert (row, named_field) == (2, field)
    assert expected in message


def test_absurd_values_and_peak_below_one(org, seeded):
    errors = row_errors(org, csv_bytes(HEADER, "WL-1,X,chat,,100,10,999999999999999,0.5"))
    assert {(e[0], e[1]) for e in errors} == {(2, "requests_per_day"), (2, "peak_factor")}
    assert any("above the maximum" in e[2] for e in errors)
    assert any("below the minimum of 1" in e[2] for e in errors)


def test_unknown_choice_lists_the_allowed_values(org, seeded):
    errors = row_errors(org, csv_bytes("external_id,name,kind", "WL-1,X,chatbot"))
    assert errors[0][:2] == (2, "kind")
    assert "'chatbot' is not a choice" in errors[0][2]
    assert "'chat'" in errors[0][2]


def test_choice_accepts_its_label_too(org, seeded):
    workloads_import_file(
        organization=org,
        filename="w.csv",
        data=csv_bytes("external_id,name,kind", "WL-1,X,Batch inference"),
    )
    assert Workload.objects.for_organization(org).get().kind == "batch"


def test_unknown_model_is_named(org, seeded):
    errors = row_errors(org, csv_bytes("external_id,name,kind,model", "WL-1,X,chat,GPT-9"))
    assert errors[0][:2] == (2, "model")
    assert "'GPT-9' is not a known model" in errors[0][2]


def test_duplicate_external_id_in_one_file(org, seeded):
    errors = row_errors(
        org, csv_bytes("external_id,name,kind", "WL-1,A,chat", "WL-2,B,chat", "WL-1,C,chat")
    )
    assert errors == [(4, "external_id", "'WL-1' appears again (first in row 2).")]


def test_formula_cells_are_refused(org, seeded):
    errors = row_errors(
        org, csv_bytes("external_id,name,kind", 'WL-1,"=HYPERLINK(""http://x"")",chat')
    )
    assert errors[0][:2] == (2, "name")
    assert "formula" in errors[0][2]


def test_overlong_strings_are_refused(org, seeded):
    errors = row_errors(org, csv_bytes("external_id,name,kind", f"WL-1,{'n' * 201},chat"))
    assert errors == [(2, "name", "has 201 characters; the limit is 200.")]


def test_missing_required_fields_in_a_row(org, seeded):
    errors = row_errors(org, csv_bytes("external_id,name,kind", "WL-1,,chat", ",Y,"))
    assert (2, "name", "is required.") in errors
    assert (3, "external_id", "is required.") in errors
    assert (3, "kind", "is required.") in errors


def test_row_with_more_cells_than_the_header(org, seeded):
    errors = row_errors(org, csv_bytes("external_id,name,kind", "WL-1,X,chat,extra"))
    assert errors == [(2, None, "has 4 cells; the header has 3.")]


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"", "w.csv", "The file is empty"),
        (b"external_id,name,kind\n", "w.csv", "has a header but no workload rows"),
        (b"external_id,name\nWL-1,X\n", "w.csv", "missing required column(s): kind"),
        (
            b"external_id,name,kind,colour\nWL-1,X,chat,red\n",
            "w.csv",
            "unknown column 'colour' (column 4)",
        ),
        (b"external_id,name,kind,name\n", "w.csv", "column 'name' appears twice"),
        (
            "external_id,name,kind\nWL-1,Caf\u00e9,chat\n".encode("latin-1"),
            "w.csv",
            "not UTF-8 (byte 0xE9 on line 2)",
        ),
        ("external_id,name,kind\n".encode("utf-16"), "w.csv", "UTF-16"),
        (b"external_id,name,kind\nWL-1,X\x00,chat\n", "w.csv", "NUL bytes (first on line 2)"),
        (b"PK\x03\x04garbage", "w.xlsx", "not a readable XLSX workbook"),
        (b"external_id,name,kind\n", "w.xlsx", "not an XLSX workbook"),
        (b"{}", "w.json", "Upload a .csv (UTF-8) or .xlsx file."),
    ],
)
def test_unreadable_files_get_a_clear_error(data, filename, expected):
    with pytest.raises(ImportFileError) as caught:
        parse_workload_file(filename=filename, data=data)
    assert expected in str(caught.value)


def test_file_over_the_size_limit(settings):
    settings.SOVRA_IMPORT_MAX_BYTES = 1024
    with pytest.raises(ImportFileError, match=r"The file is 2 KB; the limit is 1 KB."):
        parse_workload_file(filename="w.csv", data=b"x" * 2048)


def test_semicolon_delimited_csv_with_bom_and_labels_as_headers(org, seeded):
    data = "\ufeffExternal ID;Name;Kind;Requests per day\nWL-1;X;chat;0\n".encode()
    workloads_import_file(organization=org, filename="w.csv", data=data)
    assert Workload.objects.for_organization(org).get().external_id == "WL-1"


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_typed_cells_import(org, seeded):
    data = xlsx_bytes(
        [
            ["external_id", "name", "kind", "requests_per_day", "peak_factor", "personal_data"],
            ["WL-1", "X", "chat", 1200.0, 2.5, True],
        ]
    )
    workloads_import_file(organization=org, filename="w.xlsx", data=data)
    workload = Workload.objects.for_organization(org).get()
    assert (workload.requests_per_day, workload.peak_factor, workload.personal_data) == (
        1200,
        Decimal("2.50"),
        True,
    )


def test_xlsx_formula_cell_is_refused(org, seeded):
    data = xlsx_bytes([["external_id", "name", "kind"], ["WL-1", "=A1&B1", "chat"]])
    assert row_errors(org, data, "w.xlsx")[0][:2] == (2, "name")


def test_export_neutralises_formulas_and_reimports_unchanged(org, seeded):
    WorkloadFactory(
        organization=org, external_id="WL-1", name="+danger", owner_team="@ops", tags=["-x"]
    )
    workloads = list(Workload.objects.for_organization(org).select_related("model"))
    data = exports.workloads_csv(workloads=workloads)
    text = data.decode("utf-8-sig")
    assert "'+danger" in text and "'@ops" in text and "'-x" in text
    sheet = load_workbook(io.BytesIO(exports.workloads_xlsx(workloads=workloads)))["workloads"]
    assert sheet["B2"].value == "'+danger"
    assert sheet["B2"].data_type == "s"
    result = workloads_import_file(organization=org, filename="e.csv", data=data)
    assert (result.created, result.updated) == (0, 1)
    reimported = Workload.objects.for_organization(org).get()
    assert (reimported.name, reimported.owner_team, reimported.tags) == ("+danger", "@ops", ["-x"])


def test_templates_import_cleanly(org, seeded, l40s):
    for filename, data in (("t.csv", exports.template_csv()), ("t.xlsx", exports.template_xlsx())):
        result = workloads_import_file(organization=org, filename=filename, data=data)
        assert result.total == 2
    assert count(org) == 2


def test_staged_import_previews_then_applies(org, owner, seeded):
    upload = SimpleUploadedFile("w.csv", good_csv(), content_type="text/csv")
    staged = workload_import_stage(organization=org, user=owner, upload=upload)
    preview = workload_import_preview(workload_import=staged)
    assert (preview.rows_total, preview.to_create, preview.to_update, preview.error_total) == (
        2,
        2,
        0,
        0,
    )
    assert count(org) == 0  # the preview writes nothing
    result = workload_import_apply(workload_import=staged)
    assert result.created == 2
    staged.refresh_from_db()
    assert staged.status == WorkloadImport.Status.APPLIED
    assert bytes(staged.content) == b""
    with pytest.raises(ImportFileError, match="already applied"):
        workload_import_apply(workload_import=staged)


def test_staged_bad_file_lists_every_error_and_cannot_be_applied(org, owner, seeded):
    data = csv_bytes(HEADER, "WL-1,X,chat,,1 000,10,10,2", "WL-2,Y,chat,,100,10,10,0")
    staged = workload_import_stage(
        organization=org, user=owner, upload=SimpleUploadedFile("w.csv", data)
    )
    preview = workload_import_preview(workload_import=staged)
    assert [(e.row, e.field) for e in preview.errors] == [
        (2, "avg_input_tokens"),
        (3, "peak_factor"),
    ]
    with pytest.raises(WorkloadRowsInvalid):
        workload_import_apply(workload_import=staged)
    assert count(org) == 0
    workload_import_discard(workload_import=staged)
    staged.refresh_from_db()
    assert staged.status == WorkloadImport.Status.DISCARDED


def test_a_gpu_class_no_accelerator_matches_is_refused_at_its_row(org, seeded, h100):
    """Row 3 names 'A9000', an accelerator nobody has: the import names row and field, and
    writes nothing (row 2's 'H100 SXM' is the public part and would have been fine)."""
    data = csv_bytes(
        "external_id,name,kind,gpu_class,gpu_hours_per_month",
        "GPU-1,Upscaling,other_gpu,H100 SXM,100",
        "GPU-2,Colour grading,other_gpu,A9000,40",
    )
    [(row, field, message)] = row_errors(org, data)
    assert (row, field) == (3, "gpu_class")
    assert message.startswith("'A9000' is no accelerator this organization has")
    assert count(org) == 0
