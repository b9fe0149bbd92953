"""What evaluating a scenario gives: each option's cost, each workload's, the portfolio's, with
the method printed beside them so a reader can check the numbers by hand."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from costing.engine.cashflows import COMPONENTS, Array
from costing.engine.figure_json import FigureWriter
from costing.engine.figures import Figure
from costing.engine.offers import Unavailable
from costing.engine.sovereignty_price import SovereigntyPrice

ENGINE_VERSION = "1"

# How the numbers are made, printed with every result so a reader can check them by hand.
METHOD = {
    "shared_fleet": "owned fleets (on_prem, colocation, the owned base of hybrid) hold, per GPU "
    "type, the sum of the workloads' GPU needs (never fewer than the largest job's GPUs at "
    "once) packed into whole servers, rounded once; each workload carries the fleet's costs in "
    "proportion to the GPUs it holds in that month, idle hours included",
    "owned_need": "GPUs a workload holds in an owned fleet: serving, its warm replicas at the "
    "peak (serving peaks coincide); batch work (training, GPU-hours), GPU-hours / (730 h x "
    "owned utilisation target), as it runs flat and fills the hours serving leaves idle (with "
    "batch_peaks_coincide, max(peak GPUs, that))",
    "load_shape": "serving load sits at its peak for peak_hours_per_day and at an off-peak level "
    "(never below one warm replica) the rest of the day, matching the average GPU-hours; batch "
    "work (training, GPU-hours) runs for its GPU-hours only",
    "cloud_committed": "the off-peak level (average load for batch work) is committed in whole "
    "instances at the commitment term's rate, the last one only where the share of it the load "
    "fills exceeds committed / on-demand price; the rest is rented on demand. Workloads that "
    "grow alike on the same GPU type and prices pool one commitment in the portfolio",
    "hybrid": "the off-peak level is owned (shared fleet); the peak above it is rented on demand",
    "power": "server power = typical (or maximum when no typical is published) x (idle fraction + "
    "(1 - idle fraction) x utilisation); idle fraction default 0.3 because idle GPUs draw "
    "10-15% of their TDP while CPUs, memory, NICs and fans run on",
    "growth": "demand x (1 + growth)^((month - 1) / 12); prices x (1 + trend)^((month - 1) / 12)",
    "offers": "for each workload, the GPU type and offer with the lowest cost at today's prices "
    "among the offers its rules permit (sovereignty decides eligibility before cost chooses)",
    "network_storage": "split evenly between workloads; not charged to the managed API option",
    "staff": "charged per owned server; rented GPUs and APIs carry no operations staff",
    "fallback": "in the portfolio totals, a workload that cannot use an option (a closed model "
    "on owned or rented GPUs, speech through a token API, an offer its rules refuse) is costed "
    "on its cheapest other option (its share of that option's shared fleet where owned), named "
    "in the option's figures, so that every total covers every workload",
}


@dataclass(frozen=True)
class OptionResult:
    """One option's cost: monthly flows by component (sample mean), totals and NPV per sample."""

    option: str
    currency: str
    components: dict[str, Array]  # component -> (months + 1,): time 0, then each month's end
    total: Array  # (samples,) undiscounted, time 0 included
    npv: Array  # (samples,)
    figures: tuple[Figure, ...]  # total, NPV, unit costs, utilisation, component totals, prices
    # Portfolio only: workloads that cannot use the option and the rented option they keep.
    fallbacks: tuple[dict, ...] = ()
    # By stable key, each where it applies: per 1M tokens and per GPU-hour of work
    # in the currency, and the owned fleet's utilisation as a fraction.
    unit_costs: dict[str, float] = field(default_factory=dict)

    @property
    def monthly(self) -> Array:
        return np.sum(list(self.components.values()), axis=0)

    def figure(self, name: str) -> Figure | None:
        return next((f for f in self.figures if f.name == name), None)

    def as_dict(self, writer: FigureWriter | None = None) -> dict:
        writer = writer or FigureWriter()
        (figures,) = writer.scope([self.figures])
        return {
            "option": self.option,
            "currency": self.currency,
            "total": float(self.total.mean()),
            "npv": float(self.npv.mean()),
            "monthly_by_component": {k: v.round(2).tolist() for k, v in self.components.items()},
            "monthly_total": self.monthly.round(2).tolist(),
            "figures": figures,
            "fallbacks": list(self.fallbacks),
            "unit_costs": dict(self.unit_costs),
        }


