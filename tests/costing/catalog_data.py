"""Catalogs for the API, page and scenario tests: a public one, alice's drafts and versions,
mallory's, and RunPod L40S pods to add to any of them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from costing.models import Catalog, FxRate, GpuSpec, Provider
from costing.services import catalog_publish, catalog_row_add, private_catalog_create
from tests.factories import GpuSpecFactory

DAY = date(2026, 1, 1)
SOURCE = {"currency": "USD", "source_url": "https://example.org/prices", "date": DAY}


def provider(name: str = "AWS") -> Provider:
    return Provider.dangerously_unscoped.get_or_create(name=name)[0]


def cloud_row(aws, price="98.32", *, instance="p5.48xlarge", **extra) -> dict:
    return {
        **SOURCE,
        "provider": aws,
        "instance": instance,
        "region": "us-east-1",
        "gpu_name": "H100 SXM 80GB",
        "gpu_count": 8,
        "on_demand_per_hour": Decimal(price),
        "source_kind": "primary",
        **extra,
    }


def api_row(aws, model="Claude Sonnet 4", price="3") -> dict:
    return {**SOURCE, "provider": aws, "model_name": model, "input_price": Decimal(price)}


def server_row(system="DGX H100", price="300000") -> dict:
    return {**SOURCE, "system": system, "price": Decimal(price), "price_kind": "list"}


def fill(catalog, organization=None, *, label="", cloud=1):
    aws = provider()
    rows = {"api": api_row(aws, f"{label}Model"), "server": server_row(f"{label}DGX")}
    added = {
        kind: catalog_row_add(catalog=catalog, kind=kind, fields=fields, organization=organization)
        for kind, fields in rows.items()
    }
    for number in range(cloud):
        added["cloud_gpu"] = catalog_row_add(
            catalog=catalog,
            kind="cloud_gpu",
            fields=cloud_row(aws, instance=f"{label}p5-{number}"),
            organization=organization,
        )
    return added


def public_catalog(*, version="2026-01") -> Catalog:
    catalog = Catalog.dangerously_unscoped.create(
        name="Public prices", version=version, currency="USD", effective_date=DAY
    )
    fill(catalog, label="Public ")
    return catalog_publish(catalog=catalog)


def private_draft(organization, *, name="Negotiated", version="1", label="", cloud=1):
    catalog = private_catalog_create(
        organization=organization, name=name, version=version, currency="USD", effective_date=DAY
    )
    rows = fill(catalog, organization, label=label, cloud=cloud)
    return catalog, rows


def private_published(organization, *, name="Negotiated", version="0", label=""):
    catalog, rows = private_draft(organization, name=name, version=version, label=label)
    return catalog_publish(catalog=catalog, organization=organization), rows


def eur_usd_rate(rate="1.0889", day="2025-03-14") -> FxRate:
    return FxRate.objects.create(
        base="EUR",
        quote="USD",
        rate=Decimal(rate),
        date=date.fromisoformat(day),
        source_url="https://ecb.example/eurofxref",
    )


def world_catalogs(org, other_org) -> dict:
    """Objects the access matrices name: alice's draft and its offers, a public catalog, a
    public accelerator and alice's own (mallory has a draft and an accelerator of her own)."""
    public = public_catalog()
    draft, rows = private_draft(org, label="Alice ")
    private_draft(other_org, name="Mallory secret prices", label="Mallory ")
    GpuSpecFactory(organization=other_org, name="Mallory secret accelerator", vendor="Mallory")
    return {
        "catalog": draft,
        "public_catalog": public,
        "cloud_offer": rows["cloud_gpu"],
        "api_offer": rows["api"],
        "server_offer": rows["server"],
        "provider": provider(),
        "gpu_spec": GpuSpecFactory(name="H100 SXM 80GB", vendor="NVIDIA", memory_gb=80),
        "own_gpu": GpuSpecFactory(organization=org, name="Alice own accelerator", vendor="Acme"),
    }


def runpod_l40s_pod(
    catalog, instance, region, on_demand, spot=None, *, organization=None, **fields
):
    """A RunPod L40S pod (one GPU, USD) added to a draft: its public provider and accelerator."""
    return catalog_row_add(
        catalog=catalog,
        organization=organization,
        kind="cloud_gpu",
        fields={
            "provider": Provider.objects.public().get(name="RunPod"),
            "instance": instance,
            "region": region,
            "gpu_name": "L40S 48GB",
            "gpu": GpuSpec.objects.public().get(name="NVIDIA L40S"),
            "gpu_count": 1,
            "on_demand_per_hour": Decimal(on_demand),
            "spot_per_hour": Decimal(spot) if spot else None,
            "currency": "USD",
            "date": timezone.localdate(),
            "source_url": "https://example.org/runpod-pods",
            **fields,
        },
    )
