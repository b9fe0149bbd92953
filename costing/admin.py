"""Django admin for the price catalogs: staff see every catalog; published versions are read-only.

Catalogs and their rows list through ``_default_manager`` (``dangerously_unscoped``), so staff
see public and private catalogs here and nowhere else. Writes go through costing.services,
which refuse any change to a published version.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from costing.models import (
    ApiOffer,
    Catalog,
    CatalogParameter,
    CatalogStatus,
    CloudGpuOffer,
    FxRate,
    GpuSpec,
    Provider,
    ReferenceFigure,
    ServerOffer,
)
from costing.services import catalog_publish, catalog_row_save


def _owner(obj) -> str:
    return obj.organization.name if obj.organization_id else "public"


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "headquarters_country",
        "us_cloud_act_exposure",
        "customer_managed_keys",
        "zero_data_retention",
        "trains_on_api_data_by_default",
        "owner",
    )
    list_filter = ("us_cloud_act_exposure", "customer_managed_keys", "zero_data_retention")
    search_fields = ("name", "headquarters_country", "parent_company_country")
    list_select_related = ("organization",)
    readonly_fields = ("organization", "created_at", "updated_at")

    @admin.display(description="organization")
    def owner(self, obj: Provider) -> str:
        return _owner(obj)


@admin.register(Catalog)
class CatalogAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "version",
        "owner",
        "status",
        "currency",
        "effective_date",
        "created_at",
    )
    list_filter = ("status", "currency")
    search_fields = ("name", "version", "organization__name")
    list_select_related = ("organization",)
    readonly_fields = (
        "organization",
        "status",
        "content_sha256",
        "based_on",
        "created_at",
        "published_at",
    )
    actions = ("publish",)

    @admin.display(description="organization")
    def owner(self, obj: Catalog) -> str:
        return _owner(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_published:
            return False  # a published version never changes: copy it into a new version
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_published:
            return False  # runs and reports cite it
        return super().has_delete_permission(request, obj)

    @admin.action(description="Publish the selected draft catalogs")
    def publish(self, request, queryset) -> None:
        for catalog in queryset.filter(status=CatalogStatus.DRAFT):
            try:
                catalog_publish(catalog=catalog, organization=catalog.organization)
            except ValidationError as exc:  # a flagged feed diff: confirmed on the catalog page
                messages.error(
                    request, f"{catalog.name} {catalog.version}: {' '.join(exc.messages)}"
                )
                continue
            messages.success(request, f"Published {catalog.name} {catalog.version}.")


class CatalogRowForm(forms.ModelForm):
    """Rows are added to draft catalogs only."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "catalog" in self.fields:
            self.fields["catalog"].queryset = Catalog.dangerously_unscoped.filter(
                status=CatalogStatus.DRAFT
            )


class CatalogRowAdmin(admin.ModelAdmin):
    """Rows of published versions are shown read-only; drafts are edited through the services."""

    form = CatalogRowForm
    list_select_related = ("catalog",)
    list_filter = ("catalog__status", "source_kind", "currency")
    readonly_fields = ("source_row",)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.catalog.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.catalog.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        try:
            catalog_row_save(row=obj, organization=obj.catalog.organization)
        except (ValidationError, PermissionDenied) as exc:
            raise PermissionDenied(str(exc)) from exc


@admin.register(CloudGpuOffer)
class CloudGpuOfferAdmin(CatalogRowAdmin):
    list_display = (
        "provider",
        "instance",
        "region",
        "gpu_name",
        "gpu_count",
        "on_demand_per_hour",
        "reserved_1y_per_hour",
        "reserved_3y_per_hour",
        "spot_per_hour",
        "currency",
        "date",
        "source_kind",
        "catalog",
    )
    list_select_related = ("catalog", "provider")
    list_filter = ("provider", *CatalogRowAdmin.list_filter)
    search_fields = ("instance", "region", "gpu_name", "provider__name", "notes")


@admin.register(ApiOffer)
class ApiOfferAdmin(CatalogRowAdmin):
    list_display = (
        "provider",
        "model_name",
        "unit",
        "input_price",
        "output_price",
        "cached_input_price",
        "batch_discount_pct",
        "currency",
        "date",
        "source_kind",
        "catalog",
    )
    list_select_related = ("catalog", "provider")
    list_filter = ("provider", "unit", *CatalogRowAdmin.list_filter)
    search_fields = ("model_name", "provider__name", "notes")


@admin.register(ServerOffer)
class ServerOfferAdmin(CatalogRowAdmin):
    list_display = (
        "system",
        "gpu_name",
        "gpu_count",
        "price",
        "currency",
        "price_kind",
        "power_max_kw",
        "rack_units",
        "date_text",
        "catalog",
    )
    list_filter = ("price_kind", *CatalogRowAdmin.list_filter)
    search_fields = ("system", "gpu_name", "notes")


@admin.register(CatalogParameter)
class CatalogParameterAdmin(CatalogRowAdmin):
    list_display = ("key", "kind", "value", "unit", "gpu_name", "year", "catalog")
    list_filter = ("kind", *CatalogRowAdmin.list_filter)
    search_fields = ("key", "gpu_name", "notes")


@admin.register(ReferenceFigure)
class ReferenceFigureAdmin(CatalogRowAdmin):
    list_display = ("item", "kind", "region", "value", "unit", "period", "date_text", "catalog")
    list_filter = ("kind", *CatalogRowAdmin.list_filter)
    search_fields = ("item", "region", "notes")


@admin.register(GpuSpec)
class GpuSpecAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "vendor",
        "memory_gb",
        "memory_bandwidth_tb_s",
        "bf16_dense_tflops",
        "fp8_dense_tflops",
        "fp4_dense_tflops",
        "tdp_w",
        "launch_year",
        "owner",
    )
    list_filter = ("vendor",)
    search_fields = ("name", "form_factor")
    list_select_related = ("organization",)
    readonly_fields = ("organization",)

    @admin.display(description="organization", ordering="organization__name")
    def owner(self, obj: GpuSpec) -> str:
        return _owner(obj)


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin):
    list_display = ("base", "quote", "rate", "date", "source_url")
    list_filter = ("base", "quote")
    date_hierarchy = "date"
