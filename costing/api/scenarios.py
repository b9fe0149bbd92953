"""What-if evaluation of a scenario document, and the JSON Schema such documents follow."""

from __future__ import annotations

import json
import logging
import math

import orjson
from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from costing.engine.scenario import SCHEMA, SCHEMA_PATH
from costing.services.whatif import WhatIfBusy, whatif_evaluate
from portal.api.parsers import OrjsonParser
from portal.api.schema import ORG_SLUG, ErrorResponseSerializer
from portal.models import Organization, Role
from portal.tenancy import OrgScopedAPIView

logger = logging.getLogger(__name__)

SCHEMA_URL = "/api/v1/scenario-schema/"
RESULTS = ("full", "portfolio")
EXAMPLE = json.loads((SCHEMA_PATH.parent / "examples" / "media-house.json").read_text("utf-8"))


def max_workloads() -> int:
    """Most workloads one call may evaluate (``SOVRA_SCENARIO_MAX_WORKLOADS``)."""
    return settings.SOVRA_SCENARIO_MAX_WORKLOADS


def max_detailed_workloads() -> int:
    """Most workloads answered one by one (``SOVRA_SCENARIO_MAX_DETAILED_WORKLOADS``)."""
    # Each workload's results (sizing and cash flows with their working) weigh about 200 KB of
    # JSON: 2,000 of them took 17 s, 1.6 GB and a 440 MB answer, too much for one request.
    return settings.SOVRA_SCENARIO_MAX_DETAILED_WORKLOADS


def max_offers() -> int:
    """Most cloud GPU, API and server offers in all (``SOVRA_SCENARIO_MAX_OFFERS``)."""
    # Time grows with workloads x offers (2,000 x 2,000 took 7 s); the whole public catalog
    # holds under 200 offers.
    return settings.SOVRA_SCENARIO_MAX_OFFERS


def time_budget_seconds() -> float:
    """Seconds one what-if may compute (``SOVRA_WHATIF_TIME_BUDGET_S``)."""
    return settings.SOVRA_WHATIF_TIME_BUDGET_S


