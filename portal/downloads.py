"""Responses that hand an organization's data out as a file, for the pages and the API alike."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from portal.services.organization_data import organization_export_chunks

ZIP = "application/zip"


def organization_export_response(request, organization, membership) -> HttpResponse:
    """The organization's archive as a streamed download.

    A HEAD request gets the same headers and no body: it neither builds the archive nor is
    recorded as an export in the audit log, since nothing left the installation.
    """
    name = f"sovra-{organization.slug}-export-{timezone.now():%Y%m%d}.zip"
    if request.method == "HEAD":
        response = HttpResponse(content_type=ZIP)
    else:
        chunks = organization_export_chunks(organization=organization, actor=membership)
        response = StreamingHttpResponse(chunks, content_type=ZIP)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
