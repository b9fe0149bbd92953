"""Reads of assessments and runs, scoped to one organization, and the snapshot a run freezes."""

from __future__ import annotations

import hashlib
from datetime import date
from importlib.metadata import version

import msgspec
import orjson
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.utils import timezone

from assessments.eligibility_step import RuleScreen, eligibility_screen
from assessments.inputs import SNAPSHOT_SCHEMA_VERSION, RunSnapshot
from assessments.models import (
    Assessment,
    AssessmentRun,
    OfferLocations,
    ReportEmail,
    RunStatus,
    RunWorkloadResult,
)
from assessments.results import RESULTS_SCHEMA_VERSION, ResultsError, RunResults, current_version
from assessments.sovereignty.loader import shipped_library
from assessments.sovereignty.providers_csv import provider_from_row
from assessments.sovereignty.regions import EU, data_location
from costing.cloud_candidates import OfferPlace
from costing.engine.results import ENGINE_VERSION
from costing.models import Provider
from costing.scenarios import scenario_build
from costing.selectors import current_catalogs
from portal.models import Organization, Workload
from portal.services.workload_rows import WORKLOAD_COLUMNS

# Inventory fields a run freezes for each workload (what it runs and what its data demands): the
# import columns, with the model written by name below and free-text notes left out.
WORKLOAD_FIELDS = tuple(c for c in WORKLOAD_COLUMNS if c not in ("model", "notes"))


def assessments_for(*, organization: Organization) -> QuerySet[Assessment]:
    return Assessment.objects.for_organization(organization)


def runs_for(*, organization: Organization) -> QuerySet[AssessmentRun]:
    """Runs without their large JSON columns, for lists."""
    return (
        AssessmentRun.objects.for_organization(organization)
        .select_related("assessment")
        .defer("snapshot", "results")
    )


def run_inputs(run: AssessmentRun) -> RunSnapshot | None:
    """A run's frozen inputs, typed (None before the run took them)."""
    return RunSnapshot.load(run.snapshot) if run.snapshot else None


def emails_for(*, organization: Organization) -> QuerySet[ReportEmail]:
    return ReportEmail.objects.for_organization(organization)


def run_results_json(
    *, run: AssessmentRun, workloads_offset: int = 0, workloads_limit: int | None = None
) -> tuple[bytes, int]:
    """A run's results as JSON, with the workloads ``workloads_offset`` to ``workloads_offset +
    workloads_limit`` (every one from the offset on without a limit) in the per-workload sections;
    and how many workloads the run has.

    A run stores its workloads' parts on rows of their own (``RunWorkloadResult``), which are
    spliced into the portfolio-level document as the JSON text they are; results stored before
    (every workload inline) are sliced the same way.
    """
    document = dict(run.results or {})
    rows = RunWorkloadResult.objects.for_organization(run.organization).filter(run=run)
    counts = dict(rows.values_list("section").annotate(n=Count("pk")).values_list("section", "n"))
    end = None if workloads_limit is None else workloads_offset + workloads_limit
    if counts:
        total = counts.get("engine", 0)
        page = rows.filter(position__gte=workloads_offset)
        if end is not None:
            page = page.filter(position__lt=end)
        found: dict[str, list] = {name: [] for name in counts}
        for name, data in (
            page.order_by("section", "position").values_list("section", "data").iterator()
        ):
            found[name].append(orjson.Fragment(data))
        for name, workloads in found.items():
            if document.get(name) is not None:
                document[name] = {**document[name], "workloads": workloads}
    else:
        total = len((document.get("engine") or {}).get("workloads") or ())
        for name in ("engine", "sovereignty"):
            section = document.get(name)
            if section is not None and "workloads" in section:
                workloads = section["workloads"][workloads_offset:end]
                document[name] = {**section, "workloads": workloads}
    return orjson.dumps(document), total


def run_results_page(
    *, run: AssessmentRun, workloads_offset: int, workloads_limit: int
) -> tuple[bytes, int, str]:
    """``run_results_json`` of a run with the SHA-256 of its text, from the cache when an
    earlier request assembled the same page of the succeeded run. Its results never change once
    it succeeded; the key holds when it finished, so a later run given the same id (SQLite
    reuses a deleted row's) never reads this one's. The caller has found the run through its
    organization's scope: the key is reached only so.
    """
    seconds = settings.SOVRA_RESULTS_CACHE_SECONDS
    cacheable = run.status == RunStatus.SUCCEEDED and run.finished_at is not None and seconds > 0
    if cacheable:
        finished = run.finished_at.timestamp()
        key = f"sovra-run-results:{run.pk}:{finished:.6f}:{workloads_offset}:{workloads_limit}"
        cached = cache.get(key)
        if cached is not None:
            return cached
    data, count = run_results_json(
        run=run, workloads_offset=workloads_offset, workloads_limit=workloads_limit
    )
    page = (data, count, hashlib.sha256(data).hexdigest())
    if cacheable and len(data) <= settings.SOVRA_RESULTS_CACHE_MAX_BYTES:
        cache.set(key, page, seconds)
    return page


