"""Error pages: HTML for people, the API's JSON error shape for anything under /api/.

Django answers a URL that resolves to no view (or a failure outside DRF) itself; without these,
an API client asking for /api/v1/orgs/x/nothing/ would get an HTML page it cannot read.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.views import defaults


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _json(detail: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "errors": []}, status=status)


def bad_request(request, exception):
    if _is_api(request):
        return _json("Bad request.", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return _json("You do not have permission to perform this action.", 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return _json("Not found.", 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return _json("A server error occurred.", 500)
    return defaults.server_error(request)
