"""Accelerators (``gpu-specs/``): public rows for all to read, an organization's own to edit."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions
from rest_framework.filters import SearchFilter

from costing.api.serializers import GpuSpecSerializer
from costing.filters import AcceleratorFilter
from costing.models import GpuSpec
from costing.selectors import accelerators_for
from costing.services.accelerators import (
    AcceleratorInUse,
    accelerator_create,
    accelerator_delete,
    accelerator_update,
)
from portal.api.errors import Conflict
from portal.api.filters import ScopedFilterBackend, StableOrderingFilter
from portal.api.model_specs import PublicSpecsReadOnly
from portal.api.parsers import OrjsonParser
from portal.api.schema import ORG_SLUG, errors
from portal.tenancy import OrgScopedViewSet


class PublicAcceleratorsReadOnly(PublicSpecsReadOnly):
    """Public accelerators are shared by every organization: no one edits them via a tenant."""

    message = "Public accelerators are shared and read-only; add your own accelerator instead."


_PUBLIC_READ_ONLY = OpenApiResponse(
    errors(403)[403].response,
    description="Your role does not allow this, or the accelerator is public (shared, read-only).",
)
_IN_USE = OpenApiResponse(
    errors(409)[409].response, description="Catalog offers still name this accelerator."
)


@extend_schema_view(
    list=extend_schema(
        operation_id="gpu_specs_list",
        summary="List the public accelerators and the organization's own",
        responses={200: GpuSpecSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="gpu_specs_retrieve",
        summary="Get an accelerator",
        responses={200: GpuSpecSerializer},
    ),
    create=extend_schema(
        operation_id="gpu_specs_create",
        summary="Add an organization-owned accelerator (analysts and above)",
        responses={201: GpuSpecSerializer},
    ),
    update=extend_schema(
        operation_id="gpu_specs_update",
        summary="Replace one of the organization's own accelerators",
        responses={200: GpuSpecSerializer, 403: _PUBLIC_READ_ONLY},
    ),
    partial_update=extend_schema(
        operation_id="gpu_specs_partial_update",
        summary="Change one of the organization's own accelerators",
        responses={200: GpuSpecSerializer, 403: _PUBLIC_READ_ONLY},
    ),
    destroy=extend_schema(
        operation_id="gpu_specs_destroy",
        summary="Delete one of the organization's own accelerators",
        responses={204: None, 403: _PUBLIC_READ_ONLY, 409: _IN_USE},
    ),
)
@extend_schema(
    tags=["catalogs"],
    parameters=[ORG_SLUG],
    description="Every member reads the public accelerators and the organization's own; "
    "analysts and above add and edit the organization's own, of any vendor. An own accelerator "
    "needs memory_gb, memory_bandwidth_tb_s and bf16_dense_tflops (400 names each one missing) "
    "and a name no public accelerator has. Public accelerators answer 403 to PUT, PATCH and "
    "DELETE; one still named by catalog offers answers 409 to DELETE.",
)
class GpuSpecViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    """``gpu-specs/``: public accelerators answer 403 to writes; another's own answers 404."""

    model = GpuSpec
    parser_classes = [OrjsonParser]
    serializer_class = GpuSpecSerializer
    permission_classes = [permissions.IsAuthenticated, PublicAcceleratorsReadOnly]
    filter_backends = [ScopedFilterBackend, SearchFilter, StableOrderingFilter]
    filterset_class = AcceleratorFilter
    search_fields = ["name", "vendor"]
    ordering_fields = ["name", "vendor", "memory_gb", "launch_year"]

    def scoped_queryset(self, organization):
        return accelerators_for(organization=organization)

    def perform_create(self, serializer):
        spec = GpuSpec(**serializer.validated_data)
        serializer.instance = accelerator_create(organization=self.organization, spec=spec)

    def perform_update(self, serializer):
        spec = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(spec, name, value)
        serializer.instance = accelerator_update(organization=self.organization, spec=spec)

    def perform_destroy(self, instance):
        try:
            accelerator_delete(organization=self.organization, spec=instance)
        except AcceleratorInUse as exc:
            raise Conflict(" ".join(exc.messages)) from exc
