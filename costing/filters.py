"""The accelerators' filters: one set for the API and the pages, which add a free-text search."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django_filters import rest_framework as filters

from costing.models import GpuSpec
from portal.api.filters import StrictBooleanFilter

# The list's datalist of vendors, which the vendor box suggests from.
VENDOR_LIST_ID = "accelerator-vendors"


class AcceleratorFilter(filters.FilterSet):
    """By vendor (any, as typed) and by origin: public rows or the organization's own."""

    vendor = filters.CharFilter(
        field_name="vendor",
        lookup_expr="iexact",
        label="Vendor",
        help_text="Vendor, in any case (e.g. 'amd').",
        widget=forms.TextInput(attrs={"list": VENDOR_LIST_ID}),
    )
    is_public = StrictBooleanFilter(
        field_name="organization",
        lookup_expr="isnull",
        label="Origin",
        help_text="true: the shared public accelerators; false: the organization's own.",
        widget=forms.Select(
            choices=[("", "Public and yours"), ("true", "Public"), ("false", "Yours")]
        ),
    )

    class Meta:
        model = GpuSpec
        fields: list[str] = []


class AcceleratorPageFilter(AcceleratorFilter):
    """The list page's filters: a search box first (the API has its own ``search``)."""

    q = filters.CharFilter(method="search", label="Search")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The search box leads, as on the other lists.
        self.filters = {"q": self.filters.pop("q"), **self.filters}

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(vendor__icontains=value) | Q(form_factor__icontains=value)
        )

    @property
    def is_active(self) -> bool:
        data = self.data or {}
        return any(data.get(name) for name in self.filters)
