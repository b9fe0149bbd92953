"""Maps an organization's workload inventory onto the scenario document's workloads and models."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from costing.engine.api_models import ApiMatch, ApiModels
from costing.engine.architecture import ModelArchitecture, architecture_problems
from costing.engine.hardware import Accelerators
from costing.models import ApiOffer, ApiUnit
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


def selected_workloads(organization: Organization, workloads) -> list[Workload]:
    """The organization's workloads among ``workloads`` (None: all of them); another
    organization's is refused, naming it."""
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


class ApiServing:
    """Which API offers serve each inventory model: those the document holds, and those left
    out of it (by where they process data, say) with why, so a model they alone serve says so."""

    def __init__(self, offers: list[dict], left_out: Iterable[tuple[ApiOffer, str]] = ()):
        """``offers``: the document's API offers; ``left_out``: catalog rows refused, and why."""
        self.admitted = ApiModels((offer["provider"], offer["model"]) for offer in offers)
        self.left_out = {(row.provider.name, row.model_name): (row, why) for row, why in left_out}
        self._refused = ApiModels(self.left_out)

    def _label(self, provider: str, name: str) -> str:
        return f"{provider} {name}: left out, {self.left_out[provider, name][1]}"

    def left_out_serving(self, w: Workload) -> list[tuple[str, str, str]]:
        """The offers left out of the document that serve the workload's model, and why."""
        return [
            (*offer, self.left_out[offer][1])
            for offer in self._refused.serving(w.model.name).offers
        ]

    def match(self, w: Workload) -> ApiMatch:
        """The document's offers serving the workload's model at its precision, and the offers
        passed over: served below its precision, or left out of the document."""
        found = self.admitted.serving(w.model.name, w.precision)
        out = tuple(self._label(provider, name) for provider, name, _ in self.left_out_serving(w))
        return ApiMatch(found.offers, found.passed_over + out)

    def media_left_out(self, kind: str) -> list[str]:
        """The offers left out of the document that bill speech or image work by its unit."""
        units = _MEDIA_UNITS.get(kind, ())
        return [self._label(*key) for key, (row, _) in self.left_out.items() if row.unit in units]


# What a speech or image workload is billed by (costing.scenario_offers reads the same units).
_MEDIA_UNITS = {
    "speech_audio": (ApiUnit.AUDIO_MINUTE, ApiUnit.AUDIO_HOUR),
    "image_video": (ApiUnit.IMAGE,),
}


def _row(w: Workload, kind: str, api: ApiServing) -> dict:
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
        match = api.match(w)
        if match.offers:
            row["api_models"] = list(match.models)
        if match.passed_over:
            row["api_passed_over"] = list(match.passed_over)
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
        billed = row.get("audio_minutes_per_month") or row.get("images_per_month")
        if billed and (passed := api.media_left_out(kind)):
            row["api_passed_over"] = passed
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


def _why_not(w: Workload, kind: str, api: ApiServing, parts: Accelerators) -> tuple[str, str]:
    """Why the engine cannot take this workload in this document, and the fix ('' when it can)."""
    if kind in TOKEN | TRAINING:
        if w.model is None:
            return "no model", "choose the model it runs on the workload's page"
        if not w.model.has_architecture:
            architecture = f"enter {w.model.name}'s architecture on {MODELS_PAGE}"
            if kind in TRAINING:
                return f"{w.model.name} has no architecture to train on", architecture
            served, left = api.match(w).offers, api.left_out_serving(w)
            if not served and left:
                offers = ", ".join(f"{provider} {name}" for provider, name, _ in left)
                whys = "; ".join(sorted({why for *_, why in left}))
                return (
                    f"{w.model.name} has no architecture, and its API offers ({offers}) are "
                    f"left out: {whys}",
                    f"{architecture}, or admit one of its API offers",
                )
            if not served:
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
    *, organization: Organization, workloads, api: ApiServing, parts: Accelerators
) -> tuple[list[dict], list[dict], list[LeftOut]]:
    """Document workloads and the model architectures they use; left-out workloads with why."""
    rows, models, excluded = [], {}, []
    for w in selected_workloads(organization, workloads):
        kind = KINDS[w.kind]
        # Speech with a model but sized in GPU-hours (Whisper) stays GPU-hours work.
        why, fix = _why_not(w, kind, api, parts)
        if why:
            excluded.append(LeftOut(w.external_id, why, fix))
            continue
        rows.append(_row(w, kind, api))
        if kind in TOKEN | TRAINING and w.model.has_architecture:
            models[w.model.name] = scenario_model(w.model)
    return rows, list(models.values()), excluded
