"""Meaning checks of a scenario that a JSON Schema cannot express, each naming its JSON path."""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

from jsonschema import Draft202012Validator

from costing.engine.architecture import architecture_problems
from costing.engine.hardware import Accelerators
from costing.engine.offers import Missing, Price
from costing.engine.roofline import SizingAssumptions
from costing.engine.scenario import SCHEMA, TOKEN_KINDS, TRAINING_KINDS, Scenario


def _gpu_errors(path: str, name: str, known: Accelerators) -> list[tuple[str, str]]:
    try:
        known.find(name)
    except KeyError as error:
        return [(path, str(error.args[0]))]
    return []


def _workload_errors(scenario: Scenario, known: Accelerators) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    models = {model.name for model in scenario.models}
    api_models = {offer.model for offer in scenario.offers.api}
    seen: set[str] = set()
    for i, w in enumerate(scenario.workloads):
        at = f"$.workloads[{i}]"
        if w.id in seen:
            errors.append((f"{at}.id", f"duplicate workload id {w.id!r}"))
        seen.add(w.id)
        if w.kind in TOKEN_KINDS | TRAINING_KINDS:
            if not w.model:
                errors.append((f"{at}.model", f"a {w.kind} workload needs a model"))
            elif w.model not in models and (
                w.kind in TRAINING_KINDS or not {w.model, *w.api_models} & api_models
            ):
                # A model known only by its API prices (under its own name or the names that
                # serve it) is fine beside self-hosted options: they are reported unavailable
                # for it (nothing to size on a GPU), never refused. A named equivalent is a
                # stand-in for the API option, not a sign that the model exists.
                why = "has no architecture in $.models and is offered by no API"
                errors.append((f"{at}.model", f"model {w.model!r} {why}"))
        if w.is_token and w.input_tokens + w.output_tokens <= 0:
            errors.append((f"{at}.output_tokens", "a token workload needs input or output tokens"))
        if w.kind in TRAINING_KINDS and w.training_tokens_per_month <= 0:
            errors.append((f"{at}.training_tokens_per_month", f"a {w.kind} workload needs tokens"))
        if w.kind not in TOKEN_KINDS | TRAINING_KINDS:
            if not w.gpu_class:
                errors.append((f"{at}.gpu_class", f"a {w.kind} workload needs a GPU class"))
            else:
                errors += _gpu_errors(f"{at}.gpu_class", w.gpu_class, known)
        if w.measured_throughput is not None:
            path = f"{at}.measured_throughput.gpu"
            errors += _gpu_errors(path, w.measured_throughput.gpu, known)
        if w.api_equivalent and w.api_equivalent not in api_models:
            errors.append((f"{at}.api_equivalent", f"no API offer for {w.api_equivalent!r}"))
        for j, name in enumerate(w.api_models):
            if name not in api_models:
                errors.append((f"{at}.api_models[{j}]", f"no API offer for {name!r}"))
    return errors


def _currency_errors(scenario: Scenario) -> list[tuple[str, str]]:
    fx, errors = scenario.fx(), []
    used: list[tuple[str, Price]] = []
    offers = scenario.offers
    for name in ("cloud_gpu", "api", "servers"):
        for i, offer in enumerate(getattr(offers, name)):
            for f in fields(offer):
                value = getattr(offer, f.name)
                if isinstance(value, Price):
                    used.append((f"$.offers.{name}[{i}].{f.name}", value))
    for name in ("facility_onprem", "facility_colocation", "staff"):
        offer = getattr(offers, name)
        for f in fields(offer) if offer is not None else ():
            value = getattr(offer, f.name)
            if isinstance(value, Price):
                used.append((f"$.offers.{name}.{f.name}", value))
    for name in ("software_per_gpu_year", "network_storage_per_month"):
        value = getattr(scenario.assumptions, name)
        if value is not None:
            used.append((f"$.assumptions.{name}", value))
    for path, price in used:
        try:
            fx.rate(price.currency, scenario.reporting_currency)
        except Missing as error:
            errors.append((f"{path}.currency", str(error)))
    return errors


