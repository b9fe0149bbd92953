"""Figures that show their working: a value, its unit, the formula and where each input came from.

Every number the engine returns is a ``Figure`` (or carries one), so that pages and reports can
print the formula and its inputs, and a user can check any result by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SourceKind = Literal["catalog", "reference", "assumption", "default", "input", "derived"]


@dataclass(frozen=True, slots=True)
class Source:
    """Where an input came from: a catalog row, a reference figure, an assumption or a default."""

    kind: SourceKind
    reference: str = ""  # e.g. "gpus.csv: H100 SXM" or a catalog row id
    url: str = ""
    date: str = ""  # ISO date the source states, if any
    note: str = ""

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "reference": self.reference,
            "url": self.url,
            "date": self.date,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Quantity:
    """An input value with its unit and its source."""

    name: str
    value: float
    unit: str
    source: Source

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "source": self.source.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class Figure:
    """A computed value with the formula that produced it and the inputs it used."""

    name: str
    value: float
    unit: str
    formula: str
    inputs: tuple[Quantity | Figure, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "formula": self.formula,
            "inputs": [item.as_dict() for item in self.inputs],
        }


def given(name: str, value: float, unit: str, note: str = "") -> Quantity:
    """An input the caller supplied (a workload's figure, a scenario's assumption)."""
    return Quantity(name, float(value), unit, Source("input", note=note))


def default(name: str, value: float, unit: str, note: str) -> Quantity:
    """An engine default; ``note`` says why this value."""
    return Quantity(name, float(value), unit, Source("default", note=note))
