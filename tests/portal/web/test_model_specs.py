"""Model pages: public and own models, never another organization's; analysts add models."""

from __future__ import annotations

from django.urls import reverse

from portal.models import ModelSpec
from tests.factories import ModelSpecFactory, WorkloadFactory


def _names(response) -> list[str]:
    return [spec.name for spec in response.context["specs"]]


def test_list_shows_public_and_own_with_badges_not_another_organizations(
    client_for, org, other_org, viewer
):
    ModelSpecFactory(name="Public open", open_weights=True)
    ModelSpecFactory(name="Public closed", open_weights=False, params_b=None)
    ModelSpecFactory(organization=org, name="Alice tuned")
    ModelSpecFactory(organization=other_org, name="Mallory secret")
    response = client_for(viewer).get(reverse("model-list", args=[org.slug]))
    assert _names(response) == ["Alice tuned", "Public closed", "Public open"]
    body = response.content.decode()
    assert "Mallory secret" not in body
    assert '<span class="badge badge-accent">yours</span>' in body
    assert '<span class="badge">public</span>' in body
    assert "closed API" in body and "open weights" in body


def test_list_filters(client_for, org, viewer):
    ModelSpecFactory(name="Public open", provider="Meta")
    ModelSpecFactory(name="Public closed", open_weights=False, params_b=None)
    ModelSpecFactory(organization=org, name="Alice tuned")
    client = client_for(viewer)
    url = reverse("model-list", args=[org.slug])
    assert _names(client.get(url, {"origin": "yours"})) == ["Alice tuned"]
    assert _names(client.get(url, {"weights": "closed"})) == ["Public closed"]
    assert _names(client.get(url, {"q": "meta"})) == ["Public open"]


def test_source_links_are_web_addresses_only(client_for, org, viewer):
    spec = ModelSpecFactory(
        organization=org, source_url="https://example.org/card javascript:alert(1)"
    )
    body = client_for(viewer).get(reverse("model-detail", args=[org.slug, spec.pk])).content
    body = body.decode()
    assert '<a href="https://example.org/card"' in body
    assert 'href="javascript:' not in body
    listing = client_for(viewer).get(reverse("model-list", args=[org.slug])).content.decode()
    assert 'href="javascript:' not in listing


def test_detail_shows_architecture_and_its_workloads(client_for, org, other_org, viewer):
    spec = ModelSpecFactory(name="Llama test", layers=80, kv_heads=8)
    WorkloadFactory(organization=org, model=spec)
    WorkloadFactory(organization=other_org, model=spec)
    response = client_for(viewer).get(reverse("model-detail", args=[org.slug, spec.pk]))
    assert response.context["workload_count"] == 1
    body = response.content.decode()
    assert "KV heads" in body
    assert f"?model={spec.pk}" in body


def test_another_organizations_model_is_404(client_for, org, other_org, viewer):
    theirs = ModelSpecFactory(organization=other_org, name="Mallory secret")
    response = client_for(viewer).get(reverse("model-detail", args=[org.slug, theirs.pk]))
    assert response.status_code == 404


def test_analyst_adds_an_own_model(client_for, org, analyst):
    response = client_for(analyst).post(
        reverse("model-create", args=[org.slug]),
        {"name": "Alice tuned 8B", "open_weights": "on", "params_b": "8", "layers": "32",
         "kv_heads": "8", "head_dim": "128"},
    )  # fmt: skip
    spec = ModelSpec.objects.for_organization(org).get(name="Alice tuned 8B")
    assert spec.organization == org
    assert response["Location"] == reverse("model-detail", args=[org.slug, spec.pk])


def test_a_name_already_visible_is_refused_beside_the_name(client_for, org, analyst):
    ModelSpecFactory(name="Llama test")
    response = client_for(analyst).post(
        reverse("model-create", args=[org.slug]), {"name": "llama TEST", "params_b": "8"}
    )
    body = response.content.decode()
    assert 'id="id_name_error"' in body
    assert "already exists" in body


def test_an_open_model_without_its_attention_geometry_is_refused_beside_the_fields(
    client_for, org, analyst
):
    response = client_for(analyst).post(
        reverse("model-create", args=[org.slug]),
        {"name": "Half known", "open_weights": "on", "params_b": "8", "layers": "32"},
    )
    body = response.content.decode()
    assert 'id="id_kv_heads_error"' in body and 'id="id_head_dim_error"' in body
    assert "or the MLA latent rank" in body
    assert not ModelSpec.objects.for_organization(org).filter(name="Half known").exists()


def test_viewer_cannot_add_a_model(client_for, org, viewer):
    response = client_for(viewer).post(
        reverse("model-create", args=[org.slug]), {"name": "Nope", "params_b": "8"}
    )
    assert response.status_code == 403
    assert not ModelSpec.objects.for_organization(org).filter(name="Nope").exists()


def test_model_list_query_count_does_not_grow(
    client_for, org, viewer, django_assert_max_num_queries
):
    client = client_for(viewer)
    url = reverse("model-list", args=[org.slug])
    for total in (2, 50):
        while ModelSpec.objects.for_organization(org).count() < total:
            ModelSpecFactory(organization=org)
        with django_assert_max_num_queries(6):
            response = client.get(url)
        assert len(response.context["specs"]) == total
