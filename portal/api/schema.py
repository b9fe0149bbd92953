"""OpenAPI pieces shared by the API's views: error bodies, the token scheme, the org parameter."""

from __future__ import annotations

import msgspec
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, get_view_model
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from portal.models import Role


class ErrorItemSerializer(serializers.Serializer):
    """One problem: the field it concerns (null for the whole request) and what is wrong."""

    field = serializers.CharField(allow_null=True, help_text="Field name, dotted for nesting.")
    message = serializers.CharField()
    code = serializers.CharField(help_text="Machine-readable reason, e.g. 'invalid', 'required'.")


class ErrorResponseSerializer(serializers.Serializer):
    """The body of every 4xx answer."""

    detail = serializers.CharField(help_text="A sentence a person can act on.")
    errors = ErrorItemSerializer(many=True, help_text="Empty unless fields are at fault.")


class RowErrorItemSerializer(ErrorItemSerializer):
    """One problem in bulk input, with the 0-based index of the row in the list."""

    row = serializers.IntegerField(
        required=False, help_text="0-based index of the object in the request list."
    )


class RowsErrorResponseSerializer(serializers.Serializer):
    """The body of a refused bulk call: every problem found, nothing written."""

    # A body that is not a list of objects gets the plain error shape (no row, no count).
    detail = serializers.CharField()
    errors = RowErrorItemSerializer(many=True, help_text="Up to 1,000 problems are listed.")
    error_count = serializers.IntegerField(
        required=False, help_text="How many problems the rows have in all."
    )


ERROR_DESCRIPTIONS = {
    400: "Invalid input; `errors` names each field (or query parameter) at fault.",
    401: "No valid credentials (missing, unknown, revoked or expired token).",
    403: "Your role in this organization does not allow this (or a missing CSRF token).",
    404: "No such organization for you, or no such object in it.",
    406: "None of the media types in `Accept` can be served.",
    409: "The request conflicts with the stored state.",
    413: "The request body is too large.",
    415: "The body is not `application/json`.",
    429: "Too many requests for this user or token; try again after `Retry-After` seconds.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Documented error answers, all in the one error shape."""
    return {
        code: OpenApiResponse(ErrorResponseSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in codes
    }


RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 1},
        "description": "Seconds to wait before trying again.",
    }
}


class ApiAutoSchema(AutoSchema):
    """Declares the errors any operation can answer from what it is (authenticated, rate
    limited, under an organization, with input, for a role), so views list only their own."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self._common_error_codes(operation):
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(errors(code)[code], str(code))
        if "Retry-After" not in responses["429"].get("headers", {}):
            responses["429"].setdefault("headers", {}).update(RETRY_AFTER)
        return operation

    def _common_error_codes(self, operation) -> list[int]:
        codes = [401, 406, 429]
        places = {(p["in"], p["name"]) for p in operation.get("parameters", ())}
        if any(place == "query" for place, _ in places):
            codes.append(400)  # a value out of range, a parameter misspelt or repeated
        if "requestBody" in operation:
            codes += [400, 413, 415]
        if any(place == "path" for place, _ in places) or ("query", "page") in places:
            codes.append(404)  # no such object, or a page past the last
        required_role = getattr(self.view, "required_role", None)
        if self.method not in ("GET", "HEAD", "OPTIONS") or (
            required_role is not None and required_role(self.method) != Role.VIEWER
        ):
            codes.append(403)
        return codes


ORG_SLUG = OpenApiParameter(
    "org_slug",
    str,
    OpenApiParameter.PATH,
    description="The organization's slug, as listed by `GET /api/v1/orgs/`.",
)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Personal API tokens: ``Authorization: Token sovra_...``."""

    target_class = "portal.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A personal API token, sent as `Authorization: Token sovra_...`. "
                "Tokens act with their user's role in each organization."
            ),
        }


class ScopedFilterExtension(DjangoFilterExtension):
    """django-filter parameters without touching ``objects``, whose managers fail closed."""

    target_class = "portal.api.filters.ScopedFilterBackend"
    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        model = get_view_model(auto_schema.view)
        if not model:
            return []
        # The scoped bases answer an empty queryset while the schema is generated.
        queryset = auto_schema.view.get_queryset()
        filterset_class = self.target.get_filterset_class(auto_schema.view, queryset)
        if not filterset_class:
            return []
        result = []
        for field_name, filter_field in filterset_class.base_filters.items():
            result += self.resolve_filter_field(
                auto_schema, model, filterset_class, field_name, filter_field
            )
        return result


def openapi_30(node):
    """A JSON Schema (2020-12, as msgspec writes it) in OpenAPI 3.0's dialect: ``nullable``
    rather than a null type, ``enum`` rather than ``const``, no ``title`` on every part and no
    empty ``required``."""
    if isinstance(node, list):
        return [openapi_30(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: openapi_30(value) for key, value in node.items() if key != "title"}
    if node.get("required") == []:  # OpenAPI 3.0 wants at least one, or none listed
        del node["required"]
    if "const" in node:
        node["enum"] = [node.pop("const")]
    choices = node.get("anyOf")
    if choices and {"type": "null"} in choices:
        others = [choice for choice in choices if choice != {"type": "null"}]
        rest = {key: value for key, value in node.items() if key != "anyOf"}
        if len(others) > 1:
            return {"anyOf": others, **rest, "nullable": True}
        if "$ref" in others[0]:
            return {"allOf": others, **rest, "nullable": True}
        return {**others[0], **rest, "nullable": True}
    return node


class TypedDocumentExtension(OpenApiSerializerExtension):
    """A msgspec Struct as a response body (a run's results, its snapshot): its schema and
    every Struct it holds as components, named ``Run<Struct>`` so that they cannot collide with
    the serializers' components."""

    target_class = "msgspec.Struct"
    match_subclasses = True

    def get_name(self, auto_schema, direction):
        return self.target.__name__

    def map_serializer(self, auto_schema, direction):
        _, components = msgspec.json.schema_components(
            [self.target], ref_template="#/components/schemas/Run{name}"
        )
        for name, component in components.items():
            auto_schema.registry.register_on_missing(
                ResolvedComponent(
                    name=f"Run{name}",
                    type=ResolvedComponent.SCHEMA,
                    object=f"Run{name}",
                    schema=openapi_30(component),
                )
            )
        # The target itself is a component under its own name: refer to it.
        return components[self.target.__name__] and openapi_30(components[self.target.__name__])
