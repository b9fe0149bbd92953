"""What the catalog pages share: the kind named in the URL, writability, price rows."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect

from costing.price_display import KIND_LABELS, KIND_SLUGS, price_block
from costing.selectors import FxConverter, catalog_get

# The price shown first for each kind, and its label.
MAIN_PRICE = {
    "cloud_gpu": ("on_demand_per_hour", "On-demand per hour"),
    "api": ("input_price", "Input price"),
    "server": ("price", "Purchase price"),
}
PUBLIC_READ_ONLY = "Public catalogs are shared and read-only: create a private draft instead."


def kind_from(request) -> tuple[str, str]:
    """(slug, kind) from ``?kind=``; cloud GPUs by default."""
    slug = request.GET.get("kind", "cloud-gpu")
    if slug not in KIND_SLUGS:
        slug = "cloud-gpu"
    return slug, KIND_SLUGS[slug]


def scoped_catalog(organization, pk) -> object:
    catalog = catalog_get(organization=organization, pk=pk)
    if catalog is None:
        raise Http404("No such catalog.")
    return catalog


def refuse_unless_draft(request, catalog):
    """403 for a public catalog; a redirect with the reason for a published one; else None."""
    if catalog.is_public:
        raise PermissionDenied(PUBLIC_READ_ONLY)
    if catalog.is_published:
        messages.error(
            request,
            f"{catalog.name} {catalog.version} is published and cannot change: "
            "create a new version to change a price.",
        )
        return redirect("catalog-detail", org_slug=catalog.organization.slug, pk=catalog.pk)
    return None


def price_rows(offers, organization, *, main: str) -> list[dict]:
    """Each offer with its price block (one FX lookup per currency, whatever the rows) and its
    main price, as published and converted."""
    converter = FxConverter(quote=organization.currency)
    rows = []
    for offer in offers:
        prices = price_block(offer, converter)
        conversion = prices["conversion"] or {}
        rows.append(
            {
                "offer": offer,
                "prices": prices,
                "main": prices["amounts"].get(main),
                "main_converted": conversion.get("amounts", {}).get(main),
            }
        )
    return rows


def kind_tabs(current: str) -> list[dict]:
    return [
        {"slug": slug, "label": KIND_LABELS[kind], "current": slug == current}
        for slug, kind in KIND_SLUGS.items()
    ]