def run_results(run: AssessmentRun) -> RunResults | None:
    """A run's results, typed: what every page, report, e-mail and export of it reads (None
    until a run has stored them), whether it stored its workloads on rows or inline (older
    runs)."""
    if not run.results:
        return None
    current_version(run.results, RESULTS_SCHEMA_VERSION, "results")
    data, _ = run_results_json(run=run)
    try:
        return msgspec.json.decode(data, type=RunResults)
    except msgspec.ValidationError as error:
        raise ResultsError(f"RunResults: {error}") from error


def run_results_document(run: AssessmentRun) -> dict:
    """A run's whole results as the JSON document (for readers not yet typed)."""
    return orjson.loads(run_results_json(run=run)[0])


def run_results_compared(run: AssessmentRun) -> dict:
    """What a comparison reads of a run: its stored document, which has the summary; a run that
    failed before its summary, with its workloads (their recommendations stand in for it)."""
    results = run.results or {}
    return results if results.get("summary") else run_results_document(run)


def assessment_workloads(*, assessment: Assessment) -> list[Workload]:
    """The workloads an assessment covers: chosen ones and tagged ones; neither given, all."""
    scoped = Workload.objects.for_organization(assessment.organization).select_related("model")
    chosen = {w.pk for w in assessment.workloads.all()}
    tags = set(assessment.workload_tags or [])
    if not chosen and not tags:
        return list(scoped.order_by("external_id"))
    # Tags are filtered here rather than in SQL: JSON containment differs between backends.
    return [
        w
        for w in scoped.order_by("external_id")
        if w.pk in chosen or tags.intersection(w.tags or [])
    ]


def assessment_workload_count(*, assessment: Assessment) -> int:
    """How many workloads ``assessment_workloads`` would return, without loading them."""
    scoped = Workload.objects.for_organization(assessment.organization)
    chosen = set(assessment.workloads.values_list("pk", flat=True))
    tags = set(assessment.workload_tags or [])
    if not chosen and not tags:
        return scoped.count()
    if not tags:
        return len(chosen)
    rows = scoped.values_list("pk", "tags").iterator(chunk_size=5000)
    return sum(1 for pk, their_tags in rows if pk in chosen or tags.intersection(their_tags or []))


def _json_value(value):
    if hasattr(value, "as_tuple"):  # Decimal
        return float(value)
    return value


def _workload_row(w: Workload) -> dict:
    row = {name: _json_value(getattr(w, name)) for name in WORKLOAD_FIELDS}
    row["pk"] = w.pk
    row["model"] = w.model.name if w.model else None
    return row


def _provider_profiles(organization: Organization) -> dict[str, dict]:
    """Each provider the organization sees, in the shape of the sovereignty profiles; its own
    record of a provider replaces the public one of the same name."""
    rows = sorted(
        Provider.objects.for_organization(organization),
        key=lambda p: (p.organization_id is not None, p.pk),
    )
    profiles = {}
    for p in rows:
        profile = provider_from_row(
            {
                "provider": p.name,
                "headquarters_country": p.headquarters_country,
                "parent_company_country": p.parent_company_country,
                "subject_to_us_cloud_act": p.us_cloud_act_exposure,
                "eu_data_boundary_or_residency_offer": p.eu_residency_offer,
                "certifications": p.certifications,
                "customer_managed_keys": p.customer_managed_keys,
                "api_zero_data_retention_available": p.zero_data_retention,
                "trains_on_api_data_by_default": p.trains_on_api_data_by_default,
                "notes": p.notes,
            }
        )
        fields = dict(profile.__dict__)
        for key in ("certifications", "limited_certifications"):
            fields[key] = sorted(fields[key])
        profiles[p.name] = fields
    return profiles


def _offer_filter(offer_locations: str, country: str, dropped: list[str]):
    """Why a cloud or API catalog row may not serve the assessment, by where it processes data
    ("" where it may; a location not established never passes); what it refuses is named in
    ``dropped``."""
    if offer_locations == OfferLocations.ANY:
        return None
    eea = shipped_library().eea
    where = "the EEA" if offer_locations == OfferLocations.EEA else country
    named: set[str] = set()  # what ``dropped`` holds, looked up without scanning it

    def inside(place: str | None) -> bool:
        if offer_locations == OfferLocations.EEA:
            return place is not None and (place == EU or place in eea)
        return place is not None and place == country

    def refusal(kind: str, offer: OfferPlace) -> str:
        place = data_location(offer.provider, offer.region or "")
        if inside(place):
            return ""
        if kind == "cloud_gpu":  # asked once per provider and region
            label = f"{offer.provider} cloud GPU offers in {offer.region or 'an unnamed region'}"
        else:
            label = f"{offer.provider} {offer.name} (API)"
        if label not in named:
            named.add(label)
            dropped.append(label)
        if place is None:
            return "where it processes data is not established"
        return f"it processes data in {place}, outside {where}"

    return refusal


