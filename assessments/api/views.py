"""Assessments over the API (CRUD), and the runs of one assessment: list them, start one."""

from __future__ import annotations

from django.db.models import Count, Prefetch
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.filters import SearchFilter
from rest_framework.response import Response

from assessments.api.runs import OrgContextMixin, runs_listed
from assessments.api.serializers import (
    AssessmentCreatedSerializer,
    AssessmentSerializer,
    RunSerializer,
    RunStartSerializer,
)
from assessments.models import Assessment
from assessments.selectors import assessments_for
from assessments.services.assessments import assessment_delete, assessment_save
from assessments.services.run_start import RunJustStarted, assessment_run_start
from portal.api.filters import StableOrderingFilter
from portal.api.parsers import OrjsonParser
from portal.api.schema import ORG_SLUG, errors
from portal.models import Workload
from portal.tenancy import OrgScopedAPIView, OrgScopedViewSet


@extend_schema_view(
    list=extend_schema(
        operation_id="assessments_list",
        summary="List assessments (search, order, page)",
        responses={200: AssessmentSerializer(many=True)},
    ),
    create=extend_schema(
        operation_id="assessments_create",
        summary="Create an assessment (analysts and above)",
        description="The answer holds `callback_secret`, the key that signs this assessment's "
        "callbacks. It is shown in this answer only: store it now.",
        responses={201: AssessmentCreatedSerializer},
    ),
    retrieve=extend_schema(
        operation_id="assessments_retrieve",
        summary="Get an assessment",
        responses={200: AssessmentSerializer},
    ),
    update=extend_schema(
        operation_id="assessments_update",
        summary="Replace an assessment (analysts and above)",
        responses={200: AssessmentSerializer},
    ),
    partial_update=extend_schema(
        operation_id="assessments_partial_update",
        summary="Change some fields of an assessment (analysts and above)",
        responses={200: AssessmentSerializer},
    ),
    destroy=extend_schema(
        operation_id="assessments_destroy",
        summary="Delete an assessment with its runs and reports (analysts and above)",
        responses={204: None},
    ),
)
@extend_schema(
    tags=["assessments"],
    parameters=[ORG_SLUG],
    description="Viewers read; analysts and above write. `workloads` lists external IDs of "
    "the organization's workloads; an unknown one is refused by name. Editing an assessment "
    "never changes a run already computed: each run froze its inputs.",
)
class AssessmentViewSet(
    OrgContextMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    """``/api/v1/orgs/<org_slug>/assessments/``: viewers read, analysts and above write."""

    model = Assessment
    parser_classes = [OrjsonParser]
    serializer_class = AssessmentSerializer
    filter_backends = [SearchFilter, StableOrderingFilter]
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["-updated_at", "-id"]

    def scoped_queryset(self, organization):
        workloads = Workload.objects.for_organization(organization).only("id", "external_id")
        return (
            assessments_for(organization=organization)
            .select_related("created_by")
            .prefetch_related(Prefetch("workloads", queryset=workloads))
            .annotate(run_count=Count("runs"))
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        # The secret is written once and shown once: no later answer carries it.
        body = AssessmentCreatedSerializer(
            serializer.instance, context=self.get_serializer_context()
        ).data
        location = request.build_absolute_uri(
            reverse(
                "api:assessment-detail",
                kwargs={"org_slug": self.organization.slug, "pk": serializer.instance.pk},
            )
        )
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        workloads = fields.pop("workloads", None)
        serializer.instance = assessment_save(
            organization=self.organization,
            assessment=Assessment(**fields),
            workloads=workloads,
            user=self.request.user,
        )

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        workloads = fields.pop("workloads", None)
        assessment = serializer.instance
        for name, value in fields.items():
            setattr(assessment, name, value)
        serializer.instance = assessment_save(
            organization=self.organization, assessment=assessment, workloads=workloads
        )

    def perform_destroy(self, instance):
        assessment_delete(organization=self.organization, assessment=instance)


class AssessmentRunsView(OrgContextMixin, OrgScopedAPIView):
    """``assessments/<id>/runs/``: the assessment's runs; POST starts one (analysts and above)."""

    model = Assessment
    parser_classes = [OrjsonParser]
    serializer_class = RunSerializer
    filter_backends = []

    def scoped_queryset(self, organization):
        return assessments_for(organization=organization)

    @extend_schema(
        tags=["runs"],
        operation_id="assessment_runs_list",
        summary="List an assessment's runs, newest first",
        parameters=[ORG_SLUG],
        responses={200: RunSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        assessment = self.get_object()
        runs = runs_listed(self.organization).filter(assessment=assessment)
        page = self.paginate_queryset(runs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        tags=["runs"],
        operation_id="assessment_runs_start",
        summary="Start a run of the assessment (analysts and above)",
        description="Send no body (or `{}`). The run is queued and computed by a worker: the "
        "answer is 202 with the queued run, and `Location` is the run's URL, to poll until "
        "`status` is `succeeded` or `failed`. A second start by the same user within "
        "`SOVRA_RUN_REPEAT_START_SECONDS` (10 s) while the first run is still queued or "
        "running answers 409 with the code `just_started` and that run (`run`, `Location`).",
        parameters=[ORG_SLUG],
        request=RunStartSerializer,
        responses={
            202: OpenApiResponse(RunSerializer, description="Queued; `Location` is the run."),
            **errors(400, 409),
        },
    )
    def post(self, request, *args, **kwargs):
        assessment = self.get_object()
        RunStartSerializer(data=request.data if request.data else {}).is_valid(raise_exception=True)
        try:
            run = assessment_run_start(assessment=assessment, requested_by=request.user)
        except RunJustStarted as repeat:
            body = self.get_serializer(runs_listed(self.organization).get(pk=repeat.run.pk)).data
            error = {"field": None, "message": str(repeat), "code": "just_started"}
            return Response(
                {"detail": str(repeat), "errors": [error], "run": body},
                status=status.HTTP_409_CONFLICT,
                headers={"Location": body["links"]["self"]},
            )
        # Read again: a worker in this process may have finished it already.
        run = runs_listed(self.organization).get(pk=run.pk)
        body = self.get_serializer(run).data
        return Response(
            body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["links"]["self"]}
        )
