"""A large scenario evaluated in chunks (by several processes) and merged into exactly what one
evaluation gives: the workloads' results a slice at a time, the Monte Carlo some samples at a time.

Every chunk is plain JSON, so it can travel between processes or machines. A workload's results
are the same whichever chunk computes them (the shared fleets are sized on the whole portfolio
by each); only the index by which a figure names its source depends on what was written before
it, so the merge renumbers each chunk's sources into one list, in the order one evaluation would
have met them. Monte Carlo samples are drawn for the whole run from the seed, and each chunk
evaluates its rows of them: the merged arrays are the one evaluation's, sample for sample.
"""

from __future__ import annotations

import math
from dataclasses import fields, replace

import numpy as np
import orjson

from costing.engine.cashflows import Drivers
from costing.engine.evaluate import evaluate, likely_plans, workloads_part
from costing.engine.fallbacks import fallbacks_known
from costing.engine.figure_json import FigureWriter
from costing.engine.results import OptionResult
from costing.engine.scenario import Scenario
from costing.engine.sovereignty_price import option_npvs, rules_refuse, sovereignty_price
from costing.engine.uncertainty import (
    INPUTS,
    MonteCarloResult,
    _sampled,
    sampled_result,
)


def ranges(total: int, size: int) -> list[tuple[int, int]]:
    """(start, stop) of consecutive chunks of at most ``size`` covering ``range(total)``."""
    size = max(int(size), 1)
    return [(start, min(start + size, total)) for start in range(0, total, size)]


# --------------------------------------------------------------------------- the engine


def engine_workloads(scenario: Scenario, start: int, stop: int) -> dict:
    """The results of workloads ``start`` to ``stop`` (the engine's order), the sources their
    figures cite by index, and where each falls back in the portfolio totals of the options it
    cannot use (chosen at the likely drivers, workload by workload)."""
    workloads, fallbacks = workloads_part(scenario, start, stop)
    writer = FigureWriter()
    rows = [workload.as_dict(writer) for workload in workloads]
    part = {
        "workloads": rows,
        "sources": writer.sources(),
        "fallbacks": [[option, workload, other] for (option, workload), other in fallbacks.items()],
    }
    if rules_refuse(scenario):  # the same workloads priced as if no rule refused anything
        twin = _unrestricted(scenario)
        likely = Drivers.likely(twin.uncertainty)
        npvs, offers = option_npvs(twin, likely, likely_plans(twin, likely), (start, stop))
        part["unrestricted"] = {"npvs": npvs, "offers": offers}
    return part


# The unrestricted twin of the last scenarios, by object, so that a process sizes it once.
_TWINS: dict[int, tuple[Scenario, Scenario]] = {}


def _unrestricted(scenario: Scenario) -> Scenario:
    found = _TWINS.get(id(scenario))
    if found is not None and found[0] is scenario:
        return found[1]
    if len(_TWINS) >= 2:
        _TWINS.pop(next(iter(_TWINS)))
    twin = scenario.unrestricted()
    _TWINS[id(scenario)] = (scenario, twin)
    return twin


def engine_merged(scenario: Scenario, chunks: list[dict]) -> dict:
    """The whole engine result from its workload chunks, in order: the portfolio's totals are
    computed here, with the fallbacks the chunks chose."""
    fallbacks_known(
        scenario,
        {(option, workload): other for c in chunks for option, workload, other in c["fallbacks"]},
    )
    portfolio = evaluate(scenario, per_workload=False).as_dict()
    sources = list(portfolio["sources"])
    found = {_key(source): i for i, source in enumerate(sources)}
    workloads: list[dict] = []
    for chunk in chunks:
        numbers = []
        for source in chunk["sources"]:
            key = _key(source)
            if key not in found:
                found[key] = len(sources)
                sources.append(source)
            numbers.append(found[key])
        if numbers != list(range(len(numbers))):
            _renumber(chunk["workloads"], numbers)
        workloads.extend(chunk["workloads"])
    npvs = {
        w["id"]: {
            option: math.nan if outcome["npv"] is None else outcome["npv"]
            for option, outcome in w["options"].items()
            if "npv" in outcome
        }
        for w in workloads
    }
    if rules_refuse(scenario):
        free = {
            workload: {o: math.nan if v is None else v for o, v in row.items()}
            for c in chunks
            for workload, row in c["unrestricted"]["npvs"].items()
        }
        offers = {w: row for c in chunks for w, row in c["unrestricted"]["offers"].items()}
        price = sovereignty_price(scenario, npvs, free, offers)
    else:
        price = sovereignty_price(scenario, npvs, npvs, {})
    return {**portfolio, "workloads": workloads, "sovereignty_price": price.as_dict(),
            "sources": sources}  # fmt: skip


def _key(source: dict) -> bytes:
    return orjson.dumps(source, option=orjson.OPT_SORT_KEYS)


def _renumber(workloads: list[dict], numbers: list[int]) -> None:
    """Point every quantity's ``source`` at its index in the merged list (in place)."""
    stack: list = list(workloads)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            source = node.get("source")
            if type(source) is int and "unit" in node:
                node["source"] = numbers[source]
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))


# --------------------------------------------------------------------------- Monte Carlo


def _rows(drivers: Drivers, start: int, stop: int) -> Drivers:
    changed = {}
    for field in fields(Drivers):
        value = getattr(drivers, field.name)
        if isinstance(value, np.ndarray) and value.ndim:
            changed[field.name] = value[start:stop]
    return replace(drivers, **changed)


def monte_carlo_samples(scenario: Scenario, samples: int, seed: int, start: int, stop: int) -> dict:
    """Samples ``start`` to ``stop`` of the Monte Carlo: each available option's total and NPV
    per sample, and why the others are unavailable."""
    _, drivers = _sampled(scenario, samples, seed)
    result = evaluate(scenario, _rows(drivers, start, stop), per_workload=False)
    return {
        "options": {
            option: {"total": np.asarray(v.total).tolist(), "npv": np.asarray(v.npv).tolist()}
            for option, v in result.available().items()
        },
        "unavailable": {
            k: v.reason for k, v in result.portfolio.items() if not isinstance(v, OptionResult)
        },
    }


def monte_carlo_merged(
    scenario: Scenario, samples: int, seed: int, chunks: list[dict]
) -> MonteCarloResult:
    """The Monte Carlo of every sample from its chunks, in order (see ``monte_carlo``)."""
    inputs = {k: scenario.uncertainty.inputs[k] for k in INPUTS if k in scenario.uncertainty.inputs}
    options = [k for k in chunks[0]["options"] if all(k in c["options"] for c in chunks)]
    totals = {k: np.concatenate([c["options"][k]["total"] for c in chunks]) for k in options}
    npvs = {k: np.concatenate([c["options"][k]["npv"] for c in chunks]) for k in options}
    return sampled_result(
        scenario.reporting_currency, samples, seed, inputs,
        totals=totals, npvs=npvs, unavailable=chunks[0]["unavailable"],
    )  # fmt: skip
