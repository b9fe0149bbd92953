"""One error shape for the whole API: ``{"detail", "errors": [{"row"?, "field", "message"}]}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from portal.outbox import BrokerUnavailable
from portal.services.organizations import LastOwnerError

# How long a client waits before trying again when the task queue is away.
BROKER_RETRY_AFTER_SECONDS = 30


class Conflict(exceptions.APIException):
    """The request is well formed but clashes with the stored state (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    """The body is larger than the API accepts (413)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def _flatten(detail: Any, prefix: str | None = None) -> list[dict[str, Any]]:
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            field = None if key in ("non_field_errors", "detail", "__all__") else str(key)
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


def _invalid_detail(errors: list[dict[str, Any]]) -> str:
    fields = list(dict.fromkeys(error["field"] for error in errors if error["field"]))
    if not fields:
        return errors[0]["message"] if errors else "The request is invalid."
    return "Invalid field(s): " + ", ".join(fields) + "."


def exception_handler(exc, context):
    """DRF's handler, then every error reshaped; services' Django errors become 400 or 409."""
    if isinstance(exc, BrokerUnavailable):
        # Work is stored before it is queued (portal.outbox), so this only reaches a client
        # from a path that needs the queue at once: say when to try again.
        response = Response(
            {"detail": "The task queue is unavailable; try again shortly.", "errors": []},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response["Retry-After"] = str(BROKER_RETRY_AFTER_SECONDS)
        return response
    if isinstance(exc, LastOwnerError):
        # Valid input, but the organization's state (its only owner) forbids it.
        errors = _flatten(exceptions.ValidationError(as_serializer_error(exc)).detail)
        message = errors[0]["message"] if errors else str(exc)
        data = {"detail": message, "errors": [dict(e, code="last_owner") for e in errors]}
        return Response(data, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        response.data = {"detail": _invalid_detail(errors), "errors": errors}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"]), "errors": []}
    return response


def rows_invalid_response(errors, total: int) -> Response:
    """400 for bulk input: each problem with its 0-based row and field; nothing was written."""
    return Response(
        {
            "detail": f"{total} problem(s) in the rows; nothing was written.",
            "errors": [dict(error.as_dict(), code="invalid") for error in errors],
            "error_count": total,
        },
        status=status.HTTP_400_BAD_REQUEST,
    )
