"""Monte Carlo over the uncertain inputs, and one-at-a-time sensitivity (tornado) of the lead."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from costing.engine.cashflows import Array, Drivers
from costing.engine.evaluate import evaluate
from costing.engine.results import OptionResult
from costing.engine.scenario import Range, Scenario

# Each uncertain input is drawn from a PERT distribution: a Beta scaled to [low, high] with its
# mode at likely and lambda 4, so alpha = 1 + 4 (likely - low) / (high - low) and
# beta = 1 + 4 (high - likely) / (high - low), with mean (low + 4 likely + high) / 6.
# PERT rather than triangular because the ranges come from people and catalogues: low and high
# are the extremes seen (a street price, a tariff peak), not outcomes as plausible as the likely
# one. The triangular puts much more weight in a long tail (its mean moves a third of the way
# towards a far extreme); PERT keeps the mass near the likely value, moves its mean a sixth of
# the way, and has a smooth density with no corner at the mode.
# Every sample goes through one vectorized ``evaluate``: drivers are arrays of shape (samples,)
# and the cash flows carry a samples axis, so no Python loop runs per sample.
PERT_LAMBDA = 4.0
# Field order of Drivers: each input has its own random stream, spawned by this index.
INPUTS = tuple(f.name for f in fields(Drivers))
NEUTRAL = {f.name: float(f.default) for f in fields(Drivers)}  # 1.0, or 0.0 for the additive
PERCENTILES = (10, 50, 90)


def pert_sample(value: Range, size: int, rng: np.random.Generator) -> Array:
    """``size`` draws of a PERT(low, likely, high) with lambda 4; a collapsed range is constant."""
    width = value.high - value.low
    if width <= 0:
        return np.full(size, float(value.likely))
    alpha = 1 + PERT_LAMBDA * (value.likely - value.low) / width
    beta = 1 + PERT_LAMBDA * (value.high - value.likely) / width
    return value.low + width * rng.beta(alpha, beta, size)


def sample_drivers(inputs: dict[str, Range], samples: int, seed: int) -> Drivers:
    """Drivers of arrays drawn from the ranges; inputs with no range stay at their neutral value."""
    # One stream per input, spawned from the seed by the input's position: adding or narrowing
    # one range leaves the other inputs' draws unchanged, so two what-ifs with the same seed
    # compare on common random numbers.
    streams = np.random.SeedSequence(seed).spawn(len(INPUTS))
    drawn = {
        name: pert_sample(inputs[name], samples, np.random.default_rng(stream))
        for name, stream in zip(INPUTS, streams, strict=True)
        if name in inputs
    }
    return Drivers(**drawn)


@dataclass(frozen=True, slots=True)
class Spread:
    """P10, P50, P90 and mean of one figure over the samples."""

    p10: float
    p50: float
    p90: float
    mean: float

    @classmethod
    def of(cls, values: Array) -> Spread:
        p10, p50, p90 = np.percentile(values, PERCENTILES)
        return cls(float(p10), float(p50), float(p90), float(np.mean(values)))

    def as_dict(self) -> dict:
        return {"p10": self.p10, "p50": self.p50, "p90": self.p90, "mean": self.mean}


@dataclass(frozen=True, slots=True)
class OptionSpread:
    """One available option's total cost and NPV over the samples, and how often it wins."""

    option: str
    total: Spread
    npv: Spread
    probability_cheapest: float  # share of samples where its NPV is the lowest

    def as_dict(self) -> dict:
        return {
            "option": self.option,
            "total": self.total.as_dict(),
            "npv": self.npv.as_dict(),
            "probability_cheapest": self.probability_cheapest,
        }


@dataclass(frozen=True)
class MonteCarloResult:
    """Percentiles per option and the chance each is cheapest, with what it takes to rerun it."""

    currency: str
    samples: int
    seed: int
    inputs: dict[str, Range]  # the ranges sampled (PERT, lambda 4)
    fixed: dict[str, float]  # inputs with no range, held at this value
    options: dict[str, OptionSpread]  # available options only
    unavailable: dict[str, str]  # option -> why

    def as_dict(self) -> dict:
        return {
            "currency": self.currency,
            "samples": self.samples,
            "seed": self.seed,
            "distribution": f"PERT (Beta scaled to [low, high], mode at likely, lambda "
            f"{PERT_LAMBDA:g}); one seeded stream per input (numpy SeedSequence.spawn)",
            "inputs": {
                k: {"low": r.low, "likely": r.likely, "high": r.high}
                for k, r in self.inputs.items()
            },
            "fixed": self.fixed,
            "percentiles": "P10/P50/P90: 10%, 50%, 90% of samples cost no more (linear "
            "interpolation between samples)",
            "options": {k: v.as_dict() for k, v in self.options.items()},
            "unavailable": self.unavailable,
        }


def _probability_cheapest(npvs: dict[str, Array]) -> dict[str, float]:
    names = list(npvs)
    if not names:
        return {}
    # Ties go to the first option listed, so the shares always sum to one.
    winner = np.argmin(np.stack([npvs[k] for k in names]), axis=0)
    counts = np.bincount(winner, minlength=len(names))
    return {name: float(counts[i] / winner.size) for i, name in enumerate(names)}


def _sampled(scenario: Scenario, samples: int, seed: int) -> tuple[dict[str, Range], Drivers]:
    """The ranges sampled and the drivers drawn from them, one row per sample."""
    inputs = {k: scenario.uncertainty.inputs[k] for k in INPUTS if k in scenario.uncertainty.inputs}
    drivers = sample_drivers(inputs, samples, seed)
    if drivers.samples != samples:  # every input fixed: still one row per sample
        drivers = replace(drivers, demand=np.full(samples, NEUTRAL["demand"]))
    return inputs, drivers


