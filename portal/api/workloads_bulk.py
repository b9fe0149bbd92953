"""Bulk upsert of workloads by external ID, all or nothing, for inventories and CMDBs."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from portal.api.errors import Conflict, rows_invalid_response
from portal.api.parsers import OrjsonParser
from portal.api.schema import ORG_SLUG, RowsErrorResponseSerializer, errors
from portal.api.workloads import WorkloadSerializer
from portal.models import Role, Workload
from portal.services.workload_rows import REQUIRED_COLUMNS, WORKLOAD_COLUMNS, RowError
from portal.services.workloads import WorkloadRowsInvalid, WorkloadsBusy, workloads_upsert
from portal.tenancy import OrgScopedAPIView

_TRUE = ("1", "true", "yes")
_FALSE = ("", "0", "false", "no")


class WorkloadRowSerializer(WorkloadSerializer):
    """One object of a bulk call (schema only: rows are checked by the fast row cleaner)."""

    class Meta(WorkloadSerializer.Meta):
        fields = list(WORKLOAD_COLUMNS)
        read_only_fields: list = []
        extra_kwargs = {
            name: {"required": name in REQUIRED_COLUMNS}
            for name in WORKLOAD_COLUMNS
            if name not in ("model", "tags")
        }


class BulkUpsertResultSerializer(serializers.Serializer):
    """What the call did, or for a dry run would do."""

    created = serializers.IntegerField(help_text="Workloads added (external IDs not yet known).")
    updated = serializers.IntegerField(help_text="Existing workloads updated.")
    dry_run = serializers.BooleanField(help_text="True when nothing was written.")


def _dry_run(request) -> bool:
    raw = request.query_params.get("dry_run", "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValidationError({"dry_run": ["Use 1 or 0 (true or false)."]})


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError({"non_field_errors": [serializers.ErrorDetail(message, code=code)]})


_BULK_SCHEMA = extend_schema(
    tags=["workloads"],
    operation_id="workloads_bulk_upsert",
    summary="Create or update up to 10,000 workloads by external ID, all or nothing",
    description=(
        "The body is a JSON list of workload objects keyed by the columns of the import "
        "template. Each object is matched by `external_id`: unknown IDs are created, known "
        "ones updated; fields an object leaves out keep their stored value (or the default "
        "for a new workload). Every row is checked before anything is written: one bad row "
        "and nothing is written, and the answer lists each problem with its 0-based `row` and "
        "`field`. With `dry_run=1` the rows are checked and counted but nothing is written."
    ),
    parameters=[
        ORG_SLUG,
        OpenApiParameter(
            "dry_run",
            bool,
            description="Check and count only; write nothing.",
            default=False,
        ),
    ],
    request=WorkloadRowSerializer(many=True),
    responses={
        200: BulkUpsertResultSerializer,
        400: OpenApiResponse(
            RowsErrorResponseSerializer,
            description="Invalid rows (each with `row` and `field`), or a body that is not "
            "a list of 1 to 10,000 objects; nothing was written.",
        ),
        409: OpenApiResponse(
            errors(409)[409].response,
            description="Other writes held these workloads until the retries ran out; nothing "
            "was written: send the rows again.",
        ),
    },
)


class WorkloadBulkUpsertView(OrgScopedAPIView):
    """``POST /api/v1/orgs/<org_slug>/workloads/bulk-upsert/`` (analysts and above)."""

    model = Workload
    write_role = Role.ANALYST
    parser_classes = [OrjsonParser]
    serializer_class = WorkloadRowSerializer

    @_BULK_SCHEMA
    def post(self, request, *args, **kwargs):
        dry_run = _dry_run(request)
        rows = request.data
        limit = settings.SOVRA_BULK_MAX_ROWS
        if not isinstance(rows, list):
            raise _refuse("The body must be a JSON list of workload objects.", "not_a_list")
        if not rows:
            raise _refuse(f"The list is empty; send 1 to {limit} workload objects.", "empty")
        if len(rows) > limit:
            raise _refuse(
                f"{len(rows)} rows; at most {limit} per call (split the list).", "too_many_rows"
            )
        not_objects = [
            RowError(index, None, f"is a {type(row).__name__}, not a workload object.")
            for index, row in enumerate(rows)
            if not isinstance(row, dict)
        ]
        if not_objects:
            return rows_invalid_response(not_objects[:1000], len(not_objects))
        try:
            result = workloads_upsert(
                organization=self.organization, rows=enumerate(rows), dry_run=dry_run
            )
        except WorkloadRowsInvalid as exc:
            return rows_invalid_response(exc.errors, exc.total)
        except WorkloadsBusy as exc:
            raise Conflict(str(exc)) from exc
        return Response(
            {"created": result.created, "updated": result.updated, "dry_run": result.dry_run}
        )
