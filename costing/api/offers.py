"""Offers of one catalog by kind: read for members, edited in the organization's own drafts."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions
from rest_framework.filters import SearchFilter

from costing.api.catalogs import _PUBLIC_403, _PUBLISHED_409
from costing.api.permissions import OwnDraftRowsOnly, check_writable
from costing.api.serializers import OFFER_SERIALIZERS
from costing.models import CATALOG_ROW_MODELS, ApiOffer, CloudGpuOffer, ServerOffer
from costing.models.base import SourceKind
from costing.selectors import FxConverter, catalog_get, catalog_rows
from costing.services import (
    CatalogImmutable,
    catalog_row_add,
    catalog_row_delete,
    catalog_row_update,
)
from portal.api.errors import Conflict
from portal.api.filters import ScopedFilterBackend, StableOrderingFilter
from portal.api.parsers import OrjsonParser
from portal.api.schema import ORG_SLUG
from portal.tenancy import OrgScopedViewSet

CATALOG_PK = OpenApiParameter(
    "catalog_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The catalog's id."
)


class _SourcedFilter(filters.FilterSet):
    """Filters every offer kind shares."""

    provider = filters.CharFilter(
        field_name="provider__name", lookup_expr="iexact", help_text="Provider name."
    )
    currency = filters.CharFilter(help_text="ISO 4217 code of the price as published.")
    source_kind = filters.ChoiceFilter(choices=SourceKind.choices[:2])


class CloudGpuOfferFilter(_SourcedFilter):
    """Cloud GPU offers by provider, GPU, region and GPU count."""

    gpu = filters.CharFilter(field_name="gpu_name", lookup_expr="icontains", help_text="GPU.")
    region = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = CloudGpuOffer
        fields = ["gpu_count"]


class ApiOfferFilter(_SourcedFilter):
    """Model API offers by provider, model and unit."""

    model = filters.CharFilter(field_name="model_name", lookup_expr="icontains")

    class Meta:
        model = ApiOffer
        fields = ["unit"]


class ServerOfferFilter(_SourcedFilter):
    """Servers by GPU and price kind."""

    provider = None
    gpu = filters.CharFilter(field_name="gpu_name", lookup_expr="icontains", help_text="GPU.")

    class Meta:
        model = ServerOffer
        fields = ["price_kind", "gpu_count"]


class OfferViewSetBase(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    """Offers of one kind in ``catalogs/<catalog_pk>/``; prices come with their conversion."""

    kind: str
    parser_classes = [OrjsonParser]
    permission_classes = [permissions.IsAuthenticated, OwnDraftRowsOnly]
    filter_backends = [ScopedFilterBackend, SearchFilter, StableOrderingFilter]

    def catalog(self):
        if not hasattr(self, "_catalog"):
            self._catalog = catalog_get(
                organization=self.organization, pk=self.kwargs["catalog_pk"]
            )
            if self._catalog is None:
                raise exceptions.NotFound("No such catalog.")
        return self._catalog

    def scoped_queryset(self, organization):
        return catalog_rows(catalog=self.catalog(), kind=self.kind)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        organization = getattr(self, "organization", None)
        context["organization"] = organization
        if organization is not None:
            context["converter"] = FxConverter(quote=organization.currency)
        return context

    def create(self, request, *args, **kwargs):
        check_writable(self.catalog())
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        try:
            serializer.instance = catalog_row_add(
                catalog=self.catalog(),
                kind=self.kind,
                fields=serializer.validated_data,
                organization=self.organization,
            )
        except CatalogImmutable as exc:
            raise Conflict(" ".join(exc.messages)) from exc

    def perform_update(self, serializer):
        try:
            serializer.instance = catalog_row_update(
                row=serializer.instance,
                fields=serializer.validated_data,
                organization=self.organization,
            )
        except CatalogImmutable as exc:
            raise Conflict(" ".join(exc.messages)) from exc

    def perform_destroy(self, instance):
        try:
            catalog_row_delete(row=instance, organization=self.organization)
        except CatalogImmutable as exc:
            raise Conflict(" ".join(exc.messages)) from exc


def _schema(kind: str, slug: str, label: str):
    serializer = OFFER_SERIALIZERS[kind]
    # "api_..." would read as a prefix of the API itself in generated clients.
    name = "model_api" if slug == "api" else slug.replace("-", "_")
    write = {403: _PUBLIC_403, 409: _PUBLISHED_409}
    return extend_schema_view(
        list=extend_schema(
            operation_id=f"{name}_offers_list",
            summary=f"List the {label} offers of a catalog",
            responses={200: serializer(many=True)},
        ),
        retrieve=extend_schema(
            operation_id=f"{name}_offers_retrieve",
            summary=f"Get a {label} offer",
            responses={200: serializer},
        ),
        create=extend_schema(
            operation_id=f"{name}_offers_create",
            summary=f"Add a {label} offer to a draft of the organization's own",
            responses={201: serializer, **write},
        ),
        update=extend_schema(
            operation_id=f"{name}_offers_update",
            summary=f"Replace a {label} offer of a draft",
            responses={200: serializer, **write},
        ),
        partial_update=extend_schema(
            operation_id=f"{name}_offers_partial_update",
            summary=f"Change a {label} offer of a draft",
            responses={200: serializer, **write},
        ),
        destroy=extend_schema(
            operation_id=f"{name}_offers_destroy",
            summary=f"Delete a {label} offer of a draft",
            responses={204: None, 403: _PUBLIC_403, 409: _PUBLISHED_409},
        ),
    ), extend_schema(
        tags=["catalogs"],
        parameters=[ORG_SLUG, CATALOG_PK],
        description=f"{label.capitalize()} offers of one catalog version. Each price carries its "
        "currency, date, source and source kind, and, when the organization's currency "
        "differs, the converted amount with the rate, its date and sources (or why no rate "
        "connects them). Public catalogs answer 403 to writes; published ones 409.",
    )


def _viewset(kind: str, slug: str, label: str, filterset, search: list[str], ordering: list):
    view_schema, class_schema = _schema(kind, slug, label)
    attrs = {
        "__doc__": f"``catalogs/<catalog_pk>/{slug}-offers/``.",
        "__module__": __name__,
        "kind": kind,
        "model": CATALOG_ROW_MODELS[kind],
        "serializer_class": OFFER_SERIALIZERS[kind],
        "filterset_class": filterset,
        "search_fields": search,
        "ordering_fields": ordering,
    }
    name = "".join(part.capitalize() for part in slug.split("-")) + "OfferViewSet"
    return class_schema(view_schema(type(name, (OfferViewSetBase,), attrs)))


CloudGpuOfferViewSet = _viewset(
    "cloud_gpu", "cloud-gpu", "cloud GPU", CloudGpuOfferFilter,
    ["instance", "gpu_name", "region", "provider__name"],
    ["on_demand_per_hour", "date", "gpu_count", "instance"],
)  # fmt: skip
ApiOfferViewSet = _viewset(
    "api", "api", "model API", ApiOfferFilter,
    ["model_name", "provider__name", "regions"],
    ["input_price", "output_price", "date", "model_name"],
)  # fmt: skip
ServerOfferViewSet = _viewset(
    "server", "server", "on-prem server", ServerOfferFilter,
    ["system", "gpu_name"],
    ["price", "date", "system"],
)  # fmt: skip
