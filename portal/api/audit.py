"""The organization's audit log: read and exported by its owners and admins."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from portal.api.filters import ScopedFilterBackend
from portal.api.schema import ORG_SLUG
from portal.filters import AuditEventFilter
from portal.models import AuditEvent, Role
from portal.selectors import audit_events_of
from portal.services.exports import EXPORT_CHUNK_ROWS, audit_events_csv_chunks
from portal.tenancy import OrgScopedAPIView, OrgScopedViewSet


class AuditEventSerializer(serializers.ModelSerializer):
    """One event: when, who (as they were named then) and from where, what, on which object."""

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor",
            "actor_user_id",
            "ip_address",
            "channel",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "details",
        ]
        read_only_fields = fields


_DESCRIPTION = (
    "Who created, changed or deleted the organization's workloads, models, catalogs and "
    "prices, accelerators, members, invitations, API tokens, assessments and runs, and who "
    "downloaded or e-mailed which report: when, and from which address. Append-only. Owners "
    "and admins only."
)


@extend_schema_view(
    list=extend_schema(
        operation_id="audit_events_list",
        summary="List the audit log, newest first (owners and admins)",
        responses={200: AuditEventSerializer(many=True)},
    )
)
@extend_schema(tags=["audit"], parameters=[ORG_SLUG], description=_DESCRIPTION)
class AuditEventViewSet(mixins.ListModelMixin, OrgScopedViewSet):
    """``/api/v1/orgs/<org_slug>/audit-events/``: filter by actor, event, object and dates."""

    model = AuditEvent
    read_role = Role.ADMIN
    serializer_class = AuditEventSerializer
    filter_backends = [ScopedFilterBackend]
    filterset_class = AuditEventFilter

    def scoped_queryset(self, organization):
        return audit_events_of(organization=organization)


class AuditEventExportView(OrgScopedAPIView):
    """``GET audit-events/export/``: the filtered log as CSV, streamed."""

    model = AuditEvent
    read_role = Role.ADMIN
    filter_backends = [ScopedFilterBackend]
    filterset_class = AuditEventFilter

    def scoped_queryset(self, organization):
        return audit_events_of(organization=organization)

    @extend_schema(
        tags=["audit"],
        operation_id="audit_events_export",
        summary="Export the audit log as CSV (owners and admins)",
        description="The events the list's filters select, every one, as CSV (UTF-8 with a "
        "byte order mark). Text a spreadsheet would run as a formula starts with an "
        "apostrophe.",
        parameters=[ORG_SLUG],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV")},
    )
    def get(self, request, *args, **kwargs):
        events = self.filter_queryset(self.get_queryset())
        rows = events.iterator(chunk_size=EXPORT_CHUNK_ROWS)
        response = StreamingHttpResponse(
            audit_events_csv_chunks(events=rows), content_type="text/csv; charset=utf-8"
        )
        stem = f"sovra-{self.organization.slug}-audit-{timezone.now():%Y%m%d}"
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response
