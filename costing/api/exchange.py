"""Import into a draft catalog (all or nothing, with a dry run) and export as JSON or CSV."""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from costing.api.catalogs import _PUBLIC_403, _PUBLISHED_409
from costing.api.permissions import check_writable
from costing.models import CATALOG_ROW_MODELS, Catalog
from costing.selectors import catalogs_for
from costing.services import (
    CatalogImmutable,
    CatalogImportError,
    catalog_export,
    catalog_export_csv,
    catalog_import,
)
from costing.services.catalog_io import ImportRowError
from portal.api.errors import Conflict, PayloadTooLarge
from portal.api.fields import StrictSerializer
from portal.api.parsers import OrjsonParser
from portal.api.schema import ORG_SLUG, RowsErrorResponseSerializer
from portal.tenancy import OrgScopedAPIView

KINDS = sorted(CATALOG_ROW_MODELS)


class RowKindField(serializers.CharField):
    """A kind of catalog row; plain text in the schema (other resources have a ``kind`` too)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "")
        kwargs["help_text"] = f"{kwargs['help_text']} One of: {', '.join(KINDS)}.".strip()
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in KINDS:
            raise serializers.ValidationError(f"Unknown kind; use one of {', '.join(KINDS)}.")
        return value


class CsvTextParser(BaseParser):
    """``text/csv`` bodies: one kind of row, named by the ``kind`` query parameter."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1) if limit else stream.read()
        if limit and len(body) > limit:
            raise PayloadTooLarge("The CSV body is too large; split it by kind of row.")
        try:
            return {"csv": body.decode("utf-8-sig")}
        except UnicodeDecodeError as exc:
            raise ParseError("The CSV body is not UTF-8 text.") from exc


class CatalogImportSerializer(StrictSerializer):
    """Either ``rows`` (an export document's rows by kind) or one kind of row as CSV text."""

    catalog = serializers.DictField(required=False, help_text="Ignored: an export's header.")
    rows = serializers.DictField(
        child=serializers.ListField(child=serializers.DictField()),
        required=False,
        help_text=f"Rows by kind ({', '.join(KINDS)}), each a list of objects as exported.",
    )
    kind = RowKindField(required=False, help_text="With csv.")
    csv = serializers.CharField(
        required=False, trim_whitespace=False, help_text="CSV text as the CSV export writes it."
    )

    def validate(self, attrs):
        if "rows" in attrs and "csv" in attrs:
            raise serializers.ValidationError("Send rows or csv, not both.")
        if "csv" in attrs and "kind" not in attrs:
            raise serializers.ValidationError({"kind": "Say which kind of row the CSV holds."})
        if "rows" not in attrs and "csv" not in attrs:
            raise serializers.ValidationError("Send rows (JSON) or csv with its kind.")
        return attrs


class ImportResultSerializer(serializers.Serializer):
    """What was (or, in a dry run, would be) stored per kind."""

    dry_run = serializers.BooleanField()
    counts = serializers.DictField(child=serializers.IntegerField())


def _rows_from(data: dict) -> tuple[dict, bool]:
    if "rows" in data:
        return data["rows"], False
    return {data["kind"]: list(csv.DictReader(io.StringIO(data["csv"])))}, True


def _error_items(errors_: list[ImportRowError], *, from_csv: bool) -> list[dict]:
    items = []
    for error in errors_:
        field = None if error.field in ("__all__", "*") else error.field  # null: the whole row
        item = {"kind": error.kind, "field": field, "message": error.message}
        item["code"] = "invalid"
        if error.row:
            item["row"] = error.row - 1  # 0-based, as in every bulk error of the API
            if from_csv:
                item["line"] = error.row + 1  # the header is line 1
        items.append(item)
    return items


class CatalogImportView(OrgScopedAPIView):
    """``POST catalogs/<pk>/import/`` (analysts and above, own drafts only)."""

    model = Catalog
    parser_classes = [OrjsonParser, CsvTextParser]
    serializer_class = CatalogImportSerializer

    def scoped_queryset(self, organization):
        return catalogs_for(organization=organization)

    @extend_schema(
        tags=["catalogs"],
        operation_id="catalogs_import",
        summary="Replace rows of a draft catalog from JSON or CSV: all or nothing",
        description="Every row is checked before anything is written; one problem refuses the "
        "whole input. Each error names `kind`, the 0-based `row` (and, for CSV, the file `line`) "
        "and the `field`. CSV may also be sent as a `text/csv` body with `?kind=`. "
        "With `dry_run=1` the input is checked and counted, and nothing is kept.",
        parameters=[
            ORG_SLUG,
            OpenApiParameter(
                "dry_run", OpenApiTypes.BOOL, description="Check only; write nothing."
            ),
            OpenApiParameter("kind", str, description=f"With a text/csv body: {', '.join(KINDS)}."),
        ],
        request={"application/json": CatalogImportSerializer},
        responses={
            200: ImportResultSerializer,
            400: OpenApiResponse(
                RowsErrorResponseSerializer, description="Problems by kind, row and field."
            ),
            403: _PUBLIC_403,
            409: _PUBLISHED_409,
        },
    )
    def post(self, request, *args, **kwargs):
        catalog = self.get_object()
        check_writable(catalog)
        data = dict(request.data)
        if "csv" in data and "kind" not in data and "kind" in request.query_params:
            data["kind"] = request.query_params["kind"]  # a text/csv body names it there
        serializer = CatalogImportSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        rows, from_csv = _rows_from(serializer.validated_data)
        dry_run = request.query_params.get("dry_run", "").lower() in ("1", "true")
        try:
            with transaction.atomic():
                counts = catalog_import(catalog=catalog, rows=rows, organization=self.organization)
                if dry_run:
                    transaction.set_rollback(True)
        except CatalogImportError as exc:
            items = _error_items(exc.errors, from_csv=from_csv)
            body = {
                "detail": f"{len(items)} problem(s) in the rows; nothing was written.",
                "errors": items,
                "error_count": len(items),
            }
            return Response(body, status=400)
        except CatalogImmutable as exc:
            raise Conflict(" ".join(exc.messages)) from exc
        return Response({"dry_run": dry_run, "counts": counts})


class ExportQuerySerializer(StrictSerializer):
    """``file_format`` json (the whole catalog) or csv (one ``kind`` of row)."""

    file_format = serializers.ChoiceField(choices=["json", "csv"], default="json")
    kind = RowKindField(required=False)

    def validate(self, attrs):
        if attrs["file_format"] == "csv" and "kind" not in attrs:
            raise serializers.ValidationError({"kind": "CSV holds one kind of row: name it."})
        return attrs


class CatalogExportView(OrgScopedAPIView):
    """``GET catalogs/<pk>/export/``: the format the import reads back."""

    model = Catalog
    serializer_class = ExportQuerySerializer

    def scoped_queryset(self, organization):
        return catalogs_for(organization=organization)

    @extend_schema(
        tags=["catalogs"],
        operation_id="catalogs_export",
        summary="Export a catalog as JSON (every row) or CSV (one kind of row)",
        parameters=[ORG_SLUG, ExportQuerySerializer],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    def get(self, request, *args, **kwargs):
        catalog = self.get_object()
        query = ExportQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        stem = f"catalog-{catalog.pk}-{catalog.version}".replace(" ", "_")
        if query.validated_data["file_format"] == "json":
            return Response(catalog_export(catalog=catalog))
        kind = query.validated_data["kind"]
        response = HttpResponse(
            catalog_export_csv(catalog=catalog, kind=kind), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}-{kind}.csv"'
        return response
