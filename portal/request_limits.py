"""Refuses a request body larger than the upload limit from its Content-Length, before any byte
of it is read: Django's DATA_UPLOAD_MAX_MEMORY_SIZE and FILE_UPLOAD_MAX_MEMORY_SIZE do not cover
multipart files, which would otherwise be streamed to a temporary file whatever their size."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.template.response import TemplateResponse

from portal.services.imports import format_size


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads no body it cannot size either


class RequestBodyLimitMiddleware:
    """413 with the API's error shape under /api/, a page naming the limit elsewhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.SOVRA_UPLOAD_MAX_BYTES
        length = _declared_length(request)
        if length <= limit:
            return self.get_response(request)
        message = (
            f"The upload is {format_size(length)}; the limit is {format_size(limit)}. "
            "Nothing was received: split the file and upload each part."
        )
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "detail": message,
                    "errors": [{"field": None, "message": message, "code": "too_large"}],
                },
                status=413,
            )
        response = TemplateResponse(request, "413.html", {"message": message}, status=413)
        response["Connection"] = "close"  # the unread body must not be taken for a next request
        return response.render()
