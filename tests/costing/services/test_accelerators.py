"""Organizations' own accelerators: added sizeable, edited and deleted by their organization only,
kept while catalog offers name them; public ones are read-only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from costing.models import Catalog, GpuSpec, ServerOffer
from costing.selectors import accelerator_offers
from costing.services import catalog_import, catalog_publish, catalog_row_add, catalog_row_delete
from costing.services.accelerators import (
    AcceleratorInUse,
    accelerator_create,
    accelerator_delete,
    accelerator_update,
)
from tests.costing.catalog_data import DAY, private_draft, server_row
from tests.factories import GpuSpecFactory

FIGURES = {
    "vendor": "Acme",
    "memory_gb": Decimal("96"),
    "memory_bandwidth_tb_s": Decimal("4"),
    "bf16_dense_tflops": Decimal("800"),
}


def test_an_own_accelerator_of_any_vendor_is_added_to_its_organization(org):
    spec = accelerator_create(organization=org, spec=GpuSpec(name="Acme X1 96GB", **FIGURES))
    assert spec.organization == org
    assert list(GpuSpec.objects.for_organization(org)) == [spec]


def test_what_sizing_misses_and_a_name_clash_are_refused_together(org):
    accelerator_create(organization=org, spec=GpuSpec(name="Acme X1", **FIGURES))
    again = GpuSpec(name="ACME x1", vendor="Acme", memory_gb=Decimal("96"))
    with pytest.raises(ValidationError) as refused:
        accelerator_create(organization=org, spec=again)
    assert set(refused.value.message_dict) == {"name", "memory_bandwidth_tb_s", "bf16_dense_tflops"}
    assert "already exists" in refused.value.message_dict["name"][0]
    assert GpuSpec.objects.for_organization(org).count() == 1


def test_a_public_name_is_refused_and_another_organizations_name_is_free(org, other_org):
    GpuSpecFactory(name="NVIDIA L40S")
    accelerator_create(organization=other_org, spec=GpuSpec(name="Acme X1", **FIGURES))
    with pytest.raises(ValidationError) as refused:
        accelerator_create(organization=org, spec=GpuSpec(name="nvidia l40s", **FIGURES))
    assert list(refused.value.message_dict) == ["name"]
    mine = accelerator_create(organization=org, spec=GpuSpec(name="Acme X1", **FIGURES))
    assert mine.organization == org


def test_an_own_accelerator_is_updated_and_keeps_its_name_free_of_itself(org):
    spec = accelerator_create(organization=org, spec=GpuSpec(name="Acme X1", **FIGURES))
    spec.tdp_w = 750
    accelerator_update(organization=org, spec=spec)
    spec.refresh_from_db()
    assert spec.tdp_w == 750
    spec.memory_bandwidth_tb_s = None
    with pytest.raises(ValidationError) as refused:
        accelerator_update(organization=org, spec=spec)
    assert list(refused.value.message_dict) == ["memory_bandwidth_tb_s"]


@pytest.mark.parametrize("action", [accelerator_update, accelerator_delete])
def test_public_and_other_organizations_accelerators_are_refused(org, other_org, action):
    public = GpuSpecFactory(name="NVIDIA H100 SXM")
    theirs = GpuSpecFactory(organization=other_org, name="Their X1")
    for spec in (public, theirs):
        with pytest.raises(PermissionDenied):
            action(organization=org, spec=spec)
    assert GpuSpec.objects.public().get() == public
    assert GpuSpec.objects.for_organization(other_org).filter(pk=theirs.pk).exists()


def test_an_own_accelerator_named_by_an_offer_is_kept_until_the_offer_goes(org):
    spec = accelerator_create(organization=org, spec=GpuSpec(name="Acme X1", **FIGURES))
    catalog, _ = private_draft(org)
    offer = catalog_row_add(
        catalog=catalog,
        kind="server",
        fields={**server_row("Acme box"), "gpu_name": "Acme X1", "gpu": spec, "gpu_count": 8},
        organization=org,
    )
    with pytest.raises(AcceleratorInUse, match="1 offer"):
        accelerator_delete(organization=org, spec=spec)
    catalog_row_delete(row=offer, organization=org)
    accelerator_delete(organization=org, spec=spec)
    assert not GpuSpec.objects.for_organization(org).exists()


def test_offers_naming_an_accelerator_are_the_current_public_ones_and_the_organizations(
    org, other_org
):
    """GIVEN an H100 named by a published public catalog, a public draft, alice's draft and
    mallory's draft WHEN alice asks which offers name it THEN the published public one and her
    own, never mallory's nor an unpublished public one."""
    h100 = GpuSpecFactory(name="NVIDIA H100 SXM")
    named = {"gpu_name": "H100", "gpu": h100, "gpu_count": 8}
    published = Catalog.dangerously_unscoped.create(
        name="Public prices", version="1", currency="USD", effective_date=DAY
    )
    draft = Catalog.dangerously_unscoped.create(
        name="Public prices", version="2", currency="USD", effective_date=DAY
    )
    for catalog, system in ((published, "Public HGX"), (draft, "Unpublished HGX")):
        catalog_row_add(catalog=catalog, kind="server", fields={**server_row(system), **named})
    catalog_publish(catalog=published)
    mine, _ = private_draft(org, label="Alice ")
    theirs, _ = private_draft(other_org, name="Mallory secret prices", label="Mallory ")
    for catalog, owner, system in ((mine, org, "Alice HGX"), (theirs, other_org, "Mallory HGX")):
        catalog_row_add(
            catalog=catalog,
            kind="server",
            fields={**server_row(system), **named},
            organization=owner,
        )
    offers = accelerator_offers(organization=org, spec=h100)
    rows, count = offers["server"]
    assert sorted(row.system for row in rows) == ["Alice HGX", "Public HGX"]
    assert count == 2
    # Alice's draft also rents an "H100 SXM 80GB" instance: its name links it, as an import's.
    rows, count = offers["cloud_gpu"]
    assert ([row.instance for row in rows], count) == (["Alice p5-0"], 1)
    rows, count = accelerator_offers(organization=org, spec=h100, limit=1)["server"]
    assert (len(rows), count) == (1, 2)


