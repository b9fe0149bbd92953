"""The base of every typed part of a run's document, its schema version, and figures with
their sources."""

from __future__ import annotations

import msgspec

RESULTS_SCHEMA_VERSION = 2


class Typed(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A typed part of a run's document: unknown keys are refused, not carried along."""


class ResultsError(ValueError):
    """Stored results or inputs that do not match their models (or a newer schema version)."""


# --------------------------------------------------------------------------- figures and sources


class Source(Typed, kw_only=True):
    """Where an input came from; a figure's ``source`` is its index in ``engine.sources``."""

    kind: str
    reference: str = ""
    url: str = ""
    date: str = ""
    note: str = ""


class Figure(Typed, kw_only=True):
    """A value with its unit, and either its working (``formula`` and ``inputs``), its source
    (an input quantity) or ``see``: the ``id`` of the entry written in full in the same scope."""

    name: str
    value: float | None
    unit: str
    id: int | None = None
    see: int | None = None
    source: int | None = None
    formula: str | None = None
    inputs: list[Figure] | None = None


class Breakeven(Typed, kw_only=True):
    options: list[str]
    cheaper_at_horizon: str | None = None
    breakeven_month: float | None = None
    figure: Figure | None = None


def typed(model, data):
    try:
        return msgspec.convert(data, model)
    except msgspec.ValidationError as error:
        raise ResultsError(f"{model.__name__}: {error}") from error


def current_version(stored: dict, version_now: int, what: str) -> dict:
    """A stored document as the current version: version 1 (before versioning) had the same
    shape without ``schema_version``."""
    version = stored.get("schema_version", 1)
    if version == version_now:
        return stored
    if version == 1:
        return {**stored, "schema_version": version_now}
    raise ResultsError(f"{what} of schema version {version}, newer than this Sovra reads")
