"""Root URLs: the web pages, the REST API v1 and its schema, and the Django admin for staff."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal import health

urlpatterns = [
    # Answered by portal.health.ProbeMiddleware before any other middleware; named here so that
    # they resolve like any route.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's script from its own URL: no inline script for the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("portal.api.urls")),
    path("", include("portal.web.urls")),
]

# Under /api/, errors Django answers itself (no matching URL, a failure outside DRF) keep the
# API's JSON shape; elsewhere they are the HTML pages.
handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
