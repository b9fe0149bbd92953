"""Accelerators: datasheet figures, from the public reference table or a scenario's own, and
the one resolver that maps the names offers, inventories and benchmarks use to them."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from costing.engine.figures import Quantity, Source

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "gpus.csv"

# Compute precision used for the tensor peak; weight-only formats compute in 16 bits.
COMPUTE_PRECISION = {
    "bf16": "bf16",
    "fp16": "bf16",
    "fp8": "fp8",
    "int8": "int8",
    "fp4": "fp4",
    "mxfp4": "fp4",
    "nvfp4": "fp4",
    "int4": "bf16",
    "q4_0": "bf16",
}

# Names seen in the data, the cases and inventories -> the gpus.csv row they mean, consulted
# only when a name's words, family, form and memory do not already pick one part (see
# Accelerators). Matching ignores case, vendor prefixes, hyphens and the order of words.
ALIASES: dict[str, tuple[str, ...]] = {
    "NVIDIA A100 80GB SXM": (
        "A100 80GB SXM",
        "A100 SXM4 80GB",
        # The only 80 GB A100 row in the data: an unqualified "A100 80GB" means this one.
        "A100 80GB",
        "A100-80GB",
    ),
    "NVIDIA A100 40GB SXM": ("A100 40GB SXM", "A100 SXM4 40GB", "A100 40GB"),
    "NVIDIA H100 SXM": ("H100 SXM", "H100 SXM 80GB", "H100 SXM5", "H100-80GB SXM", "H100 HBM3"),
    "NVIDIA H100 PCIe": ("H100 PCIe", "H100 PCIe 80GB"),
    "NVIDIA H100 NVL": ("H100 NVL", "H100 NVL 94GB"),
    "NVIDIA H800 SXM": ("H800", "H800 SXM", "H800 SXM5", "H800 SXM5 80GB", "H800 80GB"),
    "NVIDIA H200 SXM": ("H200 SXM", "H200 SXM 141GB", "H200"),
    "NVIDIA H200 NVL": ("H200 NVL", "H200 NVL 141GB"),
    "NVIDIA B200 (HGX)": ("B200", "B200 HGX", "HGX B200", "B200 SXM"),
    "NVIDIA B300 (HGX Blackwell Ultra)": ("B300", "B300 HGX", "HGX B300"),
    "NVIDIA GB200 (per Blackwell GPU)": ("GB200",),
    "NVIDIA L40S": ("L40S", "L40S 48GB"),
    "NVIDIA L4": ("L4", "L4 24GB"),
    "NVIDIA A10G": ("A10G",),
    "NVIDIA RTX 6000 Ada Generation": ("RTX 6000 Ada", "RTX 6000 Ada Generation"),
    "NVIDIA RTX PRO 6000 Blackwell": ("RTX PRO 6000", "RTX PRO 6000 Blackwell"),
    "AMD Instinct MI300X": ("MI300X", "Instinct MI300X"),
    "AMD Instinct MI325X": ("MI325X", "Instinct MI325X"),
    "AMD Instinct MI355X": ("MI355X", "Instinct MI355X"),
    "Intel Gaudi 3": ("Gaudi 3", "Gaudi3"),
}

_VENDORS = {"nvidia", "amd", "intel"}
# Where a part described in code (not in a table) comes from.
CUSTOM = Source("input", "custom accelerator")

# What a name says about a part, read the way datasheets and price lists write it: the family
# ("H100", "MI300X", "RTX PRO 6000", "Gaudi 3"), the form factor and a stated memory size.
_VENDOR_WORDS = re.compile(r"\b(NVIDIA|AMD|INSTINCT|INTEL)\b")
_FAMILY = re.compile(r"\b(RTX PRO \d{4}|RTX \d{4}|GAUDI ?\d|[A-Z]{1,2}\d{1,3}[A-Z]?)\b")
_MEMORY = re.compile(r"\b(\d+)\s*GB\b")
_FORMS = (
    ("NVL", re.compile(r"\bNVL\b")),
    ("PCIE", re.compile(r"PCIE")),
    ("SXM", re.compile(r"SXM|HGX")),
)


def name_key(name: str) -> frozenset[str]:
    """Words of a name, without case, vendor, brackets or hyphens, in any order."""
    words = re.sub(r"[()\-_,/]", " ", name.lower()).split()
    return frozenset(word for word in words if word not in _VENDORS)


@dataclass(frozen=True, slots=True)
class PartKey:
    """What a name says about a part: its family, its form factor and its memory, if stated."""

    families: frozenset[str]
    form: str
    memory_gb: int | None

    @classmethod
    def of(cls, name: str, *, context: str = "", memory_gb: float | None = None) -> PartKey:
        """The key of ``name``; ``context`` (an instance or system name, a form factor) may
        state the form, and ``memory_gb`` stands in for a size the name leaves out."""
        text = name.upper()
        stated = _MEMORY.search(text)
        families = _MEMORY.sub(" ", _VENDOR_WORDS.sub(" ", text))
        form = next(
            (form for t in (name, context) for form, p in _FORMS if p.search(t.upper())), ""
        )
        memory = int(stated[1]) if stated else (int(memory_gb) if memory_gb else None)
        return cls(
            frozenset(match.replace(" ", "") for match in _FAMILY.findall(families)), form, memory
        )


@dataclass(frozen=True, slots=True)
class Accelerator:
    """One accelerator's datasheet figures (dense tensor peaks) and where they were read."""

    name: str
    memory_gb: float
    memory_bandwidth_tb_s: float
    bf16_tflops: float | None = None
    fp8_tflops: float | None = None
    int8_tflops: float | None = None
    fp4_tflops: float | None = None
    tdp_w: float | None = None
    interconnect_gb_s: float | None = None
    vendor: str = ""
    form_factor: str = ""
    source: Source = CUSTOM

    @property
    def key(self) -> PartKey:
        return PartKey.of(self.name, context=self.form_factor, memory_gb=self.memory_gb)

    def quantity(self, what: str, value: float, unit: str) -> Quantity:
        return Quantity(f"{self.name} {what}", value, unit, self.source)

    @property
    def memory(self) -> Quantity:
        return self.quantity("memory", self.memory_gb, "GB")

    @property
    def bandwidth(self) -> Quantity:
        return self.quantity("memory bandwidth", self.memory_bandwidth_tb_s, "TB/s")

    @property
    def dense_tflops_by_precision(self) -> dict[str, float | None]:
        """Dense tensor peaks as the datasheet gives them; FP16 runs at the BF16 rate."""
        return {
            "bf16": self.bf16_tflops,
            "fp16": self.bf16_tflops,
            "fp8": self.fp8_tflops,
            "int8": self.int8_tflops,
            "fp4": self.fp4_tflops,
        }

    def dense_tflops(self, precision: str) -> Quantity:
        """Dense tensor peak for ``precision``, falling back to 16-bit compute where the chip
        has no faster path (FP8 weights on an A100 run as weight-only quantisation)."""
        wanted = COMPUTE_PRECISION.get(precision.lower())
        if wanted is None:
            raise ValueError(f"no tensor peak for precision {precision!r} in the reference data")
        peaks = self.dense_tflops_by_precision
        for candidate in (wanted, "bf16"):
            if peaks[candidate]:
                return self.quantity(f"dense {candidate} peak", peaks[candidate], "TFLOPS")
        raise ValueError(f"{self.name}: no dense tensor throughput in the reference data")


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def load_accelerators(path: Path | str | None = None) -> Accelerators:
    """Every row of gpus.csv (the public reference data), keyed by its name in the file."""
    source = Path(path) if path else DEFAULT_PATH
    rows = []
    with source.open(newline="", encoding="utf-8") as handle:
        # Line 1 is the header, so the first data row is line 2.
        for line, row in enumerate(csv.DictReader(handle), start=2):
            rows.append(
                Accelerator(
                    name=row["gpu"],
                    memory_gb=float(row["memory_gb"]),
                    memory_bandwidth_tb_s=float(row["memory_bandwidth_tb_s"]),
                    bf16_tflops=_number(row["bf16_dense_tflops"]),
                    fp8_tflops=_number(row["fp8_dense_tflops"]),
                    int8_tflops=_number(row["int8_dense_tops"]),
                    fp4_tflops=_number(row["fp4_dense_tflops"]),
                    tdp_w=_number(row["tdp_w"]),
                    interconnect_gb_s=_number(row["interconnect_gb_s"]),
                    vendor=row["vendor"],
                    form_factor=row["form_factor"],
                    source=Source(
                        "reference",
                        f"{source.name} line {line}: {row['gpu']}",
                        row["source_url"],
                        row["source_date"],
                    ),
                )
            )
    return Accelerators(rows)


