"""The organization's audit log page and its CSV export, for owners and admins."""

from __future__ import annotations

from django.views import View
from django_filters.views import FilterView

from portal.filters import AuditEventFilter
from portal.models import Role
from portal.selectors import audit_events_of
from portal.services.exports import EXPORT_CHUNK_ROWS, audit_events_csv_chunks
from portal.tenancy import OrgScopedView
from portal.web.views.common import download


class AuditLogView(OrgScopedView, FilterView):
    """Events newest first, 50 a page, filtered by actor, event, object and dates."""

    section = "audit"
    read_role = Role.ADMIN
    template_name = "audit/list.html"
    filterset_class = AuditEventFilter
    paginate_by = 50
    context_object_name = "events"

    def scoped_queryset(self, organization):
        return audit_events_of(organization=organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


class AuditExportView(OrgScopedView, View):
    """The events the page shows with the same query string, every one, as CSV."""

    http_method_names = ["get", "head"]
    read_role = Role.ADMIN

    def scoped_queryset(self, organization):
        return audit_events_of(organization=organization)

    def get(self, request, *args, **kwargs):
        filterset = AuditEventFilter(request.GET or None, queryset=self.get_queryset())
        valid = not filterset.is_bound or filterset.is_valid()
        events = filterset.qs if valid else filterset.queryset.none()
        rows = events.iterator(chunk_size=EXPORT_CHUNK_ROWS)
        return download(
            audit_events_csv_chunks(events=rows),
            stem=f"sovra-{self.organization.slug}-audit",
            file_format="csv",
        )
