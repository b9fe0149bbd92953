"""Risks a run's summary names beyond the ranking: fleets that would stand idle, likely cases
outside their own spread, serving loads too small for a replica of their own."""

from __future__ import annotations

from assessments.reports.formatting import OPTION_LABELS, money
from costing.engine.finance import HOURS_PER_MONTH


def money_text(value: float, currency: str) -> str:
    """An amount as every page writes it: ``523,923 EUR``."""
    return money(value, currency)


# A serving workload whose peak fills less than this share of one replica is named: a replica
# of its own is mostly idle, and an API or capacity shared with other workloads serves it better.
SMALL_SERVING_SHARE = 0.1


def small_serving_loads(engine: dict, recommendations: dict) -> list[str]:
    """One sentence naming the serving workloads whose peak is a small fraction of a replica
    on the option recommended for them (or their cheapest sized option)."""
    small = []
    for workload in engine.get("workloads") or []:
        sizing = workload.get("sizing") or {}
        row = sizing.get(recommendations.get(workload["id"]) or "") or next(
            iter(sizing.values()), {}
        )
        share = row.get("peak_replica_share") or 0.0
        if 0 < share < SMALL_SERVING_SHARE:
            small.append(f"{workload['id']} {share:.1%}")
    if not small:
        return []
    return [
        f"{len(small)} serving workload{'s' if len(small) != 1 else ''} fill"
        f"{'s' if len(small) == 1 else ''} under {SMALL_SERVING_SHARE:.0%} of one replica at "
        f"the peak ({', '.join(small[:6])}{', ...' if len(small) > 6 else ''}): a replica of "
        "its own is mostly idle; an API or a fleet shared with other workloads serves such a "
        "load for less"
    ]


def likely_outside_spread(priced: dict, mc: dict, currency: str) -> list[str]:
    """One sentence naming the options whose likely-case NPV lies outside their own P10-P90,
    with each median: the ranges are one-sided there (the cheapest offer priced is also the
    low end of its range), and the median says more about what to expect."""
    found = []
    for option, row in priced.items():
        spread = ((mc.get("options") or {}).get(option) or {}).get("npv") or {}
        low, high, median = spread.get("p10"), spread.get("p90"), spread.get("p50")
        if low is None or high is None or median is None or low <= row["npv"] <= high:
            continue
        side = "below its P10" if row["npv"] < low else "above its P90"
        found.append(
            f"{OPTION_LABELS.get(option, option)} {money_text(row['npv'], currency)} ({side}; "
            f"median {money_text(median, currency)})"
        )
    if not found:
        return []
    return [
        "Likely-case NPVs outside their own P10-P90, as ranges that start at the cheapest "
        "offer make them: " + "; ".join(found)
    ]


# An owned fleet busy less than this share of its GPU-hours is named in the risks: the idle
# capacity is paid for, and a smaller server or renting may then change the answer.
LOW_UTILISATION = 0.3


def idle_fleets(engine: dict, placement: dict) -> list[str]:
    """A sentence for each owned fleet of the placement that would stand mostly idle."""
    assignment = placement.get("assignment") or {}
    sizing = {w["id"]: w.get("sizing") or {} for w in engine.get("workloads") or []}
    found = []
    for fleet in placement.get("fleets") or []:
        option, gpu, gpus = fleet["option"], fleet["gpu"], fleet["gpus"]
        busy = sum(
            (sizing[w].get(option) or {}).get("gpu_hours_per_month") or 0.0
            for w, chosen in assignment.items()
            if chosen == option and (sizing.get(w, {}).get(option) or {}).get("gpu") == gpu
        )
        use = busy / (gpus * HOURS_PER_MONTH) if gpus else 0.0
        if use < LOW_UTILISATION:
            servers = fleet["servers"]
            found.append(
                f"The {OPTION_LABELS.get(option, option)} {gpu} fleet ({servers} server"
                f"{'s' if servers != 1 else ''}, {gpus} GPUs) would be busy {use:.0%} of its "
                "GPU-hours at today's demand: its idle capacity is paid for, and a smaller "
                "server or renting may change the answer"
            )
    return found
