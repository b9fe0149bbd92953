"""Search, filters and sorting of the list pages (django-filter), also applied to exports."""

from __future__ import annotations

import json

import django_filters
from django.db import connection
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from portal.models import ModelSpec, Workload
from portal.models.workload import DataClassification, Residency, WorkloadKind
from portal.selectors import model_specs_for

# Sortable columns of the workload list: query value -> (ORM field, column heading).
WORKLOAD_SORTS: dict[str, tuple[str, str]] = {
    "name": ("name", "Name"),
    "external_id": ("external_id", "External ID"),
    "kind": ("kind", "Kind"),
    "model": ("model__name", "Model"),
    "requests_per_day": ("requests_per_day", "Requests/day"),
    "data_classification": ("data_classification", "Classification"),
    "owner_team": ("owner_team", "Owner team"),
    "updated_at": ("updated_at", "Updated"),
}


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorts by the chosen column, then by name and id, so pages never repeat or skip rows."""

    def filter(self, qs, value):
        ordering = [self.get_ordering_value(param) for param in (value or []) if param]
        if not ordering:
            return qs
        return qs.order_by(*ordering, "name", "id")


def _visible_model_specs(request):
    organization = getattr(request, "organization", None)
    if organization is None:
        return ModelSpec.objects.none()
    return model_specs_for(organization=organization)


class WorkloadFilter(django_filters.FilterSet):
    """Filters of the workload list; the same query string narrows the exports."""

    q = django_filters.CharFilter(
        method="search", label="Search", help_text="Name, external ID or owner team."
    )
    kind = django_filters.ChoiceFilter(choices=WorkloadKind.choices, empty_label="All kinds")
    data_classification = django_filters.ChoiceFilter(
        label="Classification",
        choices=DataClassification.choices,
        empty_label="All classifications",
    )
    model = django_filters.ModelChoiceFilter(
        queryset=_visible_model_specs,
        empty_label="All models",
        null_label="No model (GPU-hours)",
    )
    residency_requirement = django_filters.ChoiceFilter(
        label="Residency", choices=Residency.choices, empty_label="Any residency"
    )
    personal = django_filters.ChoiceFilter(
        label="Personal data",
        method="filter_personal",
        choices=[
            ("yes", "Personal data"),
            ("special", "Special-category data"),
            ("no", "No personal data"),
        ],
        empty_label="With or without",
    )
    tag = django_filters.CharFilter(method="filter_tag", label="Tag")
    sort = StableOrderingFilter(
        fields={field: key for key, (field, _) in WORKLOAD_SORTS.items()},
        label="Sort by",
    )

    class Meta:
        model = Workload
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(external_id__icontains=value)
            | Q(owner_team__icontains=value)
        )

    def filter_personal(self, queryset, name, value):
        if value == "special":
            return queryset.filter(special_category_data=True)
        return queryset.filter(personal_data=(value == "yes"))

    def filter_tag(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if connection.vendor == "postgresql":
            return queryset.filter(tags__contains=[value])
        # SQLite (the embedded demo) has no JSON containment: match the quoted label instead.
        return queryset.alias(tags_text=Cast("tags", TextField())).filter(
            tags_text__contains=json.dumps(value)
        )

    @property
    def is_active(self) -> bool:
        """Whether any filter (not just the sort order) narrows the list."""
        data = self.data or {}
        return any(data.get(name) for name in self.filters if name != "sort")


class ModelSpecFilter(django_filters.FilterSet):
    """Search and narrow the models list."""

    ORIGINS = [("public", "Public"), ("yours", "Yours")]
    WEIGHTS = [("open", "Open weights"), ("closed", "Closed API")]

    q = django_filters.CharFilter(method="search", label="Search")
    origin = django_filters.ChoiceFilter(
        label="Origin", method="filter_origin", choices=ORIGINS, empty_label="Public and yours"
    )
    weights = django_filters.ChoiceFilter(
        label="Runs as", method="filter_weights", choices=WEIGHTS, empty_label="Open and closed"
    )

    class Meta:
        model = ModelSpec
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(provider__icontains=value))

    def filter_origin(self, queryset, name, value):
        return queryset.filter(organization__isnull=(value == "public"))

    def filter_weights(self, queryset, name, value):
        return queryset.filter(open_weights=(value == "open"))

    @property
    def is_active(self) -> bool:
        data = self.data or {}
        return any(data.get(name) for name in self.filters)
