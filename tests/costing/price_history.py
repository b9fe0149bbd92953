"""A world with dated prices: one organization renting L40S hours, and a later public version in
which the cheapest L40S costs more."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from costing.models import Catalog, CloudGpuOffer
from costing.services import (
    catalog_publish,
    catalog_row_update,
    catalog_version_create,
    public_catalog_load,
)
from portal.models import Organization
from tests.factories import OrganizationFactory, WorkloadFactory

RISE = date(2026, 12, 10)  # the day the second public version takes effect
# The latest EUR/USD reference rate shipped: the ECB's of 13 April 2026 (costing/data/feeds/
# ecb-eurofxref.csv), 1 EUR = 1.1684 USD.
USD_EUR = 1 / 1.1684


def renting_organization() -> Organization:
    """The public catalog, and a French post-production house renting 100 L40S GPU-hours a
    month (no growth) for public renders, reporting in EUR."""
    public_catalog_load()
    organization = OrganizationFactory(name="Rendu", slug="rendu", country="FR", currency="EUR")
    WorkloadFactory(
        organization=organization,
        external_id="RD-1",
        gpu_hours=True,
        gpu_hours_per_month=Decimal("100"),
        peak_gpus=1,
        gpu_class="L40S",
        growth_pct_per_year=Decimal("0"),
        # Public renders: no sovereignty rule keeps them off a GPU marketplace.
        data_classification="public",
    )
    return organization


def runpod_l40s(catalog: Catalog) -> CloudGpuOffer:
    """RunPod's community L40S pod: the cheapest L40S, 0.79 USD per GPU-hour as shipped."""
    return CloudGpuOffer.objects.in_catalog(catalog).get(
        provider__name="RunPod", instance="Community Cloud pod", gpu_name="L40S 48GB"
    )


def publish_price_rise(price: str = "0.95") -> tuple[Catalog, Catalog]:
    """A second public version from RISE in which RunPod's community L40S costs ``price``."""
    first = Catalog.objects.public().get()
    second = catalog_version_create(catalog=first, version="2026-12-10", effective_date=RISE)
    catalog_row_update(row=runpod_l40s(second), fields={"on_demand_per_hour": Decimal(price)})
    return first, catalog_publish(catalog=second)