Outcome = OptionResult | Unavailable


@dataclass(frozen=True)
class WorkloadResult:
    """A workload's sizing on the GPU type each option uses, and its cost under each option."""

    id: str
    name: str
    kind: str
    sizing: dict[str, dict]
    options: dict[str, Outcome]
    breakevens: tuple[dict, ...] = ()
    # option -> who is paid: [{"role", "name", "region"}] (servers, cloud providers, API providers)
    suppliers: dict[str, list[dict]] | None = None

    def as_dict(self, writer: FigureWriter | None = None) -> dict:
        writer = writer or FigureWriter()
        # Options on the same GPU type share one sizing: its working is written once, and the
        # figures of every GPU type's sizing as one scope (they share the model's figures).
        by_gpu = {row["gpu"]: row["figures"] for row in self.sizing.values()}
        sizing_figures = writer.scope(list(by_gpu.values()))
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "sizing": {
                option: {k: v for k, v in row.items() if k != "figures"}
                for option, row in self.sizing.items()
            },
            "sizing_figures": dict(zip(by_gpu, sizing_figures, strict=True)),
            "options": {k: _outcome_dict(v, writer) for k, v in self.options.items()},
            "breakevens": breakevens_as_dicts(self.breakevens, writer),
            "suppliers": self.suppliers or {},
        }


@dataclass(frozen=True)
class ScenarioResult:
    """Everything a scenario evaluates to, portfolio first, then each workload."""

    name: str
    currency: str
    horizon_months: int
    samples: int
    discounting: str
    portfolio: dict[str, Outcome]  # the totals cover every workload but ``left_out``
    workloads: tuple[WorkloadResult, ...]
    fleets: dict[str, list[dict]]
    breakevens: tuple[dict, ...]
    cheapest: str | None
    assumptions: dict
    sovereignty_price: SovereigntyPrice | None = None
    # Workloads that no option can take (every one refused or unpriced), with each reason.
    left_out: tuple[dict, ...] = ()

    def available(self) -> dict[str, OptionResult]:
        return {k: v for k, v in self.portfolio.items() if isinstance(v, OptionResult)}

    def as_dict(self) -> dict:
        writer = FigureWriter()
        written = {
            "name": self.name,
            "engine_version": ENGINE_VERSION,
            "currency": self.currency,
            "horizon_months": self.horizon_months,
            "samples": self.samples,
            "discounting": self.discounting,
            "cheapest_by_npv": self.cheapest,
            "left_out_of_totals": list(self.left_out),
            "portfolio": {k: _outcome_dict(v, writer) for k, v in self.portfolio.items()},
            "fleets": self.fleets,
            "breakevens": breakevens_as_dicts(self.breakevens, writer),
            "workloads": [w.as_dict(writer) for w in self.workloads],
            "components": COMPONENTS,
            "assumptions": self.assumptions,
            "method": METHOD,
            "sovereignty_price": (
                self.sovereignty_price.as_dict() if self.sovereignty_price else None
            ),
        }
        # Every quantity above names its source by its index in this list.
        written["sources"] = writer.sources()
        return written


def _outcome_dict(outcome: Outcome, writer: FigureWriter) -> dict:
    return outcome.as_dict(writer) if isinstance(outcome, OptionResult) else outcome.as_dict()


def breakevens_as_dicts(rows: tuple[dict, ...], writer: FigureWriter) -> list[dict]:
    """Breakeven rows with their month's figure (kept as a Figure until now) written out."""
    out = []
    for row in rows:
        figure = row.get("figure")
        if isinstance(figure, Figure):
            row = {**row, "figure": writer.scope([[figure]])[0][0]}
        out.append(row)
    return out