def test_a_private_import_resolves_gpu_names_to_its_own_accelerators_never_anothers(org, other_org):
    """GIVEN alice's own 'Acme X1 96GB' WHEN alice and mallory each import a server naming it
    THEN alice's offer points at her accelerator and mallory's at none."""
    mine = GpuSpecFactory(organization=org, name="Acme X1 96GB", vendor="Acme", memory_gb=96)
    row = {**server_row("Acme box"), "gpu_name": "Acme X1 96GB", "gpu_count": 8}
    row = {key: str(value) for key, value in row.items()}
    offers = {}
    for organization in (org, other_org):
        draft, _ = private_draft(organization, name="Imported")
        catalog_import(catalog=draft, rows={"server": [row]}, organization=organization)
        offers[organization] = ServerOffer.objects.in_catalog(draft).get()
    assert offers[org].gpu == mine
    assert offers[other_org].gpu is None


def test_an_offer_entered_by_hand_is_linked_by_its_gpu_name_like_an_import(org, other_org):
    """Forms and the API give a GPU name, not an accelerator id: the one resolver links it to
    the organization's own part, and a name only another organization's part has links none."""
    spec = accelerator_create(organization=org, spec=GpuSpec(name="Acme X1", **FIGURES))
    accelerator_create(organization=other_org, spec=GpuSpec(name="Zeta Z9", **FIGURES))
    catalog, _ = private_draft(org)
    mine = catalog_row_add(
        catalog=catalog,
        kind="server",
        fields={**server_row("Acme box"), "gpu_name": "acme x1", "gpu_count": 8},
        organization=org,
    )
    theirs = catalog_row_add(
        catalog=catalog,
        kind="server",
        fields={**server_row("Zeta box"), "gpu_name": "Zeta Z9", "gpu_count": 8},
        organization=org,
    )

    assert mine.gpu == spec
    assert theirs.gpu is None
