"""Catalog versions: list public and own, create a private draft, publish, copy as a new version."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.filters import SearchFilter
from rest_framework.response import Response

from costing.api.permissions import check_writable
from costing.api.serializers import CatalogSerializer, CatalogVersionSerializer
from costing.models import Catalog
from costing.selectors import catalogs_for
from costing.services import (
    CatalogImmutable,
    catalog_publish,
    catalog_version_create,
    private_catalog_create,
)
from portal.api.errors import Conflict
from portal.api.filters import StableOrderingFilter
from portal.api.parsers import OrjsonParser
from portal.api.schema import ORG_SLUG, errors
from portal.models import Role
from portal.tenancy import OrgScopedAPIView, OrgScopedViewSet

_PUBLIC_403 = OpenApiResponse(
    errors(403)[403].response,
    description="Your role does not allow this, or the catalog is public (shared, read-only).",
)
_PUBLISHED_409 = OpenApiResponse(
    errors(409)[409].response, description="The catalog is published and cannot change."
)


@extend_schema_view(
    list=extend_schema(
        operation_id="catalogs_list",
        summary="List the public catalogs and the organization's own, every version",
        responses={200: CatalogSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="catalogs_retrieve",
        summary="Get a catalog version",
        responses={200: CatalogSerializer},
    ),
    create=extend_schema(
        operation_id="catalogs_create",
        summary="Start a private draft catalog of negotiated prices (analysts and above)",
        responses={201: CatalogSerializer},
    ),
)
@extend_schema(
    tags=["catalogs"],
    parameters=[ORG_SLUG],
    description="Public catalogs are shared by every organization and read-only; an "
    "organization's own catalogs start as drafts, are edited, then published (frozen). "
    "Another organization's catalog answers 404.",
)
class CatalogViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OrgScopedViewSet
):
    """``/api/v1/orgs/<org_slug>/catalogs/``."""

    model = Catalog
    parser_classes = [OrjsonParser]
    serializer_class = CatalogSerializer
    filter_backends = [SearchFilter, StableOrderingFilter]
    search_fields = ["name", "version", "source"]
    ordering_fields = ["name", "effective_date", "created_at", "version"]

    def scoped_queryset(self, organization):
        return catalogs_for(organization=organization)

    def perform_create(self, serializer):
        serializer.instance = private_catalog_create(
            organization=self.organization, **serializer.validated_data
        )


class CatalogPublishView(OrgScopedAPIView):
    """``POST catalogs/<pk>/publish/``: a published version never changes again."""

    model = Catalog
    write_role = Role.ADMIN
    serializer_class = CatalogSerializer

    def scoped_queryset(self, organization):
        return catalogs_for(organization=organization)

    @extend_schema(
        tags=["catalogs"],
        operation_id="catalogs_publish",
        summary="Publish a draft: its prices freeze (admins and above)",
        parameters=[ORG_SLUG],
        request=None,
        responses={
            200: CatalogSerializer,
            **errors(400),
            403: _PUBLIC_403,
            409: _PUBLISHED_409,
        },
    )
    def post(self, request, *args, **kwargs):
        catalog = self.get_object()
        check_writable(catalog)
        try:
            catalog = catalog_publish(catalog=catalog, organization=self.organization)
        except CatalogImmutable as exc:
            raise Conflict(" ".join(exc.messages)) from exc
        return Response(CatalogSerializer(catalog).data)


class CatalogVersionView(OrgScopedAPIView):
    """``POST catalogs/<pk>/versions/``: rows and all, as a draft to edit."""

    model = Catalog
    parser_classes = [OrjsonParser]
    serializer_class = CatalogVersionSerializer

    def scoped_queryset(self, organization):
        return catalogs_for(organization=organization)

    @extend_schema(
        tags=["catalogs"],
        operation_id="catalogs_new_version",
        summary="Copy one of the organization's catalogs into a new draft version",
        parameters=[ORG_SLUG],
        request=CatalogVersionSerializer,
        responses={201: CatalogSerializer, 403: _PUBLIC_403},
    )
    def post(self, request, *args, **kwargs):
        catalog = self.get_object()
        check_writable(catalog, draft=False)
        serializer = CatalogVersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new = catalog_version_create(
            catalog=catalog, organization=self.organization, **serializer.validated_data
        )
        return Response(CatalogSerializer(new).data, status=status.HTTP_201_CREATED)
