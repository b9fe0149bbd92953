"""Runs over the API: list and poll them, fetch their results (JSON or a spreadsheet), snapshot
and PDF report, email the report, and compare two runs of one assessment."""

from __future__ import annotations

import hashlib

import orjson
from django.conf import settings
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.http import HttpResponse, StreamingHttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from assessments.api.serializers import (
    ReportEmailRequestSerializer,
    ReportEmailSerializer,
    RunComparisonSerializer,
    RunSerializer,
)
from assessments.compare import runs_compare
from assessments.inputs import RunSnapshot
from assessments.models import AssessmentRun, RunReport, RunStatus
from assessments.reports.workbook import results_file_stem, run_results_workbook
from assessments.results import RunResults
from assessments.selectors import (
    emails_for,
    run_results_compared,
    run_results_page,
    runs_for,
)
from assessments.services.emails import report_downloaded, report_email_queue
from assessments.services.runs import not_succeeded_message
from portal.api.errors import Conflict
from portal.api.filters import IntegerFilter, ScopedFilterBackend
from portal.api.parsers import OrjsonParser
from portal.api.schema import ORG_SLUG, errors
from portal.tenancy import OrgScopedAPIView, OrgScopedViewSet


class OrgContextMixin:
    """Serializers get the organization (to resolve names) and its slug (to build links)."""

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["organization"] = getattr(self, "organization", None)
        context["org_slug"] = self.kwargs.get("org_slug", "")
        return context


def runs_listed(organization):
    """Runs for lists and polling: no big JSON, but whether a report and a snapshot exist."""
    reports = RunReport.objects.for_organization(organization).filter(run=OuterRef("pk"))
    return (
        runs_for(organization=organization)
        .select_related("requested_by")
        .annotate(
            has_report=Exists(reports),
            has_snapshot=ExpressionWrapper(Q(snapshot__isnull=False), output_field=BooleanField()),
        )
    )


class RunFilter(filters.FilterSet):
    """Runs of one assessment, or in one state."""

    assessment = IntegerFilter(field_name="assessment_id", help_text="Assessment id.")
    status = filters.ChoiceFilter(choices=RunStatus.choices, help_text="Run status.")

    class Meta:
        model = AssessmentRun
        fields = ["assessment", "status"]


