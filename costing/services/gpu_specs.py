"""Which GPU spec an offer's GPU name ('H100 SXM 80GB', 'A100-80GB') means.

The engine's resolver (``hardware.Accelerators``) is the one rule for every name, in catalogs,
inventories and scenarios alike; this maps its answer back to the spec rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from costing.engine.hardware import Accelerator, Accelerators
from costing.models import GpuSpec


class SpecNames:
    """The specs of a catalog's owner, ready for many look-ups."""

    def __init__(self, specs: Iterable):
        self._specs = {spec.name: spec for spec in specs}
        self._table = Accelerators(
            Accelerator(
                name=spec.name,
                memory_gb=float(spec.memory_gb),
                memory_bandwidth_tb_s=float(spec.memory_bandwidth_tb_s or 0),
                vendor=spec.vendor,
                form_factor=spec.form_factor,
            )
            for spec in self._specs.values()
        )

    def resolve(self, name: str, *, context: str = "") -> tuple[object | None, str]:
        """The one spec ``name`` means (``context``: an instance or system name that may
        state the form factor), or None and why (unknown, ambiguous)."""
        found, why = self._table.resolve(name, context=context)
        return (self._specs[found.name] if found else None), why


def catalog_spec_names(catalog) -> SpecNames:
    """The accelerators a catalog's rows may name: the public ones, and for an organization's
    own catalog its own too (never another organization's)."""
    specs = (
        GpuSpec.objects.for_organization(catalog.organization)
        if catalog.organization_id
        else GpuSpec.objects.public()
    )
    return SpecNames(specs)


def link_gpu(row, specs: SpecNames) -> None:
    """Point an offer at the accelerator its GPU name means. A name that is unknown or
    ambiguous links nothing (the offer then prices no option rather than the wrong part), or
    keeps the accelerator a caller chose by hand."""
    if not getattr(row, "gpu_name", ""):
        return
    context = getattr(row, "instance", "") or getattr(row, "system", "")
    found, _ = specs.resolve(row.gpu_name, context=context)
    if found is not None:
        row.gpu = found


def gpu_class_check(organization):
    """A workload's GPU class must name one accelerator the organization has (public or its
    own), or the work could never be sized or priced: '' when it does, else why not."""
    names = SpecNames(GpuSpec.objects.for_organization(organization))

    def problem(name: str) -> str:
        found, why = names.resolve(name)
        if found is not None:
            return ""
        return (
            f"{name[:40]!r} is no accelerator this organization has ({why}): name one from "
            "the Accelerators page, such as 'H100 SXM' or 'L40S', or add yours there first."
        )

    return problem
