"""Maps an organization's workload inventory onto the scenario document's workloads and models."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from costing.engine.architecture import ModelArchitecture, architecture_problems
from costing.engine.hardware import Accelerators
from portal.models import Organization, Workload
from portal.models.modelspec import SIZING_FIELDS
from portal.models.workload import Residency, WorkloadKind

KINDS = {
    WorkloadKind.CHAT: "chat",
    WorkloadKind.BATCH: "batch_inference",
    WorkloadKind.EMBEDDINGS: "embeddings",
    WorkloadKind.FINE_TUNING: "fine_tuning",
    WorkloadKind.TRAINING: "training",
    WorkloadKind.SPEECH: "speech_audio",
    WorkloadKind.IMAGE_VIDEO: "image_video",
    WorkloadKind.OTHER_GPU: "other_gpu",
}
TOKEN = {"chat", "batch_inference", "embeddings"}
TRAINING = {"fine_tuning", "training"}


class WorkloadNotInOrganization(ValueError):
    """A workload of another organization (or none at all) was selected: refused, not skipped."""


def _selected(organization: Organization, workloads) -> list[Workload]:
    scoped = Workload.objects.for_organization(organization).select_related("model")
    if workloads is None:
        return list(scoped)
    wanted = {getattr(w, "pk", w) for w in workloads}
    found = list(scoped.filter(pk__in=wanted))
    stray = wanted - {w.pk for w in found}
    if stray:
        raise WorkloadNotInOrganization(
            f"Workloads {sorted(stray)} are not workloads of {organization.slug}."
        )
    return found


def scenario_model(spec) -> dict:
    """The spec's sizing fields as the scenario document's model: every one the spec states."""
    doc: dict = {"name": spec.name}
    for name in SIZING_FIELDS:
        value = getattr(spec, name)
        if value not in (None, ""):
            doc[name] = float(value) if isinstance(value, Decimal) else value
    return doc


def sizing_problems(spec) -> list[tuple[str, str]]:
    """Why the engine could not size the spec, as the run's document would carry it."""
    return architecture_problems(ModelArchitecture(**scenario_model(spec)))


def _row(w: Workload, kind: str, api_models: set[str]) -> dict:
    row = {"id": w.external_id, "name": w.name, "kind": kind}
    if w.growth_pct_per_year:
        row["growth_per_year"] = float(w.growth_pct_per_year) / 100
    if kind in TOKEN:
        row.update(
            model=w.model.name,
            precision=w.precision,
            input_tokens=w.avg_input_tokens,
            output_tokens=w.avg_output_tokens,
            requests_per_day=w.requests_per_day,
            peak_factor=float(w.peak_factor),
        )
        if w.ttft_target_ms:
            row["ttft_target_s"] = w.ttft_target_ms / 1000
        if w.output_tokens_per_second_target:
            row["output_tokens_per_s_target"] = w.output_tokens_per_second_target
        if w.model.name in api_models:
            row["api_equivalent"] = w.model.name
        if w.cached_input_pct:
            row["cached_input_share"] = float(w.cached_input_pct) / 100
    elif kind in TRAINING:
        method = w.fine_tuning_method or ("lora" if kind == "fine_tuning" else "full")
        row.update(
            model=w.model.name,
            precision=w.precision,
            training_tokens_per_month=w.training_tokens_per_month or 0,
            fine_tuning_method=method,
        )
    else:
        row.update(
            gpu_hours_per_month=float(w.gpu_hours_per_month or 0),
            peak_gpus=w.peak_gpus or 0,
            gpu_class=w.gpu_class,
        )
        if kind == "speech_audio" and w.audio_minutes_per_month:
            row["audio_minutes_per_month"] = float(w.audio_minutes_per_month)
        if kind == "image_video" and w.images_per_month:
            row["images_per_month"] = float(w.images_per_month)
    # An API's regional-processing uplift applies where the data must stay in a region.
    if w.residency_requirement in (Residency.EU_EEA, Residency.COUNTRY):
        row["regional_processing"] = True
    return row


class LeftOut(NamedTuple):
    """A workload the document cannot carry: why, and what the user can change to include it."""

    id: str
    reason: str
    fix: str


MODELS_PAGE = "the Models page"


def _why_not(w: Workload, kind: str, api_models: set[str], parts: Accelerators) -> tuple[str, str]:
    """Why the engine cannot take this workload in this document, and the fix ('' when it can)."""
    if kind in TOKEN | TRAINING:
        if w.model is None:
            return "no model", "choose the model it runs on the workload's page"
        if not w.model.has_architecture:
            architecture = f"enter {w.model.name}'s architecture on {MODELS_PAGE}"
            if kind in TRAINING:
                return f"{w.model.name} has no architecture to train on", architecture
            if w.model.name not in api_models:
                return (
                    f"{w.model.name} has no architecture and no token API offer",
                    f"{architecture}, or add an API offer for it to a price catalog",
                )
        if kind in TRAINING and not w.training_tokens_per_month:
            return "no training tokens per month", "enter the training tokens per month"
        if kind in TOKEN and w.avg_input_tokens + w.avg_output_tokens <= 0:
            return "no tokens per request", "enter the average input and output tokens"
    elif not w.gpu_class:
        return "GPU-hours work without a GPU class", "enter the GPU class it runs on"
    else:
        found, why = parts.resolve(w.gpu_class)
        if found is None:
            return (
                f"GPU class {w.gpu_class!r} is no accelerator the organization has ({why})",
                "name one from the Accelerators page, or add yours there",
            )
    return "", ""


def workload_rows(
    *, organization: Organization, workloads, api_models: set[str], parts: Accelerators
) -> tuple[list[dict], list[dict], list[LeftOut]]:
    """Document workloads and the model architectures they use; left-out workloads with why."""
    rows, models, excluded = [], {}, []
    for w in _selected(organization, workloads):
        kind = KINDS[w.kind]
        # Speech with a model but sized in GPU-hours (Whisper) stays GPU-hours work.
        why, fix = _why_not(w, kind, api_models, parts)
        if why:
            excluded.append(LeftOut(w.external_id, why, fix))
            continue
        rows.append(_row(w, kind, api_models))
        if kind in TOKEN | TRAINING and w.model.has_architecture:
            models[w.model.name] = scenario_model(w.model)
    return rows, list(models.values()), excluded
