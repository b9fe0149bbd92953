"""The one resolver from a workload's model to the API model names that serve the same model.

Providers name one model their own way: Meta's Llama 3.3 70B Instruct is
"llama-v3p3-70b-instruct" at Fireworks, "llama-3.3-70b-versatile" at Groq and
"Meta-Llama-3_3-70B-Instruct" at OVHcloud. An API name serves a model when it is the model's
own name, or when its significant words are the model's: case, separators and path or vendor
prefixes aside ("accounts/fireworks/models/", "Meta-"), version spellings made one ("v3p3",
"3_3" and "llama3.3" are 3.3), and the words that name a tuned variant or a serving tier of the
same weights left out (``QUALIFIERS``). A name with a word more or a word less is another
model, or says too little to tell which: no match, never a guess, since a wrong match prices
the wrong model. So 3.1 is not 3.3, 8B is not 70B, Groq's "llama3-70b-8192" is Llama 3 (not
3.1) with an 8K context, and Groq's "whisper-large-v3-turbo" is not Whisper large-v3 but a
smaller model derived from it (4 decoder layers against 32).

Quantised serving is the same model only for work at that precision or below. An API serving
the weights in fewer bits (a name stating fp8/int8/int4/fp4, AWQ or GPTQ, or the "-Instruct-Turbo"
names Together AI and DeepInfra serve in FP8, as DeepInfra's model pages state) bills less
for a service the organization has not chosen: against a workload sized at BF16 it would
compare a cheaper, lower-precision service with owned BF16 hardware. Against a workload the
organization itself sizes at FP8 it is the same service. A name stating no precision is taken
at its word, as the published weights.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from costing.engine.architecture import BYTES_PER_PARAMETER

# Words naming a tuned variant or a serving tier of the same weights, not another model: the
# instruction-tuned release every chat API serves ("instruct", "chat", Gemma's "it", Hugging
# Face's "hf"), Groq's tiers ("versatile", "instant"), Azure's list-price deployment type
# ("global standard"), and what an inventory adds about the kind ("embedding", "dense", "moe").
QUALIFIERS = frozenset(
    {"instruct", "chat", "it", "hf", "versatile", "instant", "global", "standard", "embedding",
     "dense", "moe"}
)  # fmt: skip
_VENDORS = frozenset({"meta", "mistralai", "baai", "accounts", "models"})
# Stated serving precisions; AWQ and GPTQ are 4-bit weight quantisations.
_PRECISION_WORDS = {"fp8": "fp8", "int8": "int8", "fp4": "fp4", "int4": "int4", "awq": "int4",
                    "gptq": "int4", "bf16": "bf16", "fp16": "fp16"}  # fmt: skip
_TURBO = re.compile(r"instruct[-_ ]turbo\b", re.IGNORECASE)


def _normalised(name: str) -> str:
    text = re.sub(r"^(?:[\w.-]+/)+", "", name.strip()).lower()  # path prefixes
    text = re.sub(r"\bv(\d+)p(\d+)", r"\1.\2", text)  # Fireworks: v3p3 = 3.3
    text = re.sub(r"(\d)_(\d)", r"\1.\2", text)  # OVHcloud: 3_3 = 3.3
    text = re.sub(r"(\d+b)x(\d+e)\b", r"\1 \2", text)  # 17Bx16E = 17B, 16E
    text = re.sub(r"\bv(\d)", r"\1", text)  # v1.5 = 1.5
    # llama3.1 = llama 3.1, but a stated precision (fp8, int4, bf16) stays one word.
    return re.sub(r"(?<!\bfp)(?<!\bbf)(?<!\bint)(?<=[a-z])(?=\d)", " ", text)


# How ``ServedName`` reads a name. Catalogs store each API row's reading when published
# (costing.api_candidates); one published with another reading is matched name by name, so
# bump this whenever a name would read differently.
NAME_READING = 2


@dataclass(frozen=True, slots=True)
class ServedName:
    """What a model name says: its significant words and the precision it states ("" if none)."""

    words: frozenset[str]
    precision: str

    @classmethod
    def of(cls, name: str) -> ServedName:
        return _served_name(name)

    @property
    def key(self) -> str:
        """The significant words as one text: two names serve the same model (at some
        precision) when their keys are equal and not empty."""
        return " ".join(sorted(self.words))


# A run reads the same model names again (offers in and out of the document, each workload's
# model); a catalog holds a few thousand distinct ones.
@lru_cache(maxsize=16384)
def _served_name(name: str) -> ServedName:
    """``ServedName.of``, each distinct name read once."""
    precision = "fp8" if _TURBO.search(name) else ""
    words = set()
    for word in re.split(r"[\s\-_,/()\[\]:]+", _normalised(name)):
        if word in _PRECISION_WORDS:
            precision = _PRECISION_WORDS[word]
        elif word and word not in QUALIFIERS | _VENDORS and not (precision and word == "turbo"):
            words.add(word)
    return ServedName(frozenset(words), precision)


@dataclass(frozen=True, slots=True)
class ApiMatch:
    """The offers serving a model as (provider, model name), and those passed over with why
    (served below the work's precision)."""

    offers: tuple[tuple[str, str], ...] = ()
    passed_over: tuple[str, ...] = ()

    @property
    def models(self) -> tuple[str, ...]:
        """The model names of the offers serving it, each once: what a document records."""
        return tuple(sorted({name for _, name in self.offers}))


def _bytes(precision: str) -> float | None:
    found = BYTES_PER_PARAMETER.get(precision.strip().lower())
    return found[0] if found else None


class ApiModels:
    """The model names of a set of API offers, each read once, and which of them serve a model."""

    def __init__(self, offers: Iterable[tuple[str, str]]):
        """``offers``: (provider, model name) of each API offer."""
        # By significant words, and by name: a model is served by its own name or its words,
        # so matching looks up two keys instead of reading a feed's thousands of names.
        self._by_words: dict[frozenset[str], list[int]] = {}
        self._by_name: dict[str, list[int]] = {}
        self._offers = []
        for index, (provider, model) in enumerate(offers):
            served = ServedName.of(model)
            self._offers.append((provider, model, served))
            self._by_words.setdefault(served.words, []).append(index)
            self._by_name.setdefault(model, []).append(index)

    def serving(self, model: str, precision: str = "") -> ApiMatch:
        """The offers' model names that serve ``model`` for work at ``precision``."""
        wanted = ServedName.of(model)
        found: list[tuple[str, str]] = []
        passed: list[str] = []
        matching = set(self._by_name.get(model, ()))
        if wanted.words:
            matching.update(self._by_words.get(wanted.words, ()))
        for index in sorted(matching):  # in the offers' order, as given
            provider, name, served = self._offers[index]
            have, need = _bytes(served.precision), _bytes(precision)
            if have is not None and need is not None and have < need:
                passed.append(f"{provider} {name} serves it in {served.precision}, "
                              f"below the workload's {precision}")  # fmt: skip
                continue
            found.append((provider, name))
        return ApiMatch(tuple(found), tuple(passed))
