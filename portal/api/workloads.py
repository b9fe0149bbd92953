"""The workload inventory's CRUD: filters, search, ordering and fast pages over 100,000 rows."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.filters import SearchFilter
from rest_framework.validators import UniqueValidator

from portal.api.fields import (
    DecimalsAsNumbersMixin,
    FieldsBuiltOnceMixin,
    ModelSpecNameField,
    StrictModelSerializer,
)
from portal.api.filters import ScopedFilterBackend, StableOrderingFilter, WorkloadFilter
from portal.api.parsers import OrjsonParser
from portal.api.schema import ORG_SLUG
from portal.models import Workload
from portal.services.workload_rows import WORKLOAD_COLUMNS
from portal.services.workloads import workload_delete, workload_save
from portal.tenancy import OrgScopedViewSet
from portal.validators import MAX_TAG_LENGTH, MAX_TAGS, validate_tags

DUPLICATE_EXTERNAL_ID = "A workload with this external ID already exists in the organization."


class WorkloadSerializer(FieldsBuiltOnceMixin, DecimalsAsNumbersMixin, StrictModelSerializer):
    """A workload; ``model`` is a model spec's name, so clients need no ids."""

    model = ModelSpecNameField(
        allow_null=True,
        required=False,
        help_text=(
            "Name of a model spec (see model-specs/); null or empty for work sized in GPU-hours."
        ),
    )
    model_id = serializers.IntegerField(read_only=True, allow_null=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=MAX_TAG_LENGTH),
        max_length=MAX_TAGS,
        required=False,
        validators=[validate_tags],
        help_text=f"Up to {MAX_TAGS} labels of up to {MAX_TAG_LENGTH} characters.",
    )

    class Meta:
        model = Workload
        fields = ["id", *WORKLOAD_COLUMNS[:5], "model_id", *WORKLOAD_COLUMNS[5:]]
        fields += ["created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organization = self.context.get("organization")
        if organization is not None and "external_id" in self.fields:
            self.fields["external_id"].validators.append(
                UniqueValidator(
                    queryset=Workload.objects.for_organization(organization),
                    message=DUPLICATE_EXTERNAL_ID,
                )
            )


@extend_schema_view(
    list=extend_schema(
        operation_id="workloads_list",
        summary="List workloads (filter, search, order, page)",
        responses={200: WorkloadSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="workloads_retrieve",
        summary="Get a workload",
        responses={200: WorkloadSerializer},
    ),
    create=extend_schema(
        operation_id="workloads_create",
        summary="Add a workload (analysts and above)",
        responses={201: WorkloadSerializer},
    ),
    update=extend_schema(
        operation_id="workloads_update",
        summary="Replace a workload (analysts and above)",
        responses={200: WorkloadSerializer},
    ),
    partial_update=extend_schema(
        operation_id="workloads_partial_update",
        summary="Change some fields of a workload (analysts and above)",
        responses={200: WorkloadSerializer},
    ),
    destroy=extend_schema(
        operation_id="workloads_destroy",
        summary="Delete a workload (analysts and above)",
        responses={204: None},
    ),
)
@extend_schema(
    tags=["workloads"],
    parameters=[ORG_SLUG],
    description="Viewers read; analysts and above write. `model` is a model spec's name "
    "(public or the organization's own). Another organization's workload answers 404.",
)
class WorkloadViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    """``/api/v1/orgs/<org_slug>/workloads/``: viewers read, analysts and above write."""

    model = Workload
    parser_classes = [OrjsonParser]
    serializer_class = WorkloadSerializer
    filter_backends = [ScopedFilterBackend, SearchFilter, StableOrderingFilter]
    filterset_class = WorkloadFilter
    search_fields = ["name", "external_id", "owner_team"]
    ordering_fields = [
        "name",
        "external_id",
        "requests_per_day",
        "updated_at",
        "created_at",
    ]
    ordering = ["name", "id"]
    unique_ordering_fields = ("external_id",)  # unique within an organization

    def scoped_queryset(self, organization):
        return Workload.objects.for_organization(organization).select_related("model")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["organization"] = getattr(self, "organization", None)
        return context

    def perform_create(self, serializer):
        self._save(serializer, Workload(**serializer.validated_data))

    def perform_update(self, serializer):
        workload = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(workload, name, value)
        self._save(serializer, workload)

    def _save(self, serializer, workload: Workload) -> None:
        try:
            with transaction.atomic():
                serializer.instance = workload_save(
                    organization=self.organization, workload=workload
                )
        except IntegrityError as exc:
            # Another request took the external ID between our check and the insert.
            raise serializers.ValidationError({"external_id": [DUPLICATE_EXTERNAL_ID]}) from exc

    def perform_destroy(self, instance):
        workload_delete(organization=self.organization, workload=instance)