@extend_schema_view(
    list=extend_schema(
        operation_id="runs_list",
        summary="List the organization's runs, newest first",
        responses={200: RunSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="runs_retrieve",
        summary="A run's status and progress (small: poll it)",
        responses={200: RunSerializer},
    ),
)
@extend_schema(
    tags=["runs"],
    parameters=[ORG_SLUG],
    description="A run is immutable once it has succeeded or failed. Its answer is small "
    "(status, step, progress, headline figures and links); the results, the frozen inputs "
    "and the PDF are fetched from its links.",
)
class RunViewSet(
    OrgContextMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet
):
    """``/api/v1/orgs/<org_slug>/runs/``: every member reads."""

    model = AssessmentRun
    serializer_class = RunSerializer
    filter_backends = [ScopedFilterBackend]
    filterset_class = RunFilter

    def scoped_queryset(self, organization):
        return runs_listed(organization).order_by("-created_at", "-id")


def _not_succeeded(run: AssessmentRun, what: str) -> Conflict:
    message = not_succeeded_message(run, what)
    if run.status != RunStatus.FAILED:
        message += " Poll the run until its status is succeeded."
    return Conflict(message)


def _json(data) -> HttpResponse:
    # orjson writes the megabytes of a run's results several times faster than DRF's renderer.
    return HttpResponse(orjson.dumps(data), content_type="application/json")


def _non_negative(request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0 or (maximum is not None and value > maximum):
        most = f" and at most {maximum}" if maximum is not None else ""
        raise exceptions.ValidationError({name: [f"A whole number from 0{most}, not {raw!r}."]})
    return value


WORKLOADS_PAGE_PARAMETERS = [
    OpenApiParameter(
        "workloads_offset",
        int,
        description="The first workload of the page (from 0).",
    ),
    OpenApiParameter(
        "workloads_limit",
        int,
        description="Workloads per page (default and most: the server's "
        "SOVRA_RESULTS_WORKLOADS_PAGE, 500 unless set).",
    ),
]


class RunResultsView(OrgScopedAPIView):
    """``runs/<id>/results/``: a succeeded run's results, its workloads' parts page by page."""

    model = AssessmentRun
    filter_backends = []

    def scoped_queryset(self, organization):
        # Its results are read only when the page is not in the cache already.
        return AssessmentRun.objects.for_organization(organization).defer("snapshot", "results")

    @extend_schema(
        tags=["runs"],
        operation_id="runs_results",
        summary="The results of a succeeded run (large JSON, workloads paged)",
        description="Sections `engine` (cash flows, NPV and unit costs per option and "
        "workload), `monte_carlo`, `tornado`, `sovereignty` (SEAL level, findings and "
        "recommendation per workload), `placement` (the joint placement under the "
        "constraints) and `summary` (headline, risks, NPV by option). The portfolio-level "
        "parts are always whole; `engine.workloads` and `sovereignty.workloads` hold one page "
        "of workloads, described by `workloads_page` (its `next` is the following page's "
        "address). 409 while the run is queued or running, or when it failed.",
        parameters=[ORG_SLUG, *WORKLOADS_PAGE_PARAMETERS],
        responses={
            200: OpenApiResponse(RunResults, description="The results, as stored."),
            **errors(400, 409),
        },
    )
    def get(self, request, *args, **kwargs):
        run = self.get_object()
        if run.status != RunStatus.SUCCEEDED:
            raise _not_succeeded(run, "results")
        most = settings.SOVRA_RESULTS_WORKLOADS_PAGE
        offset = _non_negative(request, "workloads_offset", 0)
        limit = _non_negative(request, "workloads_limit", most, most) or most
        data, count, digest = run_results_page(
            run=run, workloads_offset=offset, workloads_limit=limit
        )

        def link(at: int) -> str:
            query = request.query_params.copy()
            query["workloads_offset"], query["workloads_limit"] = str(at), str(limit)
            return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

        page = {
            "count": count,
            "offset": offset,
            "limit": limit,
            "next": link(offset + limit) if offset + limit < count else None,
            "previous": link(max(offset - limit, 0)) if offset > 0 else None,
        }
        page_part = orjson.dumps(page)
        # A client polling for results it holds already gets 304 and no body. The document's
        # digest was taken once, when its page was assembled; the page's links (which name the
        # host asked) are hashed with it.
        etag = f'"{hashlib.sha256(digest.encode() + page_part).hexdigest()[:32]}"'
        if etag in _entity_tags(request.headers.get("If-None-Match", "")):
            return HttpResponse(status=304, headers={"ETag": etag})
        # The page's description goes in as the last key of the document, written as it is.
        body = (
            data[:-1] + (b"," if len(data) > 2 else b"") + b'"workloads_page":' + page_part + b"}"
        )
        return HttpResponse(body, content_type="application/json", headers={"ETag": etag})


def _entity_tags(header: str) -> set[str]:
    """The entity tags of an If-None-Match header (weak ones compare as strong: RFC 9110 13.1.2
    compares weakly for If-None-Match)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


class RunSnapshotView(OrgScopedAPIView):
    """``runs/<id>/snapshot/``: every input the run used, frozen when it started."""

    model = AssessmentRun
    filter_backends = []

    def scoped_queryset(self, organization):
        return AssessmentRun.objects.for_organization(organization).defer("results")

    @extend_schema(
        tags=["runs"],
        operation_id="runs_snapshot",
        summary="The frozen inputs of a run",
        description="Settings, inventory rows, the scenario document with every price and its "
        "source, providers' attributes, catalogs and versions. 409 before a worker froze them.",
        parameters=[ORG_SLUG],
        responses={
            200: OpenApiResponse(RunSnapshot, description="The snapshot, as stored."),
            **errors(409),
        },
    )
    def get(self, request, *args, **kwargs):
        run = self.get_object()
        if run.snapshot is None:
            raise Conflict(
                f"Run #{run.number} has not frozen its inputs yet ({run.status}); "
                "poll the run and try again."
            )
        return _json(run.snapshot)


class AnyAcceptNegotiation(DefaultContentNegotiation):
    """``Accept: application/pdf`` is what a PDF download sends: errors then answer JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except exceptions.NotAcceptable:
            return renderers[0], renderers[0].media_type


class RunReportPdfView(OrgScopedAPIView):
    """``runs/<id>/report.pdf``: the run's report, to members of its organization only."""

    model = RunReport
    filter_backends = []
    content_negotiation_class = AnyAcceptNegotiation
    lookup_field = "run_id"
    lookup_url_kwarg = "pk"

    def scoped_queryset(self, organization):
        return RunReport.objects.for_organization(organization).select_related(
            "run__assessment", "run__organization"
        )

    @extend_schema(
        tags=["runs"],
        operation_id="runs_report_pdf",
        summary="Download the PDF report of a run",
        description="404 when the run has no report (not yet succeeded, or failed).",
        parameters=[ORG_SLUG],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The report, as an attachment."
            ),
        },
    )
    def get(self, request, *args, **kwargs):
        report = self.get_object()
        report_downloaded(run=report.run, file_format="pdf")
        response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
        filename = f"sovra-{self.organization.slug}-run-{report.run_id}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Content-Length"] = str(len(response.content))
        # A confidential document: no shared cache keeps it, no browser guesses its type.
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RunResultsXlsxView(OrgScopedAPIView):
    """``runs/<id>/results.xlsx``: a succeeded run's results as a spreadsheet."""

    model = AssessmentRun
    filter_backends = []
    content_negotiation_class = AnyAcceptNegotiation

    def scoped_queryset(self, organization):
        return AssessmentRun.objects.for_organization(organization).select_related(
            "assessment", "organization"
        )

    @extend_schema(
        tags=["runs"],
        operation_id="runs_results_xlsx",
        summary="Download the results of a succeeded run as a spreadsheet",
        description="An XLSX workbook: `Summary` (the answer, NPV, total, P10/P50/P90 and "
        "probability of being cheapest per option, the placement), `Workloads` (each workload "
        "x option: NPV, total, unit costs, sovereignty score, SEAL level, blocking rules and "
        "findings, the recommendation and the placement), `Cash flows` (monthly, by component "
        "per option) and `Prices` (every catalog price used, with its source and date). "
        "Numbers are numbers; no cell is a formula. 409 while the run is queued or running, "
        "or when it failed.",
        parameters=[ORG_SLUG],
        responses={
            (200, XLSX): OpenApiResponse(
                OpenApiTypes.BINARY, description="The workbook, as an attachment."
            ),
            **errors(409),
        },
    )
    def get(self, request, *args, **kwargs):
        run = self.get_object()
        if run.status != RunStatus.SUCCEEDED:
            raise _not_succeeded(run, "results")
        report_downloaded(run=run, file_format="xlsx")
        response = StreamingHttpResponse(run_results_workbook(run=run), content_type=XLSX)
        filename = f"{results_file_stem(run=run)}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class RunEmailsView(OrgContextMixin, OrgScopedAPIView):
    """``runs/<id>/emails/``: who the report went to; POST sends it (analysts and above)."""

    model = AssessmentRun
    parser_classes = [OrjsonParser]
    serializer_class = ReportEmailSerializer
    filter_backends = []

    def scoped_queryset(self, organization):
        return runs_for(organization=organization)

    @extend_schema(
        tags=["runs"],
        operation_id="run_emails_list",
        summary="List the emails of a run's report, newest first",
        parameters=[ORG_SLUG],
        responses={200: ReportEmailSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        run = self.get_object()
        emails = emails_for(organization=self.organization).filter(run=run)
        page = self.paginate_queryset(emails.select_related("requested_by"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        tags=["runs"],
        operation_id="run_emails_send",
        summary="Email a succeeded run's report (analysts and above)",
        description="The email is queued and sent by a worker (the PDF attached, or linked "
        "when too large): the answer is 202 with it; list the run's emails to follow its "
        "delivery. An invalid address is named in the error; 409 unless the run succeeded.",
        parameters=[ORG_SLUG],
        request=ReportEmailRequestSerializer,
        responses={
            202: OpenApiResponse(ReportEmailSerializer, description="Queued for sending."),
            **errors(409),
        },
    )
    def post(self, request, *args, **kwargs):
        run = self.get_object()
        body = ReportEmailRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if run.status != RunStatus.SUCCEEDED:
            raise _not_succeeded(run, "report")
        # The service names each invalid address; the API's error handler keeps its fields.
        email = report_email_queue(
            run=run,
            recipients=body.validated_data["recipients"],
            message=body.validated_data["message"],
            requested_by=request.user,
        )
        return Response(self.get_serializer(email).data, status=status.HTTP_202_ACCEPTED)


class RunCompareView(OrgScopedAPIView):
    """``runs/<id>/compare/<other_id>/``: inputs and results that differ between two runs."""

    model = AssessmentRun
    filter_backends = []

    def scoped_queryset(self, organization):
        return AssessmentRun.objects.for_organization(organization)

    @extend_schema(
        tags=["runs"],
        operation_id="runs_compare",
        summary="What changed between two runs of one assessment",
        description="Inputs (workloads added, removed or changed; prices; assumptions; "
        "versions) and results (NPV per option, recommendation per workload). `old` is the "
        "earlier run, whichever order the URL names them. 400 when the runs belong to "
        "different assessments, 409 when one has not frozen its inputs yet.",
        parameters=[ORG_SLUG],
        responses={200: RunComparisonSerializer, **errors(400, 409)},
    )
    def get(self, request, *args, **kwargs):
        run = self.get_object()
        other = self.get_queryset().filter(pk=kwargs["other_pk"]).first()
        if other is None:
            raise exceptions.NotFound("Not found.")
        if other.assessment_id != run.assessment_id:
            raise exceptions.ValidationError(
                f"Runs {run.pk} and {other.pk} belong to different assessments; compare two "
                "runs of the same assessment."
            )
        old, new = sorted((run, other), key=lambda r: r.number)
        for each in (old, new):
            if each.snapshot is None:
                raise Conflict(f"Run #{each.number} has not frozen its inputs yet.")
        return Response(
            {
                "old": _run_ref(old),
                "new": _run_ref(new),
                **runs_compare(
                    (old.snapshot, run_results_compared(old)),
                    (new.snapshot, run_results_compared(new)),
                ),
            }
        )


def _run_ref(run: AssessmentRun) -> dict:
    finished = run.finished_at.isoformat() if run.finished_at else None
    return {"id": run.pk, "number": run.number, "status": run.status, "finished_at": finished}