@cache
def public_accelerators() -> Accelerators:
    """The shipped reference table: what a scenario without its own accelerators knows."""
    return load_accelerators()


class Accelerators(Mapping[str, Accelerator]):
    """The accelerators a scenario knows, by name, and the one way any name finds one of them.

    Offers, inventories and published benchmarks name parts loosely ("H100 80GB HBM3",
    "A100-80GB", "8x H200 (p5e.48xlarge)"). A name means a part when, in this order:
    1. its words are the part's name's words (case, vendor, hyphens and order aside);
    2. its family, stated form factor (the name's or its context's, e.g. an instance name)
       and stated memory fit exactly one part;
    3. it is one of ALIASES, the conventions for names that state too little ("H200" alone
       is the SXM part, as clouds sell it).
    Anything else is unknown or ambiguous, and says so: a guess would price the wrong part.
    Compared by identity, so caches keyed on a scenario's table stay cheap.
    """

    def __init__(self, rows: Iterable[Accelerator] = ()):
        self._by_name = {row.name: row for row in rows}
        self._keys = [(row, row.key) for row in self._by_name.values()]
        self._words = {name_key(name): row for name, row in self._by_name.items()}
        self._aliases = {
            name_key(alias): self._by_name[canonical]
            for canonical, aliases in ALIASES.items()
            if canonical in self._by_name
            for alias in aliases
        }
        self._found: dict[tuple[str, str], tuple[Accelerator | None, str]] = {}

    def __getitem__(self, name: str) -> Accelerator:
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other

    def resolve(self, name: str, *, context: str = "") -> tuple[Accelerator | None, str]:
        """The part ``name`` means, or None and why (unknown, ambiguous)."""
        cache_key = (name, context)
        if cache_key not in self._found:
            self._found[cache_key] = self._resolve(name, context)
        return self._found[cache_key]

    def find(self, name: str, *, context: str = "") -> Accelerator:
        """The part ``name`` means; an unknown or ambiguous name fails loudly."""
        found, why = self.resolve(name, context=context)
        if found is None:
            raise KeyError(f"unknown accelerator {name!r} ({why}); add it to the accelerators")
        return found

    def _resolve(self, name: str, context: str) -> tuple[Accelerator | None, str]:
        words = name_key(name)
        if words in self._words:
            return self._words[words], ""
        wanted = PartKey.of(name, context=context)
        candidates = [
            row
            for row, key in self._keys
            if len(wanted.families) == 1
            and key.families == wanted.families
            and (wanted.memory_gb is None or key.memory_gb == wanted.memory_gb)
            and (not wanted.form or key.form == wanted.form)
        ]
        if len(candidates) == 1:
            return candidates[0], ""
        if words in self._aliases:
            return self._aliases[words], ""
        if len(wanted.families) != 1:
            return None, "names no single accelerator family"
        if not candidates:
            return None, "no accelerator matches"
        return None, "ambiguous: " + ", ".join(sorted(row.name for row in candidates))
