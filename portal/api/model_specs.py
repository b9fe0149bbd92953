"""Model specs: public entries for everyone to read, an organization's own ones to edit."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers
from rest_framework.filters import SearchFilter

from portal.api.errors import Conflict
from portal.api.fields import DecimalsAsNumbersMixin, StrictModelSerializer
from portal.api.filters import ModelSpecFilter, ScopedFilterBackend, StableOrderingFilter
from portal.api.parsers import OrjsonParser
from portal.api.schema import ORG_SLUG, errors
from portal.models import ModelSpec
from portal.models.modelspec import EDITABLE_FIELDS
from portal.services.model_specs import (
    ModelSpecInUse,
    model_spec_create,
    model_spec_delete,
    model_spec_update,
)
from portal.tenancy import OrgScopedViewSet


class PublicSpecsReadOnly(permissions.BasePermission):
    """Public specs are shared by every organization: no one edits them through a tenant."""

    message = "Public model specs are shared and read-only; add your own spec instead."

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or not obj.is_public


class ModelSpecSerializer(DecimalsAsNumbersMixin, StrictModelSerializer):
    """A model's architecture (for sizing) or a closed API model; public ones are read-only."""

    is_public = serializers.BooleanField(
        read_only=True, help_text="Shared by every organization; not editable."
    )

    class Meta:
        model = ModelSpec
        fields = ["id", *EDITABLE_FIELDS, "is_public", "created_at"]
        read_only_fields = ["id", "is_public", "created_at"]
        # Uniqueness among the specs the organization sees is the service's check.
        validators: list = []


_PUBLIC_READ_ONLY = OpenApiResponse(
    errors(403)[403].response,
    description="Your role does not allow this, or the spec is public (shared, read-only).",
)
_IN_USE = OpenApiResponse(
    errors(409)[409].response, description="Workloads still use this model spec."
)


@extend_schema_view(
    list=extend_schema(
        operation_id="model_specs_list",
        summary="List the public model specs and the organization's own",
        responses={200: ModelSpecSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="model_specs_retrieve",
        summary="Get a model spec",
        responses={200: ModelSpecSerializer},
    ),
    create=extend_schema(
        operation_id="model_specs_create",
        summary="Add an organization-owned model spec (analysts and above)",
        responses={201: ModelSpecSerializer},
    ),
    update=extend_schema(
        operation_id="model_specs_update",
        summary="Replace one of the organization's own model specs",
        responses={200: ModelSpecSerializer, 403: _PUBLIC_READ_ONLY},
    ),
    partial_update=extend_schema(
        operation_id="model_specs_partial_update",
        summary="Change one of the organization's own model specs",
        responses={200: ModelSpecSerializer, 403: _PUBLIC_READ_ONLY},
    ),
    destroy=extend_schema(
        operation_id="model_specs_destroy",
        summary="Delete one of the organization's own model specs",
        responses={
            204: None,
            403: _PUBLIC_READ_ONLY,
            409: _IN_USE,
        },
    ),
)
@extend_schema(
    tags=["model-specs"],
    parameters=[ORG_SLUG],
    description="Every member reads the public specs and the organization's own; analysts "
    "and above add and edit the organization's own. Public specs answer 403 to PUT, PATCH "
    "and DELETE; a spec still used by workloads answers 409 to DELETE.",
)
class ModelSpecViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    """``/api/v1/orgs/<org_slug>/model-specs/``: public specs answer 403 to writes."""

    model = ModelSpec
    parser_classes = [OrjsonParser]
    serializer_class = ModelSpecSerializer
    permission_classes = [permissions.IsAuthenticated, PublicSpecsReadOnly]
    filter_backends = [ScopedFilterBackend, SearchFilter, StableOrderingFilter]
    filterset_class = ModelSpecFilter
    search_fields = ["name", "provider"]
    ordering_fields = ["name", "params_b", "created_at"]
    ordering = ["name"]

    def scoped_queryset(self, organization):
        return ModelSpec.objects.for_organization(organization)

    def perform_create(self, serializer):
        spec = ModelSpec(**serializer.validated_data)
        serializer.instance = model_spec_create(organization=self.organization, spec=spec)

    def perform_update(self, serializer):
        spec = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(spec, name, value)
        serializer.instance = model_spec_update(organization=self.organization, spec=spec)

    def perform_destroy(self, instance):
        try:
            model_spec_delete(organization=self.organization, spec=instance)
        except ModelSpecInUse as exc:
            raise Conflict(" ".join(exc.messages)) from exc
