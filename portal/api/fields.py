"""Serializer building blocks: strict bodies and model specs named instead of numbered."""

from __future__ import annotations

import copy
from collections.abc import Mapping

from django.db.models import F
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.models import ModelSpec


class StrictFieldsMixin:
    """Refuses keys the serializer does not know, so a typo is a 400 and not silently dropped."""

    def to_internal_value(self, data):
        # Read-only fields count as known: a client may send back what it read.
        if isinstance(data, Mapping):
            unknown = [key for key in data if key not in self.fields]
            if unknown:
                raise serializers.ValidationError(
                    {
                        str(key): [
                            serializers.ErrorDetail(
                                "is not a field of this resource.", code="unknown_field"
                            )
                        ]
                        for key in unknown
                    }
                )
        return super().to_internal_value(data)


class StrictModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A ModelSerializer that refuses unknown keys."""


class FieldsBuiltOnceMixin:
    """Builds a ModelSerializer's fields from its model once per class, and gives each
    serializer shallow copies of them.

    DRF builds every field from the model's introspection for every serializer it creates:
    for a workload's 30 fields that was a quarter of a detail request's CPU, and a deep copy
    half as much again. A copy shares what fields only read (kwargs, choices, a list's child)
    and gets its own validators list and binding (name, parent, hence context), which is all a
    serializer writes. Only for serializers without nested serializers or fields that keep
    state per request.
    """

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built
        return {name: _unbound_copy(field) for name, field in built.items()}


def _unbound_copy(field: serializers.Field) -> serializers.Field:
    copied = copy.copy(field)
    if "_validators" in field.__dict__:
        copied._validators = list(field._validators)
    return copied


class DecimalsAsNumbersMixin:
    """Quantities (factors, percentages, GPU-hours) travel as JSON numbers, not strings."""

    # Money keeps DRF's exact decimal strings; these are measurements that inventories and
    # CMDBs hold as numbers.
    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.DecimalField):
            field_kwargs["coerce_to_string"] = False
        return field_class, field_kwargs


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    """A Serializer that refuses unknown keys."""


class UsernameField(serializers.SlugRelatedField):
    """Who did something, by username: null when no one did or once the account is deleted
    (the foreign keys are ``SET_NULL``), so the schema must say it may be null."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", read_only=True, allow_null=True, **kwargs)


# Empty text means no model, as in an import's empty cell (DRF reads '' as null for relations).
@extend_schema_field(OpenApiTypes.STR)
class ModelSpecNameField(serializers.SlugRelatedField):
    """A model spec given by its name, among those the request's organization can see."""

    # Names match without regard to case and an organization's own spec wins over a public
    # one of the same name, as in file imports.

    default_error_messages = {
        "does_not_exist": "No model named {value!r}; use a name listed by model-specs/.",
        "invalid": "Give the model's name as text.",
    }

    def __init__(self, **kwargs):
        # The real queryset depends on the organization: see get_queryset.
        kwargs.setdefault("queryset", ModelSpec.objects.public())
        super().__init__(slug_field="name", **kwargs)

    def get_queryset(self):
        return ModelSpec.objects.for_organization(self.context["organization"])

    def to_internal_value(self, data):
        # PostgreSQL refuses NUL in a query parameter: answer 400 before asking it.
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        spec = (
            self.get_queryset()
            .filter(name__iexact=data.strip())
            .order_by(F("organization").asc(nulls_last=True))
            .first()
        )
        if spec is None:
            self.fail("does_not_exist", value=data.strip()[:80])
        return spec
