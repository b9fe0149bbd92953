"""The audit log's filters, one filterset shared by its page, its CSV export and the API."""

from __future__ import annotations

import django_filters
from django import forms

from portal.models import AuditAction, AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    """Who (part of a name), what kind of event, which object, and between which dates."""

    actor = django_filters.CharFilter(
        lookup_expr="icontains", help_text="Part of the acting user's name."
    )
    action = django_filters.ChoiceFilter(
        choices=AuditAction.choices, empty_label="All events", help_text="Kind of event."
    )
    object_type = django_filters.CharFilter(
        label="Object type", help_text="workload, catalog, member, report..."
    )
    object_id = django_filters.CharFilter(label="Object id", help_text="The object's id.")
    since = django_filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
        label="From",
        help_text="First day (YYYY-MM-DD, UTC), included.",
    )
    until = django_filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
        label="To",
        help_text="Last day (YYYY-MM-DD, UTC), included.",
    )

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "object_type", "object_id", "since", "until"]
