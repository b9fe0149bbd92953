"""Workload detail, create, edit and delete, with errors beside their fields."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from portal.models import Workload
from tests.factories import ModelSpecFactory, WorkloadFactory

VALID = {
    "external_id": "CMDB-0042",
    "name": "Newsroom assistant",
    "owner_team": "Digital desk",
    "kind": "chat",
    "model": "",
    "precision": "bf16",
    "avg_input_tokens": "1200",
    "avg_output_tokens": "300",
    "requests_per_day": "5000",
    "peak_factor": "3.5",
    "growth_pct_per_year": "20",
    "fine_tuning_method": "",
    "data_classification": "confidential",
    "personal_data": "on",
    "sector_regulation": "none",
    "residency_requirement": "eu_eea",
    "tags": "newsroom; eu ;assistant; eu",
    "notes": "",
}


def _scoped(org):
    return Workload.objects.for_organization(org)


def _error_of(body: str, field: str) -> str:
    match = re.search(rf'<div class="field-error" id="id_{field}_error">(.*?)</div>', body, re.S)
    assert match, f"no error beside {field}"
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip()


def test_create_saves_the_workload_in_this_organization(client_for, org, analyst):
    spec = ModelSpecFactory(name="Llama test", open_weights=True)
    response = client_for(analyst).post(
        reverse("workload-create", args=[org.slug]), {**VALID, "model": spec.pk}
    )
    workload = _scoped(org).get(external_id="CMDB-0042")
    assert response["Location"] == reverse("workload-detail", args=[org.slug, workload.pk])
    assert workload.name == "Newsroom assistant"
    assert workload.model == spec
    assert workload.tags == ["newsroom", "eu", "assistant"]
    assert workload.personal_data is True
    assert workload.requests_per_day == 5000
    assert str(workload.peak_factor) == "3.50"


def test_errors_show_beside_their_fields(client_for, org, analyst):
    data = {
        **VALID,
        "name": "",
        "peak_factor": "0.5",
        "personal_data": "",
        "special_category_data": "on",
        "tags": "ok; =SUM(A1)",
    }
    response = client_for(analyst).post(reverse("workload-create", args=[org.slug]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "required" in _error_of(body, "name")
    assert "greater than or equal to 1" in _error_of(body, "peak_factor")
    assert "tick personal data as well" in _error_of(body, "personal_data")
    assert "formula" in _error_of(body, "tags")
    assert 'aria-invalid="true"' in body
    assert 'value="ok; =SUM(A1)"' in body  # the user's input comes back as typed
    assert not _scoped(org).exists()


def test_token_workload_needs_input_tokens(client_for, org, analyst):
    data = {**VALID, "avg_input_tokens": "0"}
    body = client_for(analyst).post(reverse("workload-create", args=[org.slug]), data)
    assert "average input tokens" in _error_of(body.content.decode(), "avg_input_tokens")


def test_external_id_must_be_unique_within_the_organization(client_for, org, other_org, analyst):
    WorkloadFactory(organization=org, external_id="CMDB-0042")
    WorkloadFactory(organization=other_org, external_id="CMDB-0043")
    client = client_for(analyst)
    body = client.post(reverse("workload-create", args=[org.slug]), VALID).content.decode()
    assert "already has this external ID" in _error_of(body, "external_id")
    # Another organization's external IDs are no obstacle.
    spec = ModelSpecFactory(name="Llama test", open_weights=True)
    response = client.post(
        reverse("workload-create", args=[org.slug]),
        {**VALID, "external_id": "CMDB-0043", "model": spec.pk},
    )
    assert response.status_code == 302


def test_model_choices_are_public_and_own_grouped_by_how_they_run(
    client_for, org, other_org, analyst
):
    ModelSpecFactory(name="Open public", open_weights=True)
    ModelSpecFactory(name="Closed public", open_weights=False, params_b=None)
    ModelSpecFactory(organization=org, name="Alice tuned", open_weights=True)
    ModelSpecFactory(organization=other_org, name="Mallory secret")
    response = client_for(analyst).get(reverse("workload-create", args=[org.slug]))
    choices = response.context["form"].fields["model"].choices
    assert choices[0][0] == ""
    groups = {label: [name for _, name in options] for label, options in choices[1:]}
    assert groups == {
        "Open weights (self-hostable)": ["Alice tuned (yours)", "Open public"],
        "Closed models (API only)": ["Closed public"],
    }
    body = response.content.decode()
    assert '<optgroup label="Open weights (self-hostable)">' in body
    assert "Mallory secret" not in body


def test_another_organizations_model_is_refused(client_for, org, other_org, analyst):
    theirs = ModelSpecFactory(organization=other_org, name="Mallory secret")
    response = client_for(analyst).post(
        reverse("workload-create", args=[org.slug]), {**VALID, "model": theirs.pk}
    )
    assert "valid choice" in _error_of(response.content.decode(), "model")
    assert not _scoped(org).exists()


def test_edit_changes_the_workload_and_shows_tags_as_text(client_for, org, analyst):
    workload = WorkloadFactory(organization=org, external_id="CMDB-0042", tags=["a", "b"])
    client = client_for(analyst)
    url = reverse("workload-update", args=[org.slug, workload.pk])
    assert 'value="a; b"' in client.get(url).content.decode()
    spec = ModelSpecFactory(name="Llama test", open_weights=True)
    response = client.post(url, {**VALID, "requests_per_day": "7777", "tags": "", "model": spec.pk})
    assert response.status_code == 302
    workload.refresh_from_db()
    assert workload.requests_per_day == 7777
    assert workload.tags == []


def test_detail_shows_every_field_with_unit_help_and_tokens_per_day(client_for, org, viewer):
    workload = WorkloadFactory(
        organization=org,
        requests_per_day=1000,
        avg_input_tokens=1500,
        avg_output_tokens=300,
        ttft_target_ms=800,
        tags=["voice"],
    )
    response = client_for(viewer).get(reverse("workload-detail", args=[org.slug, workload.pk]))
    body = response.content.decode()
    assert "1,800,000" in body  # tokens per day
    assert "Time to first token target (ms)" in body
    assert "Latency target for the first token, in milliseconds" in body
    assert "Requests per day" in body
    assert "?tag=voice" in body
    labels = [row["name"] for _, rows in response.context["sections"] for row in rows]
    editable = [
        f.name
        for f in Workload._meta.get_fields()
        if getattr(f, "editable", False)
        and f.name not in ("id", "organization")
        and not f.auto_created
    ]
    assert sorted(labels) == sorted(editable)


def test_delete_asks_then_deletes(client_for, org, analyst):
    workload = WorkloadFactory(organization=org, name="Old pilot")
    client = client_for(analyst)
    url = reverse("workload-delete", args=[org.slug, workload.pk])
    assert "Delete “Old pilot”?" in client.get(url).content.decode()
    assert _scoped(org).filter(pk=workload.pk).exists()
    response = client.post(url)
    assert response["Location"] == reverse("workload-list", args=[org.slug])
    assert not _scoped(org).filter(pk=workload.pk).exists()


@pytest.mark.parametrize("name", ["workload-update", "workload-delete"])
def test_viewer_cannot_write(client_for, org, viewer, name):
    workload = WorkloadFactory(organization=org, name="Keep me")
    response = client_for(viewer).post(reverse(name, args=[org.slug, workload.pk]), VALID)
    assert response.status_code == 403
    workload.refresh_from_db()
    assert workload.name == "Keep me"


@pytest.mark.parametrize("name", ["workload-detail", "workload-update", "workload-delete"])
def test_another_organizations_workload_is_404_even_to_its_analyst(
    client_for, org, other_org, analyst, name
):
    theirs = WorkloadFactory(organization=other_org)
    client = client_for(analyst)
    assert client.get(reverse(name, args=[org.slug, theirs.pk])).status_code == 404
    if name != "workload-detail":  # the detail page takes no POST (405)
        assert client.post(reverse(name, args=[org.slug, theirs.pk]), VALID).status_code == 404
    assert Workload.objects.for_organization(other_org).filter(pk=theirs.pk).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("peak_factor", "101", "less than or equal to 100."),
        ("avg_input_tokens", "10000001", "less than or equal to 10000000."),
    ],
)
def test_a_number_beyond_its_documented_range_shows_beside_it(
    client_for, org, analyst, field, value, message
):
    response = client_for(analyst).post(
        reverse("workload-create", args=[org.slug]), {**VALID, field: value}
    )
    assert response.status_code == 200
    assert _error_of(response.content.decode(), field).endswith(message)
    assert not _scoped(org).exists()


def test_a_million_gpus_busy_all_month_can_be_entered(client_for, org, analyst, h100):
    form = {
        **VALID,
        "kind": "other_gpu",
        "gpu_class": "H100 SXM",
        "avg_input_tokens": "0",
        "requests_per_day": "0",
        "gpu_hours_per_month": "744000000",
        "peak_gpus": "1000000",
    }
    response = client_for(analyst).post(reverse("workload-create", args=[org.slug]), form)
    assert response.status_code == 302
    assert _scoped(org).get().gpu_hours_per_month == 744_000_000


def test_a_workload_that_cannot_be_sized_is_refused_naming_what_it_lacks(client_for, org, analyst):
    """GIVEN speech work with neither GPU-hours nor a GPU class, and a chat with no model
    WHEN each is saved THEN the form names each missing field beside it and stores nothing."""
    gpu_work = {**VALID, "kind": "speech", "external_id": "SPEECH-1"}
    body = (
        client_for(analyst)
        .post(reverse("workload-create", args=[org.slug]), gpu_work)
        .content.decode()
    )
    assert "sized in GPU-hours a month" in _error_of(body, "gpu_hours_per_month")
    assert "GPU class" in _error_of(body, "gpu_class")
    body = (
        client_for(analyst)
        .post(reverse("workload-create", args=[org.slug]), {**VALID, "model": ""})
        .content.decode()
    )
    assert "sized from its model" in _error_of(body, "model")
    assert not _scoped(org).exists()


def test_each_field_says_which_kinds_of_work_it_applies_to(client_for, org, analyst):
    body = client_for(analyst).get(reverse("workload-create", args=[org.slug])).content.decode()
    assert re.search(r'data-kinds="batch chat embeddings">\s*<div class="field[^"]*">\s*'
                     r'<label for="id_avg_input_tokens"', body)  # fmt: skip
    assert re.search(r'data-kinds="image_video other_gpu speech">\s*<div class="field[^"]*">\s*'
                     r'<label for="id_gpu_hours_per_month"', body)  # fmt: skip
    assert 'data-kinds="speech"' in body  # audio minutes, which an API bills speech by