def monte_carlo(
    scenario: Scenario, *, samples: int | None = None, seed: int | None = None
) -> MonteCarloResult:
    """Sample the scenario's uncertain inputs and evaluate every sample in one vectorized run."""
    samples = scenario.uncertainty.samples if samples is None else samples
    seed = scenario.uncertainty.seed if seed is None else seed
    inputs, drivers = _sampled(scenario, samples, seed)
    result = evaluate(scenario, drivers, per_workload=False)
    available = result.available()
    return sampled_result(
        result.currency, samples, seed, inputs,
        totals={k: v.total for k, v in available.items()},
        npvs={k: v.npv for k, v in available.items()},
        unavailable={
            k: v.reason for k, v in result.portfolio.items() if not isinstance(v, OptionResult)
        },
    )  # fmt: skip


def sampled_result(
    currency: str,
    samples: int,
    seed: int,
    inputs: dict,
    *,
    totals: dict[str, Array],
    npvs: dict[str, Array],
    unavailable: dict[str, str],
) -> MonteCarloResult:
    """The Monte Carlo's result from each option's sampled totals and NPVs (whole, or merged
    from chunks): spreads, and how often each option is the cheapest."""
    shares = _probability_cheapest(npvs)
    return MonteCarloResult(
        currency=currency,
        samples=samples,
        seed=seed,
        inputs=inputs,
        fixed={k: NEUTRAL[k] for k in INPUTS if k not in inputs},
        options={
            k: OptionSpread(k, Spread.of(totals[k]), Spread.of(npvs[k]), shares[k]) for k in npvs
        },
        unavailable=unavailable,
    )


def placement_spread(
    scenario: Scenario,
    parts: dict[str, tuple[float, frozenset[str]]],
    *,
    samples: int,
    seed: int,
) -> Spread | None:
    """The NPV spread of a placement: ``parts`` maps each option used to its likely NPV in the
    placement and the workloads it carries.

    Each part moves, sample by sample, as the engine's NPV of that option for those workloads
    moves under the same draws as the Monte Carlo (same seed, so the same samples); the parts add
    up within each sample, so an input every option shares (demand, say) stays correlated. A
    part the engine cannot price alone keeps its likely value. None without samples."""
    if samples <= 0 or not parts:
        return None
    _, drivers = _sampled(scenario, samples, seed)
    total = np.zeros(samples)
    for option, (likely_npv, ids) in parts.items():
        carried = tuple(w for w in scenario.workloads if w.id in ids)
        alone = replace(scenario, workloads=carried, options=(option,))
        likely = evaluate(alone, per_workload=False).portfolio.get(option)
        sampled = evaluate(alone, drivers, per_workload=False).portfolio.get(option)
        if isinstance(likely, OptionResult) and isinstance(sampled, OptionResult) and likely.npv:
            total += likely_npv * np.asarray(sampled.npv) / float(np.asarray(likely.npv).item())
        else:
            total += likely_npv
    return Spread.of(total)


@dataclass(frozen=True, slots=True)
class TornadoBar:
    """The lead's NPV difference with one input at its low and at its high, the rest likely."""

    input: str
    low: float
    high: float
    difference_at_low: float
    difference_at_high: float

    @property
    def swing(self) -> float:
        return abs(self.difference_at_high - self.difference_at_low)

    def as_dict(self) -> dict:
        return {
            "input": self.input,
            "low": self.low,
            "high": self.high,
            "difference_at_low": self.difference_at_low,
            "difference_at_high": self.difference_at_high,
            "swing": self.swing,
        }


@dataclass(frozen=True)
class Tornado:
    """One-at-a-time sensitivity of NPV(second) - NPV(first), the two leaders at likely inputs."""

    currency: str
    first: str  # cheapest by NPV at likely inputs
    second: str
    baseline_difference: float  # NPV(second) - NPV(first), every input at likely
    bars: tuple[TornadoBar, ...]  # largest swing first

    def as_dict(self) -> dict:
        return {
            "currency": self.currency,
            "first": self.first,
            "second": self.second,
            "difference": f"NPV({self.second}) - NPV({self.first}); positive while "
            f"{self.first} stays cheaper",
            "baseline_difference": self.baseline_difference,
            "bars": [bar.as_dict() for bar in self.bars],
        }


def tornado(scenario: Scenario) -> Tornado | None:
    """The cheapest option's lead over the next, one input at a time; None if nothing to rank."""
    # One vectorized run: row 0 holds every input at likely; rows 2i+1 and 2i+2 move input i to
    # its low and its high.
    inputs = {k: scenario.uncertainty.inputs[k] for k in INPUTS if k in scenario.uncertainty.inputs}
    if not inputs:
        return None
    rows = 1 + 2 * len(inputs)
    columns = {}
    for name in inputs:
        columns[name] = np.full(rows, inputs[name].likely)
    for i, (name, value) in enumerate(inputs.items()):
        columns[name][2 * i + 1] = value.low
        columns[name][2 * i + 2] = value.high
    result = evaluate(scenario, Drivers(**columns), per_workload=False)
    available = result.available()
    if len(available) < 2:
        return None
    first, second = sorted(available, key=lambda k: float(available[k].npv[0]))[:2]
    difference = available[second].npv - available[first].npv
    bars = [
        TornadoBar(
            name, value.low, value.high, float(difference[2 * i + 1]), float(difference[2 * i + 2])
        )
        for i, (name, value) in enumerate(inputs.items())
    ]
    bars.sort(key=lambda bar: -bar.swing)
    return Tornado(result.currency, first, second, float(difference[0]), tuple(bars))
