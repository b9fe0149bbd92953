"""Catalog pages (``urlpatterns``) and accelerator pages (``accelerator_urlpatterns``), included
under ``/o/<org_slug>/catalogs/`` and ``/o/<org_slug>/accelerators/`` by the portal's web urls."""

from django.urls import path

from costing.price_display import KIND_SLUGS
from costing.web.views import accelerators, catalogs, compare, exchange, feeds, offers

urlpatterns = [
    path("", catalogs.CatalogListView.as_view(), name="catalog-list"),
    path("new/", catalogs.CatalogCreateView.as_view(), name="catalog-create"),
    path("compare/", compare.CatalogCompareView.as_view(), name="catalog-compare"),
    path("<int:pk>/", catalogs.CatalogDetailView.as_view(), name="catalog-detail"),
    path("<int:pk>/publish/", catalogs.CatalogPublishView.as_view(), name="catalog-publish"),
    path("<int:pk>/new-version/", catalogs.CatalogVersionView.as_view(), name="catalog-version"),
    path("<int:pk>/import/", exchange.CatalogImportView.as_view(), name="catalog-import"),
    path(
        "<int:pk>/feed-import/",
        feeds.CatalogFeedImportView.as_view(),
        name="catalog-feed-import",
    ),
    path(
        "<int:pk>/export.json",
        catalogs.CatalogExportView.as_view(file_format="json"),
        name="catalog-export-json",
    ),
    path(
        "<int:pk>/export.csv",
        catalogs.CatalogExportView.as_view(file_format="csv"),
        name="catalog-export-csv",
    ),
]

# One set of routes per offer kind: the kind is part of the address, the id is the offer's.
for slug, kind in KIND_SLUGS.items():
    urlpatterns += [
        path(
            f"<int:pk>/{slug}-offers/new/",
            offers.OfferCreateView.as_view(kind=kind),
            name=f"offer-create-{slug}",
        ),
        path(
            f"{slug}-offers/<int:pk>/edit/",
            offers.OfferUpdateView.as_view(kind=kind),
            name=f"offer-update-{slug}",
        ),
        path(
            f"{slug}-offers/<int:pk>/delete/",
            offers.OfferDeleteView.as_view(kind=kind),
            name=f"offer-delete-{slug}",
        ),
    ]

accelerator_urlpatterns = [
    path("", accelerators.AcceleratorListView.as_view(), name="accelerator-list"),
    path("new/", accelerators.AcceleratorCreateView.as_view(), name="accelerator-create"),
    path("<int:pk>/", accelerators.AcceleratorDetailView.as_view(), name="accelerator-detail"),
    path("<int:pk>/edit/", accelerators.AcceleratorUpdateView.as_view(), name="accelerator-update"),
    path(
        "<int:pk>/delete/",
        accelerators.AcceleratorDeleteView.as_view(),
        name="accelerator-delete",
    ),
]
