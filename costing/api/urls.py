"""Catalog and scenario API routes: ``urlpatterns`` go under ``orgs/<org_slug>/``, the rest not."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from costing.api.accelerators import GpuSpecViewSet
from costing.api.catalogs import CatalogPublishView, CatalogVersionView, CatalogViewSet
from costing.api.exchange import CatalogExportView, CatalogImportView
from costing.api.offers import ApiOfferViewSet, CloudGpuOfferViewSet, ServerOfferViewSet
from costing.api.reference import FxRateViewSet, ProviderViewSet
from costing.api.scenarios import ScenarioEvaluateView, ScenarioSchemaView

router = SimpleRouter()
router.register("catalogs", CatalogViewSet, basename="catalog")
router.register(
    r"catalogs/(?P<catalog_pk>[0-9]+)/cloud-gpu-offers", CloudGpuOfferViewSet, "cloud-gpu-offer"
)
router.register(r"catalogs/(?P<catalog_pk>[0-9]+)/api-offers", ApiOfferViewSet, "api-offer")
router.register(
    r"catalogs/(?P<catalog_pk>[0-9]+)/server-offers", ServerOfferViewSet, "server-offer"
)
router.register("providers", ProviderViewSet, basename="provider")
router.register("gpu-specs", GpuSpecViewSet, basename="gpu-spec")
router.register("fx-rates", FxRateViewSet, basename="fx-rate")

urlpatterns = [
    path("catalogs/<int:pk>/publish/", CatalogPublishView.as_view(), name="catalog-publish"),
    path("catalogs/<int:pk>/versions/", CatalogVersionView.as_view(), name="catalog-new-version"),
    path("catalogs/<int:pk>/import/", CatalogImportView.as_view(), name="catalog-import"),
    path("catalogs/<int:pk>/export/", CatalogExportView.as_view(), name="catalog-export"),
    path("scenarios/evaluate/", ScenarioEvaluateView.as_view(), name="scenario-evaluate"),
    *router.urls,
]

# Outside any organization, included by the portal's API urls beside ``orgs/``.
non_tenant_urlpatterns = [
    path("scenario-schema/", ScenarioSchemaView.as_view(), name="scenario-schema"),
]
