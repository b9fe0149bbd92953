"""One error shape for the whole API: ``{"detail", "errors": [{"row"?, "field", "message"}]}``."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _flatten(detail: Any, prefix: str | None = None) -> list[dict[str, Any]]:
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            field = None if key in ("non_field_errors", "detail") else str(key)
            name = f"{prefix}.{field}" if prefix and field else (field or prefix)
            out.extend(_flatten(value, name))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                out.extend(_flatten(value, f"{prefix}[{index}]" if prefix else f"[{index}]"))
            else:
                out.extend(_flatten(value, prefix))
        return out
    return [{"field": prefix, "message": str(detail), "code": getattr(detail, "code", "invalid")}]


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        response.data = {"detail": "The request has invalid fields.", "errors": errors}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"]), "errors": []}
    return response


def rows_invalid_response(errors, total: int) -> Response:
    return Response(
        {
            "detail": f"{total} problem(s) in the rows; nothing was written.",
            "errors": [error.as_dict() for error in errors],
            "error_count": total,
        },
        status=status.HTTP_400_BAD_REQUEST,
    )
