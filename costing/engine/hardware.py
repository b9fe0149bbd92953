"""Accelerators: specs from the public reference table, names matched through an alias table."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
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

# Names seen in the data, the cases and inventories -> the gpus.csv row they mean. Matching
# ignores case, vendor prefixes, hyphens and the order of words ("A100 80GB SXM" = "A100 SXM 80GB").
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


def name_key(name: str) -> frozenset[str]:
    """Words of a name, without case, vendor, brackets or hyphens, in any order."""
    words = re.sub(r"[()\-_,/]", " ", name.lower()).split()
    return frozenset(word for word in words if word not in _VENDORS)


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
    source_url: str = ""
    source_date: str = ""
    source_reference: str = "custom accelerator"

    @property
    def source(self) -> Source:
        kind = "reference" if self.source_reference.startswith("gpus.csv") else "input"
        return Source(kind, self.source_reference, self.source_url, self.source_date)

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


def load_accelerators(path: Path | str | None = None) -> dict[str, Accelerator]:
    """Every row of gpus.csv, keyed by its name in the file."""
    source = Path(path) if path else DEFAULT_PATH
    accelerators: dict[str, Accelerator] = {}
    with source.open(newline="", encoding="utf-8") as handle:
        # Line 1 is the header, so the first data row is line 2.
        for line, row in enumerate(csv.DictReader(handle), start=2):
            accelerators[row["gpu"]] = Accelerator(
                name=row["gpu"],
                memory_gb=float(row["memory_gb"]),
                memory_bandwidth_tb_s=float(row["memory_bandwidth_tb_s"]),
                bf16_tflops=_number(row["bf16_dense_tflops"]),
                fp8_tflops=_number(row["fp8_dense_tflops"]),
                int8_tflops=_number(row["int8_dense_tops"]),
                fp4_tflops=_number(row["fp4_dense_tflops"]),
                tdp_w=_number(row["tdp_w"]),
                interconnect_gb_s=_number(row["interconnect_gb_s"]),
                source_url=row["source_url"],
                source_date=row["source_date"],
                source_reference=f"{source.name} line {line}: {row['gpu']}",
            )
    return accelerators


def find_accelerator(name: str, accelerators: dict[str, Accelerator]) -> Accelerator:
    """The accelerator a name means, through the alias table; unknown names fail loudly."""
    key = name_key(name)
    for canonical, aliases in ALIASES.items():
        if canonical in accelerators and key in {name_key(a) for a in (canonical, *aliases)}:
            return accelerators[canonical]
    for canonical, accelerator in accelerators.items():
        if key == name_key(canonical):
            return accelerator
    raise KeyError(f"unknown accelerator {name!r}; add it to hardware.ALIASES or gpus.csv")
