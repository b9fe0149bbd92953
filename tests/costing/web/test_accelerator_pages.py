"""Accelerator pages: public and own accelerators, never another organization's; analysts add,
edit and delete their own; one that offers still name stays, with the reason on the page."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from costing.models import GpuSpec
from costing.services import catalog_row_add
from tests.costing.catalog_data import private_draft, server_row
from tests.factories import GpuSpecFactory

SIZED = {
    "name": "Acme X1 96GB",
    "vendor": "Acme",
    "memory_gb": "96",
    "memory_bandwidth_tb_s": "4.2",
    "bf16_dense_tflops": "800",
}


def _names(response) -> list[str]:
    return [gpu.name for gpu in response.context["accelerators"]]


def test_list_shows_public_and_own_with_their_figures_never_anothers(
    client_for, org, other_org, viewer
):
    GpuSpecFactory(
        name="NVIDIA B200",
        memory_gb=Decimal("180"),
        memory_bandwidth_tb_s=Decimal("7.700"),
        bf16_dense_tflops=Decimal("2250.00"),
        fp8_dense_tflops=Decimal("4500"),
        fp4_dense_tflops=Decimal("9000"),
        tdp_w=1000,
    )
    GpuSpecFactory(organization=org, name="Alice X1", vendor="Acme")
    GpuSpecFactory(organization=other_org, name="Mallory secret", vendor="Zeta")
    response = client_for(viewer).get(reverse("accelerator-list", args=[org.slug]))
    assert _names(response) == ["Alice X1", "NVIDIA B200"]
    body = response.content.decode()
    assert "Mallory secret" not in body and "Zeta" not in body
    assert '<span class="badge badge-accent">yours</span>' in body
    assert '<span class="badge">public</span>' in body
    for shown in (">180<", ">7.7<", ">2,250<", ">4,500<", ">9,000<", ">1,000<"):
        assert shown in body, shown
    assert '<option value="Acme">' in body and '<option value="Zeta">' not in body


def test_list_filters_by_vendor_origin_and_search(client_for, org, viewer):
    GpuSpecFactory(name="AMD Instinct MI300X", vendor="AMD", form_factor="OAM")
    GpuSpecFactory(name="NVIDIA H100 SXM", vendor="NVIDIA")
    GpuSpecFactory(organization=org, name="Alice X1", vendor="Acme")
    client = client_for(viewer)
    url = reverse("accelerator-list", args=[org.slug])
    assert _names(client.get(url, {"vendor": "amd"})) == ["AMD Instinct MI300X"]
    assert _names(client.get(url, {"is_public": "false"})) == ["Alice X1"]
    assert _names(client.get(url, {"q": "h100"})) == ["NVIDIA H100 SXM"]
    assert _names(client.get(url, {"q": "oam"})) == ["AMD Instinct MI300X"]
    empty = client.get(url, {"vendor": "Zeta"})
    assert "No accelerator matches these filters" in empty.content.decode()


def test_the_navigation_leads_to_the_accelerators(client_for, org, viewer):
    body = client_for(viewer).get(reverse("dashboard", args=[org.slug])).content.decode()
    assert f'href="{reverse("accelerator-list", args=[org.slug])}"' in body


def test_detail_shows_figures_with_units_sources_and_the_offers_naming_it(
    client_for, org, other_org, viewer
):
    gpu = GpuSpecFactory(
        organization=org,
        name="Alice X1",
        vendor="Acme",
        launch_year=2025,
        source_url="https://acme.example/x1 javascript:alert(1)",
    )
    for organization, label in ((org, "Alice"), (other_org, "Mallory")):
        catalog, _ = private_draft(organization, name=f"{label} prices", label=label)
        fields = {**server_row(f"{label} box"), "gpu_name": "X1", "gpu": gpu, "gpu_count": 4}
        catalog_row_add(catalog=catalog, kind="server", fields=fields, organization=organization)
    response = client_for(viewer).get(reverse("accelerator-detail", args=[org.slug, gpu.pk]))
    body = response.content.decode()
    assert "Memory (GB)" in body and "Memory bandwidth (TB/s)" in body
    assert "BF16 dense (TFLOPS)" in body and "TDP (W)" in body
    assert ">2025<" in body  # a year, not 2,025
    assert '<a href="https://acme.example/x1"' in body
    assert 'href="javascript:' not in body
    assert "Alice box" in body and "Mallory box" not in body
    assert response.context["offer_count"] == 1
    # Viewers read; only analysts and above are offered the edit and delete pages.
    assert reverse("accelerator-update", args=[org.slug, gpu.pk]) not in body


def test_another_organizations_accelerator_is_404(client_for, org, other_org, viewer):
    theirs = GpuSpecFactory(organization=other_org, name="Mallory secret")
    response = client_for(viewer).get(reverse("accelerator-detail", args=[org.slug, theirs.pk]))
    assert response.status_code == 404


def test_analyst_adds_an_own_accelerator(client_for, org, analyst):
    response = client_for(analyst).post(reverse("accelerator-create", args=[org.slug]), SIZED)
    gpu = GpuSpec.objects.for_organization(org).get(name="Acme X1 96GB")
    assert gpu.organization == org
    assert gpu.memory_bandwidth_tb_s == Decimal("4.2")
    assert response["Location"] == reverse("accelerator-detail", args=[org.slug, gpu.pk])


def test_what_sizing_needs_is_asked_for_beside_each_field(client_for, org, analyst):
    response = client_for(analyst).post(
        reverse("accelerator-create", args=[org.slug]), {"name": "Half known", "vendor": "Acme"}
    )
    body = response.content.decode()
    for name in ("memory_gb", "memory_bandwidth_tb_s", "bf16_dense_tflops"):
        assert f'id="id_{name}_error"' in body, name
    assert "needs its memory bandwidth" in body
    assert not GpuSpec.objects.for_organization(org).filter(name="Half known").exists()


def test_a_public_name_is_refused_beside_the_name(client_for, org, analyst):
    GpuSpecFactory(name="NVIDIA L40S")
    response = client_for(analyst).post(
        reverse("accelerator-create", args=[org.slug]), {**SIZED, "name": "nvidia L40S"}
    )
    body = response.content.decode()
    assert 'id="id_name_error"' in body
    assert "public accelerator" in body
    assert not GpuSpec.objects.for_organization(org).filter(organization=org).exists()


def test_viewer_cannot_add_an_accelerator(client_for, org, viewer):
    url = reverse("accelerator-create", args=[org.slug])
    assert client_for(viewer).get(url).status_code == 403
    assert client_for(viewer).post(url, SIZED).status_code == 403
    assert not GpuSpec.objects.for_organization(org).exists()


def test_analyst_edits_an_own_accelerator(client_for, org, analyst):
    gpu = GpuSpecFactory(organization=org, name="Alice X1", vendor="Acme")
    url = reverse("accelerator-update", args=[org.slug, gpu.pk])
    assert 'value="Alice X1"' in client_for(analyst).get(url).content.decode()
    response = client_for(analyst).post(url, {**SIZED, "name": "Alice X1", "tdp_w": "650"})
    assert response.status_code == 302
    gpu.refresh_from_db()
    assert gpu.tdp_w == 650


def test_public_accelerators_cannot_be_edited_or_deleted(client_for, org, owner):
    public = GpuSpecFactory(name="NVIDIA H100 SXM")
    client = client_for(owner)
    for name in ("accelerator-update", "accelerator-delete"):
        url = reverse(name, args=[org.slug, public.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {**SIZED, "name": "Renamed"}).status_code == 403
    public.refresh_from_db()
    assert public.name == "NVIDIA H100 SXM"


def test_an_accelerator_offers_name_is_kept_with_the_reason(client_for, org, analyst):
    gpu = GpuSpecFactory(organization=org, name="Alice X1", vendor="Acme")
    catalog, _ = private_draft(org)
    fields = {**server_row("Acme box"), "gpu_name": "X1", "gpu": gpu, "gpu_count": 4}
    catalog_row_add(catalog=catalog, kind="server", fields=fields, organization=org)
    url = reverse("accelerator-delete", args=[org.slug, gpu.pk])
    response = client_for(analyst).post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accelerator-detail", args=[org.slug, gpu.pk])
    assert "1 offer(s) use this accelerator" in response.content.decode()
    assert GpuSpec.objects.for_organization(org).filter(pk=gpu.pk).exists()


def test_analyst_deletes_an_unused_own_accelerator(client_for, org, analyst):
    gpu = GpuSpecFactory(organization=org, name="Alice X1", vendor="Acme")
    response = client_for(analyst).post(reverse("accelerator-delete", args=[org.slug, gpu.pk]))
    assert response["Location"] == reverse("accelerator-list", args=[org.slug])
    assert not GpuSpec.objects.for_organization(org).filter(pk=gpu.pk).exists()


def test_list_query_count_does_not_grow(client_for, org, viewer, django_assert_max_num_queries):
    client = client_for(viewer)
    url = reverse("accelerator-list", args=[org.slug])
    for total in (2, 50):
        while GpuSpec.objects.for_organization(org).count() < total:
            GpuSpecFactory(organization=org)
        with django_assert_max_num_queries(7):
            response = client.get(url)
        assert len(response.context["accelerators"]) == total
