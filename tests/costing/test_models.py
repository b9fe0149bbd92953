"""Catalog models: prices are positive or NULL, rows cite a source, tenant rows fail closed,
published versions never change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError
from django.urls import reverse

from costing.models import (
    ApiOffer,
    Catalog,
    CatalogParameter,
    CloudGpuOffer,
    FxRate,
    GpuSpec,
    Provider,
    ReferenceFigure,
    ServerOffer,
)
from costing.services import (
    CatalogImmutable,
    catalog_publish,
    catalog_row_add,
    catalog_row_delete,
    catalog_row_update,
    catalog_version_create,
    private_catalog_create,
    public_catalog_load,
)
from portal.models.tenancy import UnscopedQueryError
from portal.services.organization_data import organization_purge
from tests.factories import GpuSpecFactory

SOURCE = {"currency": "USD", "source_url": "https://example.org/prices"}


@pytest.fixture
def provider(db):
    return Provider.dangerously_unscoped.create(name="Example Cloud")


@pytest.fixture
def public_draft(db):
    return Catalog.dangerously_unscoped.create(
        name="Public", version="1", currency="USD", effective_date=date(2026, 1, 1)
    )


def cloud(catalog, provider, **prices):
    return CloudGpuOffer(
        catalog=catalog,
        provider=provider,
        instance="gpu-1",
        gpu_name="H100 SXM 80GB",
        gpu_count=1,
        **SOURCE,
        **prices,
    )


def insert(row):
    with transaction.atomic():
        type(row).dangerously_unscoped.bulk_create([row])


@pytest.mark.parametrize("price", [Decimal("0"), Decimal("-1.5")])
@pytest.mark.parametrize(
    "field", ["on_demand_per_hour", "reserved_1y_per_hour", "reserved_3y_per_hour", "spot_per_hour"]
)
def test_the_database_refuses_zero_or_negative_cloud_prices(public_draft, provider, field, price):
    with pytest.raises(IntegrityError, match=f"cloudgpuoffer_{field}_gt_0"):
        insert(cloud(public_draft, provider, **{field: price}))


@pytest.mark.parametrize("field", ["input_price", "output_price", "cached_input_price"])
def test_the_database_refuses_a_zero_api_price(public_draft, provider, field):
    row = ApiOffer(catalog=public_draft, provider=provider, model_name="m", **SOURCE, **{field: 0})
    with pytest.raises(IntegrityError, match=f"apioffer_{field}_gt_0"):
        insert(row)


def test_the_database_refuses_a_zero_server_price(public_draft):
    row = ServerOffer(catalog=public_draft, system="s", price=0, price_kind="list", **SOURCE)
    with pytest.raises(IntegrityError, match="serveroffer_price_gt_0"):
        insert(row)


def test_a_missing_price_is_null_and_named_missing(public_draft, provider):
    insert(cloud(public_draft, provider, on_demand_per_hour=Decimal("2.5"), egress_per_gb=0))
    row = CloudGpuOffer.objects.in_catalog(public_draft).get()
    assert row.on_demand_per_hour == Decimal("2.5") and row.spot_per_hour is None
    assert row.missing_prices == ["reserved_1y_per_hour", "reserved_3y_per_hour", "spot_per_hour"]
    assert row.egress_per_gb == 0  # free egress is a price of 0, allowed


def test_negative_egress_is_refused(public_draft, provider):
    with pytest.raises(IntegrityError, match="egress_per_gb_gte_0"):
        insert(cloud(public_draft, provider, egress_per_gb=Decimal("-0.01")))


def test_a_price_needs_a_currency(public_draft, provider):
    row = cloud(public_draft, provider, on_demand_per_hour=Decimal("1"))
    row.currency = ""
    with pytest.raises(IntegrityError, match="currency_with_money"):
        insert(row)


def test_a_row_needs_a_source_or_a_note(public_draft, provider):
    row = cloud(public_draft, provider, on_demand_per_hour=Decimal("1"))
    row.source_url = ""
    with pytest.raises(IntegrityError, match="has_source_or_note"):
        insert(row)
    row.notes = "Quoted by our account manager on 2026-10-01"
    insert(row)


def test_fx_rates_are_unique_per_pair_date_and_source(db):
    fields = {"base": "EUR", "quote": "USD", "date": date(2025, 2, 28), "source_url": "https://a"}
    FxRate.objects.create(rate=Decimal("1.0411"), **fields)
    FxRate.objects.create(rate=Decimal("1.0415"), **{**fields, "source_url": "https://b"})
    with pytest.raises(IntegrityError), transaction.atomic():
        FxRate.objects.create(rate=Decimal("1.05"), **fields)


@pytest.mark.parametrize(
    "model",
    [
        Catalog,
        Provider,
        CloudGpuOffer,
        ApiOffer,
        ServerOffer,
        ReferenceFigure,
        CatalogParameter,
        GpuSpec,
    ],
)
def test_unscoped_queries_on_catalog_models_raise(db, model):
    with pytest.raises(UnscopedQueryError):
        list(model.objects.all())
    with pytest.raises(UnscopedQueryError):
        model.objects.filter(pk=1).exists()
    with pytest.raises(UnscopedQueryError):
        model.objects.for_organization(None)


def test_catalog_rows_cannot_be_created_by_organization(org):
    with pytest.raises(TypeError):
        CloudGpuOffer.objects.create_in(org, instance="x")


# Published versions never change.


def test_a_published_catalog_refuses_new_changed_and_deleted_rows(public_draft, provider):
    row = catalog_row_add(
        catalog=public_draft,
        kind="cloud_gpu",
        fields={
            **SOURCE,
            "provider": provider,
            "instance": "a",
            "gpu_name": "H100",
            "gpu_count": 1,
        },
    )
    catalog_publish(catalog=public_draft)
    with pytest.raises(CatalogImmutable):
        catalog_row_add(
            catalog=public_draft,
            kind="server",
            fields={**SOURCE, "system": "s", "price": 1, "price_kind": "list"},
        )
    with pytest.raises(CatalogImmutable):
        catalog_row_update(row=row, fields={"on_demand_per_hour": Decimal("9")})
    with pytest.raises(CatalogImmutable):
        catalog_row_delete(row=row)
    with pytest.raises(CatalogImmutable):
        catalog_publish(catalog=public_draft)
    assert CloudGpuOffer.objects.in_catalog(public_draft).get().on_demand_per_hour is None


def test_changing_a_price_means_a_new_version_and_the_old_one_stays(public_draft, provider):
    fields = {**SOURCE, "provider": provider, "instance": "a", "gpu_name": "H100", "gpu_count": 1}
    catalog_row_add(
        catalog=public_draft,
        kind="cloud_gpu",
        fields={**fields, "on_demand_per_hour": Decimal("3.00")},
    )
    catalog_publish(catalog=public_draft)
    new = catalog_version_create(catalog=public_draft, version="2")
    assert (new.status, new.based_on, new.name) == ("draft", public_draft, "Public")
    row = CloudGpuOffer.objects.in_catalog(new).get()
    catalog_row_update(row=row, fields={"on_demand_per_hour": Decimal("2.50")})
    catalog_publish(catalog=new)
    assert CloudGpuOffer.objects.in_catalog(public_draft).get().on_demand_per_hour == Decimal("3")
    assert CloudGpuOffer.objects.in_catalog(new).get().on_demand_per_hour == Decimal("2.5")
    with pytest.raises(ValidationError):
        catalog_version_create(catalog=public_draft, version="2")


def test_the_service_validates_prices_before_the_database_does(public_draft, provider):
    with pytest.raises(ValidationError):
        catalog_row_add(
            catalog=public_draft,
            kind="api",
            fields={**SOURCE, "provider": provider, "model_name": "m", "input_price": 0},
        )


# Private catalogs belong to one organization.


def test_a_private_catalog_is_a_draft_of_its_organization(org):
    catalog = private_catalog_create(
        organization=org,
        name="Negotiated",
        version="2026-Q4",
        currency="EUR",
        effective_date=date(2026, 10, 1),
    )
    assert (catalog.organization, catalog.status) == (org, "draft")
    with pytest.raises(ValidationError):
        private_catalog_create(
            organization=org,
            name="Negotiated",
            version="2026-Q4",
            currency="EUR",
            effective_date=date(2026, 10, 1),
        )


def test_another_organization_cannot_write_into_a_private_catalog(org, other_org, provider):
    catalog = private_catalog_create(
        organization=org, name="N", version="1", currency="EUR", effective_date=date(2026, 1, 1)
    )
    fields = {**SOURCE, "system": "s", "price": 10, "price_kind": "street"}
    with pytest.raises(PermissionDenied):
        catalog_row_add(catalog=catalog, kind="server", fields=fields, organization=other_org)
    with pytest.raises(PermissionDenied):
        catalog_row_add(catalog=catalog, kind="server", fields=fields)  # not a public catalog
    with pytest.raises(PermissionDenied):
        catalog_publish(catalog=catalog, organization=other_org)
    row = catalog_row_add(catalog=catalog, kind="server", fields=fields, organization=org)
    with pytest.raises(PermissionDenied):
        catalog_row_delete(row=row, organization=other_org)


def test_a_private_offer_cannot_name_another_organizations_provider(org, other_org):
    theirs = Provider.dangerously_unscoped.create(organization=other_org, name="Their integrator")
    catalog = private_catalog_create(
        organization=org, name="N", version="1", currency="EUR", effective_date=date(2026, 1, 1)
    )
    fields = {**SOURCE, "provider": theirs, "instance": "a", "gpu_name": "H100", "gpu_count": 1}
    with pytest.raises(ValidationError, match="another organization"):
        catalog_row_add(catalog=catalog, kind="cloud_gpu", fields=fields, organization=org)


# The admin: every model opens for staff; a published version's rows are read-only.

ADMIN_MODELS = [
    "provider",
    "catalog",
    "cloudgpuoffer",
    "apioffer",
    "serveroffer",
    "catalogparameter",
    "referencefigure",
    "gpuspec",
    "fxrate",
]


@pytest.fixture
def staff_client(client, django_user_model):
    public_catalog_load()
    user = django_user_model.objects.create_superuser("root", "root@example.org", "pw-admin-1")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model_name", ADMIN_MODELS)
def test_every_catalog_admin_page_opens(staff_client, model_name):
    response = staff_client.get(reverse(f"admin:costing_{model_name}_changelist"))
    assert response.status_code == 200
    first = response.context["cl"].result_list[0]
    response = staff_client.get(reverse(f"admin:costing_{model_name}_change", args=[first.pk]))
    assert response.status_code == 200


def test_published_rows_are_read_only_in_the_admin(staff_client):
    offer = CloudGpuOffer.dangerously_unscoped.first()
    url = reverse("admin:costing_cloudgpuoffer_change", args=[offer.pk])
    page = staff_client.get(url)
    assert page.context["has_change_permission"] is False
    response = staff_client.post(url, {"instance": "changed"})
    assert response.status_code == 403
    offer.refresh_from_db()
    assert offer.instance != "changed"
    catalog = Catalog.dangerously_unscoped.get()
    delete = reverse("admin:costing_catalog_delete", args=[catalog.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403


def test_deleting_an_organization_takes_its_catalogs_and_providers_with_it(org, other_org):
    own = Provider.dangerously_unscoped.create(organization=org, name="Local integrator")
    catalog = private_catalog_create(
        organization=org, name="N", version="1", currency="EUR", effective_date=date(2026, 1, 1)
    )
    fields = {**SOURCE, "provider": own, "instance": "a", "gpu_name": "H100", "gpu_count": 1}
    catalog_row_add(catalog=catalog, kind="cloud_gpu", fields=fields, organization=org)
    catalog_publish(catalog=catalog, organization=org)
    organization_purge(organization=org)  # the one path past the audit log's refusal to delete
    assert not Catalog.dangerously_unscoped.exists()
    assert not CloudGpuOffer.dangerously_unscoped.exists()
    assert not Provider.dangerously_unscoped.exists()


def test_a_provider_or_gpu_cited_by_an_offer_cannot_be_deleted(public_draft, provider):
    spec = GpuSpecFactory(name="NVIDIA H100 SXM")
    insert(cloud(public_draft, provider, on_demand_per_hour=Decimal("2"), gpu=spec))
    with pytest.raises(RestrictedError):
        provider.delete()
    with pytest.raises(RestrictedError):
        spec.delete()


def test_a_currency_is_an_iso_code(org):
    with pytest.raises(ValidationError, match="ISO 4217"):
        private_catalog_create(
            organization=org, name="N", version="1", currency="eur", effective_date=date(2026, 1, 1)
        )


# Accelerators: public rows seeded, an organization's own entered and refused unless sizeable.


def _own_accelerator(organization, **fields) -> GpuSpec:
    values = {
        "name": "Acme X1 96GB",
        "vendor": "Acme",
        "memory_gb": Decimal("96"),
        "memory_bandwidth_tb_s": Decimal("4"),
        "bf16_dense_tflops": Decimal("800"),
    }
    return GpuSpec(organization=organization, **{**values, **fields})


@pytest.mark.parametrize("missing", ["memory_gb", "memory_bandwidth_tb_s", "bf16_dense_tflops"])
def test_an_own_accelerator_that_cannot_be_sized_is_refused_naming_the_field(org, missing):
    spec = _own_accelerator(org, **{missing: None})
    with pytest.raises(ValidationError) as refused:
        spec.full_clean(exclude=["organization"])
    assert list(refused.value.message_dict) == [missing]
    assert "needs its" in refused.value.message_dict[missing][0]


def test_every_missing_sizing_figure_is_named_at_once(org):
    spec = GpuSpec(organization=org, name="Bare", vendor="Acme")
    with pytest.raises(ValidationError) as refused:
        spec.full_clean(exclude=["organization"])
    assert set(refused.value.message_dict) == {
        "memory_gb",
        "memory_bandwidth_tb_s",
        "bf16_dense_tflops",
    }


def test_a_public_accelerators_name_is_refused_for_an_own_one_whatever_the_case(org):
    GpuSpecFactory(name="NVIDIA H100 SXM")
    with pytest.raises(ValidationError) as refused:
        _own_accelerator(org, name="nvidia h100 sxm ").full_clean(exclude=["organization"])
    assert list(refused.value.message_dict) == ["name"]
    assert "public accelerator" in refused.value.message_dict["name"][0]


def test_a_public_accelerator_keeps_the_gaps_its_sources_leave(db):
    """The seeded H100 NVL has no published dense BF16 figure: left empty, never refused."""
    spec = GpuSpec(name="NVIDIA H100 NVL", vendor="NVIDIA", memory_gb=Decimal("94"))
    spec.full_clean()


def test_figures_at_or_below_zero_are_refused_beside_their_field(org):
    spec = _own_accelerator(org, tdp_w=0, fp8_dense_tflops=Decimal("-1"))
    with pytest.raises(ValidationError) as refused:
        spec.full_clean(exclude=["organization"])
    assert set(refused.value.message_dict) == {"tdp_w", "fp8_dense_tflops"}


def test_accelerators_show_public_and_own_but_never_anothers(org, other_org):
    public = GpuSpecFactory(name="Public one")
    own = GpuSpecFactory(organization=org, name="Own one")
    theirs = GpuSpecFactory(organization=other_org, name="Their one")
    assert set(GpuSpec.objects.for_organization(org)) == {public, own}
    assert list(GpuSpec.objects.public()) == [public]
    assert theirs.organization == other_org


def test_a_name_is_unique_among_public_rows_and_within_each_organization(org, other_org):
    GpuSpecFactory(name="Shared name")
    GpuSpecFactory(organization=org, name="Own name")
    GpuSpecFactory(organization=other_org, name="Own name")  # another owner: allowed
    for organization in (None, org):
        name = "Own name" if organization else "Shared name"
        with pytest.raises(IntegrityError), transaction.atomic():
            GpuSpecFactory(organization=organization, name=name)