def _eligibility_errors(scenario: Scenario) -> list[tuple[str, str]]:
    """Offer ids are unique; every profile a workload names exists and refuses known offers."""
    errors: list[tuple[str, str]] = []
    ids: set[str] = set()
    for name in ("cloud_gpu", "api"):
        for i, offer in enumerate(getattr(scenario.offers, name)):
            if offer.id in ids:
                errors.append((f"$.offers.{name}[{i}].id", f"duplicate offer id {offer.id!r}"))
            ids.add(offer.id)
    for key, profile in scenario.eligibility.items():
        for offer_id in sorted(set(profile.refused_offers) - ids):
            at = f"$.eligibility.{key}.refused_offers.{offer_id}"
            errors.append((at, f"no offer has the id {offer_id!r}"))
    for i, w in enumerate(scenario.workloads):
        if w.eligibility and w.eligibility not in scenario.eligibility:
            why = f"no eligibility profile {w.eligibility!r} in $.eligibility"
            errors.append((f"$.workloads[{i}].eligibility", why))
    return errors


def semantic_errors(scenario: Scenario) -> list[tuple[str, str]]:
    """What the schema cannot see: unknown GPUs and models, missing FX rates, bad overrides."""
    known = scenario.accelerators
    errors = _workload_errors(scenario, known)
    for i, model in enumerate(scenario.models):
        errors += [(f"$.models[{i}].{name}", why) for name, why in architecture_problems(model)]
    for name in ("cloud_gpu", "servers"):
        for i, offer in enumerate(getattr(scenario.offers, name)):
            errors += _gpu_errors(f"$.offers.{name}[{i}].gpu", offer.gpu, known)
    errors += _currency_errors(scenario)
    errors += _eligibility_errors(scenario)
    overrides = scenario.assumptions.sizing_overrides
    allowed = {f.name for f in fields(SizingAssumptions)} - {"profile", "kv_precision"}
    for key in sorted(set(overrides) - allowed):
        errors.append((f"$.assumptions.sizing_overrides.{key}", f"unknown sizing factor {key!r}"))
    for key, value in scenario.uncertainty.inputs.items():
        if not value.low <= value.likely <= value.high:
            errors.append((f"$.uncertainty.inputs.{key}", "needs low <= likely <= high"))
    financing = scenario.assumptions.financing
    if financing.kind == "loan" and financing.annual_rate is None:
        errors.append(("$.assumptions.financing.annual_rate", "a loan needs a rate"))
    return errors


def _path(parts) -> str:
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _non_finite(value: Any, parts: tuple = ()) -> list[tuple[str, str]]:
    """NaN and infinities, which Python's json reads from NaN, Infinity or 1e400 and which every
    minimum and maximum lets through (NaN compares false with both)."""
    if isinstance(value, float) and not math.isfinite(value):
        return [(_path(parts), f"{value!r} is not a finite number")]
    if isinstance(value, dict):
        return [e for key, item in value.items() for e in _non_finite(item, (*parts, key))]
    if isinstance(value, list):
        return [e for i, item in enumerate(value) for e in _non_finite(item, (*parts, i))]
    return []


def schema_errors(document: Any) -> list[tuple[str, str]]:
    """JSON Schema errors of a document, each with its JSON path, in document order."""
    non_finite = _non_finite(document)
    if non_finite:
        return non_finite
    validator = Draft202012Validator(SCHEMA)
    found = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.path])
    errors = [(_path(error.absolute_path), error.message) for error in found]
    if not errors:
        errors += _duplicate_accelerators(document.get("accelerators") or [])
    return errors


def _duplicate_accelerators(rows: list[dict]) -> list[tuple[str, str]]:
    """One name, one part: the table is keyed by name, so a second row would hide the first."""
    seen: set[str] = set()
    errors = []
    for i, row in enumerate(rows):
        if row["name"] in seen:
            errors.append((f"$.accelerators[{i}].name", f"a second accelerator {row['name']!r}"))
        seen.add(row["name"])
    return errors
