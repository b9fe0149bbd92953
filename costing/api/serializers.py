"""Serializers of the catalog API: catalogs, offers with their price blocks, reference data."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from costing.models import CATALOG_ROW_MODELS, Catalog, FxRate, GpuSpec, Provider
from costing.models.reference import EDITABLE_FIELDS as ACCELERATOR_FIELDS
from costing.price_display import price_block
from costing.services.catalog_io import columns
from portal.api.fields import DecimalsAsNumbersMixin, StrictModelSerializer, StrictSerializer

ANSWERS = "'yes', 'no', 'na' (not applicable) or 'unknown' (not established)."


class CatalogSerializer(StrictModelSerializer):
    """A catalog version: public (shared, read-only) or the organization's own."""

    is_public = serializers.BooleanField(read_only=True)
    based_on = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The version this one was copied from, if any."
    )

    class Meta:
        model = Catalog
        fields = [
            "id", "name", "version", "currency", "effective_date", "valid_until", "source",
            "notes", "status", "is_public", "based_on", "created_at", "published_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "valid_until", "status", "is_public", "based_on", "created_at", "published_at",
        ]  # fmt: skip
        validators: list = []  # the service checks the version is free


class CatalogVersionSerializer(StrictSerializer):
    """A new draft version copied, rows and all, from an existing one."""

    version = serializers.CharField(max_length=60)
    effective_date = serializers.DateField(
        required=False, help_text="Default: the copied version's effective date."
    )


class ConversionSerializer(serializers.Serializer):
    """Prices in the organization's currency, with the rate, its date and its sources."""

    currency = serializers.CharField()
    available = serializers.BooleanField(help_text="False when no published rate connects them.")
    rate = serializers.DecimalField(max_digits=24, decimal_places=8, allow_null=True)
    rate_date = serializers.DateField(allow_null=True)
    via = serializers.CharField(help_text="Currency a cross rate went through, if any.")
    sources = serializers.ListField(child=serializers.CharField())
    amounts = serializers.DictField(
        child=serializers.DecimalField(max_digits=24, decimal_places=6, allow_null=True)
    )
    message = serializers.CharField(help_text="Why nothing was converted, when so.")


class PriceBlockSerializer(serializers.Serializer):
    """An offer's prices as published, their provenance, and their conversion."""

    currency = serializers.CharField()
    valid_from = serializers.DateField(help_text="First day the prices hold.")
    valid_until = serializers.DateField(
        allow_null=True,
        help_text="First day they no longer hold (superseded); null while still in force.",
    )
    date = serializers.DateField(allow_null=True)
    date_text = serializers.CharField()
    source_url = serializers.CharField()
    source_kind = serializers.CharField(help_text="'primary', 'secondary' or '' (not stated).")
    amounts = serializers.DictField(
        child=serializers.DecimalField(max_digits=24, decimal_places=6, allow_null=True),
        help_text="Each price field; null is a missing price, never 0.",
    )
    missing = serializers.ListField(child=serializers.CharField())
    conversion = ConversionSerializer(
        allow_null=True, help_text="Null when the price is already in the organization's currency."
    )


class ProviderNameField(serializers.SlugRelatedField):
    """A provider given by name, among the public ones and the organization's own."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Provider.objects.public())
        super().__init__(slug_field="name", **kwargs)

    def get_queryset(self):
        return Provider.objects.for_organization(self.context["organization"])


class OfferSerializerBase(StrictModelSerializer):
    """Fields every offer shares; ``prices`` is read-only and computed."""

    prices = serializers.SerializerMethodField()

    @extend_schema_field(PriceBlockSerializer)
    def get_prices(self, offer) -> dict:
        return PriceBlockSerializer(price_block(offer, self.context["converter"])).data


def _offer_serializer(kind: str, name: str) -> type[OfferSerializerBase]:
    model = CATALOG_ROW_MODELS[kind]
    attrs = {"__doc__": f"A {model._meta.verbose_name} of a catalog, with its sourced prices."}
    fields = ["id", "catalog", *columns(kind), "prices"]
    if "provider" in fields:
        attrs["provider"] = ProviderNameField(help_text="Provider name (see providers/).")
    meta = type(
        "Meta", (), {"model": model, "fields": fields, "read_only_fields": ["id", "catalog"]}
    )
    attrs["Meta"] = meta
    return type(name, (OfferSerializerBase,), attrs)


CloudGpuOfferSerializer = _offer_serializer("cloud_gpu", "CloudGpuOfferSerializer")
ApiOfferSerializer = _offer_serializer("api", "ApiOfferSerializer")
ServerOfferSerializer = _offer_serializer("server", "ServerOfferSerializer")
OFFER_SERIALIZERS = {
    "cloud_gpu": CloudGpuOfferSerializer,
    "api": ApiOfferSerializer,
    "server": ServerOfferSerializer,
}


class ProviderSerializer(serializers.ModelSerializer):
    """A provider and the attributes sovereignty is scored on."""

    is_public = serializers.BooleanField(read_only=True)
    # One set of answers serves three terms: plain strings keep the schema's enums apart.
    customer_managed_keys = serializers.CharField(read_only=True, help_text=ANSWERS)
    zero_data_retention = serializers.CharField(read_only=True, help_text=ANSWERS)
    trains_on_api_data_by_default = serializers.CharField(read_only=True, help_text=ANSWERS)

    class Meta:
        model = Provider
        exclude = ["organization"]


class GpuSpecSerializer(DecimalsAsNumbersMixin, StrictModelSerializer):
    """An accelerator's memory, bandwidth, dense throughput and power; public ones are read-only.

    An organization's own needs memory, bandwidth and a dense BF16 peak: sizing reads them.
    """

    is_public = serializers.BooleanField(
        read_only=True, help_text="Shared by every organization; not editable."
    )

    class Meta:
        model = GpuSpec
        fields = ["id", *ACCELERATOR_FIELDS, "is_public"]
        read_only_fields = ["id", "is_public"]
        # Uniqueness among the accelerators the organization sees is the service's check.
        validators: list = []


class FxRateSerializer(serializers.ModelSerializer):
    """1 ``base`` = ``rate`` ``quote`` on ``date``, with its source."""

    class Meta:
        model = FxRate
        fields = "__all__"
