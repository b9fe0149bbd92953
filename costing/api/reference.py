"""Reference data every member reads: providers and FX rates (accelerators: accelerators.py)."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.filters import SearchFilter

from costing.api.serializers import FxRateSerializer, ProviderSerializer
from costing.models import FxRate, Provider
from portal.api.filters import ScopedFilterBackend, StableOrderingFilter
from portal.api.schema import ORG_SLUG
from portal.tenancy import OrgScopedViewSet


def _read_schema(name: str, serializer, label: str, *, retrieve: bool = True):
    views = {
        "list": extend_schema(
            operation_id=f"{name}_list",
            summary=f"List {label}",
            responses={200: serializer(many=True)},
        )
    }
    if retrieve:
        views["retrieve"] = extend_schema(
            operation_id=f"{name}_retrieve",
            summary=f"Get one of the {label}",
            responses={200: serializer},
        )
    return extend_schema_view(**views)


@_read_schema("providers", ProviderSerializer, "the providers (public and the organization's)")
@extend_schema(tags=["catalogs"], parameters=[ORG_SLUG])
class ProviderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """``providers/``: public providers and the organization's own."""

    model = Provider
    serializer_class = ProviderSerializer
    filter_backends = [SearchFilter, StableOrderingFilter]
    search_fields = ["name", "headquarters_country"]
    ordering_fields = ["name"]

    def scoped_queryset(self, organization):
        return Provider.objects.for_organization(organization)


class FxRateFilter(filters.FilterSet):
    """Rates by currency pair and date."""

    on_or_before = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = FxRate
        fields = ["base", "quote"]


@_read_schema("fx_rates", FxRateSerializer, "the FX rates", retrieve=False)
@extend_schema(tags=["catalogs"], parameters=[ORG_SLUG])
class FxRateViewSet(mixins.ListModelMixin, OrgScopedViewSet):
    """``fx-rates/``: published rates with their dates and sources (shared reference data)."""

    model = FxRate
    serializer_class = FxRateSerializer
    filter_backends = [ScopedFilterBackend, StableOrderingFilter]
    filterset_class = FxRateFilter
    ordering_fields = ["date", "base", "quote"]

    def scoped_queryset(self, organization):
        return FxRate.objects.all()