class ScenarioParser(OrjsonParser):
    """A scenario document of at most ``SOVRA_SCENARIO_MAX_BYTES`` (413 above it, unread)."""

    advice = "send fewer workloads or offers, or run an assessment, which has no such limit."

    def max_bytes(self) -> int:
        return min(settings.SOVRA_SCENARIO_MAX_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def _count(value) -> int:
    return len(value) if isinstance(value, list) else 0


def _refuse(message: str, code: str, field: str | None = None) -> ValidationError:
    return ValidationError({field or "non_field_errors": [serializers.ErrorDetail(message, code)]})


def _invalid_response(errors: list[tuple[str, str]]) -> Response:
    items = [{"field": path, "message": message, "code": "invalid"} for path, message in errors]
    return Response(
        {"detail": f"The scenario is invalid: {len(items)} problem(s).", "errors": items},
        status=status.HTTP_400_BAD_REQUEST,
    )


def _over_budget(seconds: float, stage: str) -> Response:
    message = (
        f"The scenario was not evaluated within the time budget of {seconds:g} s "
        f"(it had reached {stage}). Send fewer workloads or offers, ask for "
        "?results=portfolio, or run it as an assessment, which computes in the background."
    )
    error = {"field": None, "message": message, "code": "over_time_budget"}
    return Response(
        {"detail": message, "errors": [error]}, status=status.HTTP_422_UNPROCESSABLE_ENTITY
    )


def _busy() -> Response:
    seconds = math.ceil(time_budget_seconds())
    message = (
        "Every what-if evaluation process is busy and others are waiting: try again in "
        f"{seconds} s, or run larger questions as an assessment."
    )
    error = {"field": None, "message": message, "code": "busy"}
    response = Response(
        {"detail": message, "errors": [error]}, status=status.HTTP_503_SERVICE_UNAVAILABLE
    )
    response["Retry-After"] = str(seconds)
    return response


def _results(request) -> str:
    value = request.query_params.get("results", "full")
    if value not in RESULTS:
        raise _refuse(f"Use one of: {', '.join(RESULTS)}.", "invalid_choice", "results")
    return value


def _document(data, organization: Organization, *, results: str) -> dict:
    """The body as a scenario document within the limits, its currency defaulted."""
    if not isinstance(data, dict):
        raise _refuse("The body must be a JSON object: a scenario document.", "not_an_object")
    count = _count(data.get("workloads"))
    if count > max_workloads():
        raise _refuse(
            f"{count} workloads; at most {max_workloads()} per scenario.",
            "too_many_workloads",
            "$.workloads",
        )
    if results == "full" and count > max_detailed_workloads():
        raise _refuse(
            f"{count} workloads; results per workload are returned for at most "
            f"{max_detailed_workloads()}: send ?results=portfolio for the portfolio's results.",
            "too_many_detailed_workloads",
            "$.workloads",
        )
    offers = data.get("offers") if isinstance(data.get("offers"), dict) else {}
    offer_count = sum(_count(offers.get(kind)) for kind in ("cloud_gpu", "api", "servers"))
    if offer_count > max_offers():
        raise _refuse(
            f"{offer_count} offers; at most {max_offers()} per scenario (keep the ones that "
            "can serve its workloads).",
            "too_many_offers",
            "$.offers",
        )
    # The organization lends its currency and nothing else: the document stays self-contained.
    return {"reporting_currency": organization.currency, **data}


class ScenarioResultSerializer(serializers.Serializer):
    """The engine's result: the portfolio per option, then each workload (schema only)."""

    name = serializers.CharField()
    engine_version = serializers.CharField()
    currency = serializers.CharField(help_text="Currency of every amount.")
    horizon_months = serializers.IntegerField()
    samples = serializers.IntegerField(help_text="1: every uncertain input at its likely value.")
    discounting = serializers.CharField(help_text="The discounting convention of the NPVs.")
    cheapest_by_npv = serializers.CharField(allow_null=True)
    portfolio = serializers.DictField(
        child=serializers.DictField(),
        help_text="Per option: totals, NPV, monthly flows by component and figures with their "
        "working; or, for an unavailable option, what is missing and why.",
    )
    fleets = serializers.DictField(child=serializers.ListField(child=serializers.DictField()))
    breakevens = serializers.ListField(child=serializers.DictField())
    workloads = serializers.ListField(
        child=serializers.DictField(), help_text="Empty with ?results=portfolio."
    )
    components = serializers.DictField(child=serializers.CharField())
    assumptions = serializers.DictField()
    method = serializers.DictField(child=serializers.CharField())
    left_out_of_totals = serializers.ListField(
        child=serializers.DictField(),
        help_text="Workloads no option can take (every one refused by their rules or unpriced), "
        "each with the reason per option; the portfolio totals cover the others.",
    )
    sovereignty_price = serializers.DictField(
        allow_null=True,
        help_text="The price of sovereignty: per workload, the NPV of the cheapest option its "
        "rules (`$.eligibility`) permit against the cheapest regardless of them, with the rules "
        "that make the difference, and their sum. Null with ?results=portfolio.",
    )
    sources = serializers.ListField(
        child=serializers.DictField(),
        help_text="Where the inputs come from, each source once (kind, reference, url, date, "
        "note): an input quantity's `source` is its index in this list. Within a workload's "
        "sizing figures, and within one option's figures, a figure met again is written as its "
        "name, value and unit with `see`, the `id` of the entry written in full.",
    )


_EVALUATE_SCHEMA = extend_schema(
    tags=["scenarios"],
    operation_id="scenarios_evaluate",
    summary="Evaluate a scenario document now (a what-if; nothing is stored)",
    description=(
        "The body is a scenario document: workloads, offers and assumptions, as described by "
        f"the JSON Schema at [`{SCHEMA_URL}`]({SCHEMA_URL}) (the same document the command line "
        "`python -m costing.engine evaluate` reads). It is evaluated synchronously with every "
        "uncertain input at its likely value, and the answer holds each option's cash flows, "
        "total, NPV, unit costs and breakevens, each figure with its working. Each option of a "
        "workload is priced at the cheapest offer its eligibility profile (`$.eligibility`, "
        "named by the workload's `eligibility`) does not refuse; an assessment run's snapshot "
        "carries the profiles its sovereignty rules produced, so posting that document "
        "reproduces the run's figures. "
        "If the document has no `reporting_currency`, the organization's currency is used; "
        "nothing else comes from the organization or its catalogs. An invalid document answers "
        "400 with one error per problem, whose `field` is the JSON path where it lies (such as "
        "`$.workloads[3].peak_factor`). By default a scenario may hold up to 2,000 workloads "
        "and 1,000 offers, and results per workload are returned for up to 100, beyond which "
        "`?results=portfolio` returns the portfolio's results only. Every number has a "
        "documented range (in the JSON Schema); one outside it answers 400 naming its path. "
        "By default a document over 4 MB (`SOVRA_SCENARIO_MAX_BYTES`) answers 413 unread, and "
        "an evaluation still computing after 5 s (`SOVRA_WHATIF_TIME_BUDGET_S`) is stopped and "
        "answers 422 with the code `over_time_budget`: run larger questions as an assessment. "
        "What-ifs compute in processes of their own at a lower priority than the portal's "
        "pages; when all are busy and others wait, a call answers 503 with `Retry-After`. "
        "Any member may call it."
    ),
    parameters=[
        ORG_SLUG,
        OpenApiParameter(
            "results",
            str,
            enum=list(RESULTS),
            default="full",
            description="`full`: the portfolio and each workload; `portfolio`: the portfolio only.",
        ),
    ],
    request=OpenApiTypes.OBJECT,
    examples=[
        OpenApiExample(
            "Media house",
            summary="Twelve workloads of a media house over five years",
            value=EXAMPLE,
            request_only=True,
        )
    ],
    responses={
        200: OpenApiResponse(
            ScenarioResultSerializer, description="The result; amounts in `currency`."
        ),
        400: OpenApiResponse(
            ErrorResponseSerializer,
            description="An invalid scenario (each error's `field` is a JSON path), a body "
            "that is not a JSON object, too many workloads or offers, or figures the engine "
            "cannot compute.",
        ),
        422: OpenApiResponse(
            ErrorResponseSerializer,
            description="Not evaluated within the time budget (`SOVRA_WHATIF_TIME_BUDGET_S`): "
            "the computation was stopped; the error's code is `over_time_budget`.",
        ),
        503: OpenApiResponse(
            ErrorResponseSerializer,
            description="Every what-if evaluation process is busy and the waiting line is "
            "full (code `busy`): try again after the `Retry-After` seconds.",
        ),
    },
)


class ScenarioEvaluateView(OrgScopedAPIView):
    """``POST /api/v1/orgs/<org_slug>/scenarios/evaluate/`` (any member: nothing is written)."""

    model = Organization
    write_role = Role.VIEWER
    parser_classes = [ScenarioParser]

    @_EVALUATE_SCHEMA
    def post(self, request, *args, **kwargs):
        results = _results(request)
        document = _document(request.data, self.organization, results=results)
        try:
            answer = whatif_evaluate(document, per_workload=results == "full")
        except WhatIfBusy:
            return _busy()
        if answer.invalid is not None:
            return _invalid_response(answer.invalid)
        if answer.over_budget is not None:
            logger.warning("scenario not evaluated within %s s (%s)", *answer.over_budget)
            return _over_budget(*answer.over_budget)
        if answer.not_computable is not None:
            logger.warning("scenario not evaluated: %s", answer.not_computable)
            raise _refuse(
                f"The scenario cannot be evaluated: {answer.not_computable}", "not_computable"
            )
        return HttpResponse(answer.body, content_type="application/json")


class ScenarioSchemaView(APIView):
    """``GET /api/v1/scenario-schema/``: the JSON Schema of scenario documents, for anyone."""

    # Public like the OpenAPI schema: it is published documentation, holds no one's data, and
    # validators that follow a document's $schema cannot send a token.
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["scenarios"],
        operation_id="scenario_schema_retrieve",
        summary="The JSON Schema (draft 2020-12) of scenario documents",
        description="Validate a document against it before `POST .../scenarios/evaluate/`. "
        "No authentication needed.",
        responses={
            (200, "application/schema+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="The JSON Schema, as the engine applies it."
            ),
        },
    )
    def get(self, request, *args, **kwargs):
        return HttpResponse(orjson.dumps(SCHEMA), content_type="application/schema+json")
