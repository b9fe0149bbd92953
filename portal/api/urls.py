"""API v1 routes; every tenant route sits under ``orgs/<org_slug>/``."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from costing.api import urls as costing_urls
from portal.api import schema  # noqa: F401 (registers the token scheme with drf-spectacular)
from portal.api.audit import AuditEventExportView, AuditEventViewSet
from portal.api.invitations import InvitationRevokeView, InvitationViewSet
from portal.api.members import MemberViewSet
from portal.api.model_specs import ModelSpecViewSet
from portal.api.organizations import (
    MyOrganizationListView,
    OrganizationExportView,
    OrganizationViewSet,
)
from portal.api.workloads import WorkloadViewSet
from portal.api.workloads_bulk import WorkloadBulkUpsertView

app_name = "api"

tenant_router = SimpleRouter()
tenant_router.register("audit-events", AuditEventViewSet, basename="audit-event")
tenant_router.register("invitations", InvitationViewSet, basename="invitation")
tenant_router.register("members", MemberViewSet, basename="member")
tenant_router.register("model-specs", ModelSpecViewSet, basename="model-spec")
tenant_router.register("workloads", WorkloadViewSet, basename="workload")

organization_detail = OrganizationViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)

tenant_urls = [
    path("", organization_detail, name="organization-detail"),
    path(
        "workloads/bulk-upsert/",
        WorkloadBulkUpsertView.as_view(),
        name="workload-bulk-upsert",
    ),
    path("export/", OrganizationExportView.as_view(), name="organization-export"),
    path("audit-events/export/", AuditEventExportView.as_view(), name="audit-event-export"),
    path(
        "invitations/<int:pk>/revoke/",
        InvitationRevokeView.as_view(),
        name="invitation-revoke",
    ),
    *tenant_router.urls,
    *costing_urls.urlpatterns,
    path("", include("assessments.api.urls")),
]

urlpatterns = [
    path("orgs/", MyOrganizationListView.as_view(), name="organization-list"),
    path("orgs/<slug:org_slug>/", include(tenant_urls)),
    *costing_urls.non_tenant_urlpatterns,
]
