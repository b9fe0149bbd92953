"""Resolve the GPU names that offers use ('H100 SXM 80GB') to one GPU spec, or to none."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

_VENDOR_WORDS = re.compile(r"\b(NVIDIA|AMD|INSTINCT|INTEL)\b")
_FAMILY = re.compile(r"\b(RTX PRO \d{4}|RTX \d{4}|GAUDI ?\d|[A-Z]{1,2}\d{1,3}[A-Z]?)\b")
_MEMORY = re.compile(r"\b(\d+)\s*GB\b")
_FORMS = (
    ("NVL", re.compile(r"\bNVL\b")),
    ("PCIE", re.compile(r"PCIE")),
    ("SXM", re.compile(r"SXM|HGX")),
)


@dataclass(frozen=True, slots=True)
class GpuKey:
    """What a name says about a GPU: its family, its form factor and its memory, if stated."""

    families: frozenset[str]
    form: str
    memory_gb: int | None


def _families(text: str) -> frozenset[str]:
    text = _MEMORY.sub(" ", _VENDOR_WORDS.sub(" ", text.upper()))
    return frozenset(match.replace(" ", "") for match in _FAMILY.findall(text))


def _form(*texts: str) -> str:
    for text in texts:
        for form, pattern in _FORMS:
            if pattern.search(text.upper()):
                return form
    return ""


def key_of_name(name: str, *, context: str = "") -> GpuKey:
    """The key of an offer's GPU name; ``context`` (the instance name) may state the form."""
    memory = _MEMORY.search(name.upper())
    return GpuKey(_families(name), _form(name, context), int(memory[1]) if memory else None)


def key_of_spec(name: str, form_factor: str, memory_gb: Decimal) -> GpuKey:
    return GpuKey(_families(name), _form(name, form_factor), int(memory_gb))


def index(specs: Iterable) -> list[tuple[object, GpuKey]]:
    """Keys of GPU spec rows, built once for many look-ups."""
    return [(spec, key_of_spec(spec.name, spec.form_factor, spec.memory_gb)) for spec in specs]


def resolve(offer: GpuKey, specs: Iterable[tuple[object, GpuKey]]) -> tuple[object | None, str]:
    """The one spec the offer's name fits, or None and why (unknown, ambiguous).

    A stated memory size or form factor must match; an unstated one matches anything, so
    'H200 141GB' fits both the SXM and the NVL part and stays unresolved rather than guessed.
    """
    if len(offer.families) != 1:
        return None, "names no single GPU family"
    candidates = [
        (spec, key)
        for spec, key in specs
        if key.families == offer.families
        and (offer.memory_gb is None or key.memory_gb == offer.memory_gb)
        and (not offer.form or key.form == offer.form)
    ]
    if len(candidates) == 1:
        return candidates[0][0], ""
    if not candidates:
        return None, "no GPU spec matches"
    return None, "ambiguous: " + ", ".join(sorted(str(spec) for spec, _ in candidates))