def _assumptions(document: dict, overrides: dict) -> None:
    document["assumptions"] = {**document.get("assumptions", {}), **(overrides or {})}


def run_snapshot(*, assessment: Assessment, on: date | None = None) -> dict:
    """Every input of a run, frozen: settings, inventory rows, the scenario document with each
    price's catalog row and source, providers' attributes, and the versions that computed it."""
    organization = assessment.organization
    on = assessment.prices_as_of or on or timezone.localdate()
    workloads = assessment_workloads(assessment=assessment)
    if not workloads:
        raise ValueError(
            "This assessment selects no workload: choose workloads or tags that exist, "
            "or add workloads to the inventory."
        )
    library = shipped_library()
    catalogs = current_catalogs(organization=organization, on=on)
    snapshot = {
        "schema_version": SNAPSHOT_SCHEMA_VERSION,
        "taken_at": timezone.now().isoformat(),
        "prices_as_of": on.isoformat(),
        "fx_max_age_days": settings.SOVRA_FX_MAX_AGE_DAYS,
        "assessment": {
            "id": assessment.pk,
            "name": assessment.name,
            "description": assessment.description,
            "options": list(assessment.options),
            "horizon_years": assessment.horizon_years or organization.horizon_years,
            "offer_locations": assessment.offer_locations,
            "assumption_overrides": assessment.assumption_overrides,
            "monte_carlo_samples": assessment.monte_carlo_samples,
            "random_seed": assessment.random_seed,
            "sovereignty_weight_pct": assessment.sovereignty_weight_pct,
            "sovereign_min_seal": assessment.sovereign_min_seal,
            "constraints": {
                "budget_cap": _json_value(assessment.budget_cap),
                "power_limit_kw": _json_value(assessment.power_limit_kw),
                "rack_units_limit": assessment.rack_units_limit,
                "min_sovereign_share_pct": _json_value(assessment.min_sovereign_share_pct),
            },
            "recipients": list(assessment.recipients),
            "workload_tags": list(assessment.workload_tags),
        },
        "organization": {
            "name": organization.name,
            "slug": organization.slug,
            "country": organization.country.code,
            "currency": organization.currency,
            "discount_rate_pct": float(organization.discount_rate_pct),
            "sovereignty_weight_pct": organization.sovereignty_weight_pct,
            "min_seal_by_classification": organization.min_seal_by_classification(),
        },
        "workloads": [_workload_row(w) for w in workloads],
        "excluded": [],
        "offers_left_out": [],
        "scenario": {},
        "providers": _provider_profiles(organization),
        "models": {
            w.model.name: {"open_weights": w.model.open_weights, "licence": w.model.license}
            for w in workloads
            if w.model
        },
        "catalogs": [
            {
                "id": c.pk,
                "name": c.name,
                "version": c.version,
                "effective_date": c.effective_date.isoformat(),
                "public": c.organization_id is None,
            }
            for c in sorted(catalogs, key=lambda c: (c.organization_id is not None, c.name))
        ],
        "versions": {
            "sovra": version("sovra"),
            "engine": ENGINE_VERSION,
            "library": {"urn": library.urn, "version": library.version},
        },
    }
    rules = RuleScreen(snapshot, library)
    document, excluded = scenario_build(
        organization=organization,
        workloads=workloads,
        options=assessment.options,
        horizon_years=assessment.horizon_years,
        as_of=on,
        offer_refusal=_offer_filter(
            assessment.offer_locations, organization.country.code, snapshot["offers_left_out"]
        ),
        offer_admits=rules.admits,
    )
    _assumptions(document, assessment.assumption_overrides)
    document["uncertainty"] = {
        **document.get("uncertainty", {}),
        "samples": assessment.monte_carlo_samples or 1,
        "seed": assessment.random_seed,
    }
    snapshot["excluded"] = [left._asdict() for left in excluded]
    snapshot["scenario"] = document
    # Sovereignty decides which offers each workload may use before the engine prices them.
    eligibility_screen(snapshot, rules)
    RunSnapshot.load(snapshot)  # every key typed, or the run stops at its first step
    return snapshot
