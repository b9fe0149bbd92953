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
        return attachment(b"", filename=name, content_type=ZIP)
    chunks = organization_export_chunks(organization=organization, actor=membership)
    return attachment(chunks, filename=name, content_type=ZIP)


def attachment(content, *, filename: str, content_type: str) -> HttpResponse:
    """``content`` handed out as a file named ``filename``: bytes whole, an iterator of bytes
    streamed as it is made. An organization's data must not linger in shared caches."""
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
