"""Time the exact portfolio placement on 1,000 workloads x 6 options generated from the engine.

Prints seconds to the proven optimum (median of 3), the model's size, the optimal and the
workload-by-workload costs and the saving, both as the solver counts them and re-costed by the
engine itself, and the time the workload-by-workload baseline takes in the same run.
Usage (from the repository root, no database needed): python -m benchmarks.placement [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from assessments.placement.costs import baseline_choice, placement_cost
from assessments.placement.from_engine import placement_cost_by_engine, placement_problem
from assessments.placement.solve import solve_placement
from benchmarks.engine import portfolio_document
from costing.engine.scenario import load_scenario

WORKLOADS = 1_000
RUNS = 3
TARGET_SECONDS = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="200 workloads")
    args = parser.parse_args(argv)
    workloads = 200 if args.quick else WORKLOADS
    scenario = load_scenario(portfolio_document(workloads))
    start = time.perf_counter()
    problem = placement_problem(scenario)
    build = time.perf_counter() - start
    results = [solve_placement(problem) for _ in range(RUNS)]
    seconds = statistics.median(r.solve_seconds for r in results)
    result = results[0]
    start = time.perf_counter()
    for _ in range(RUNS):
        placement_cost(problem, baseline_choice(problem))
    greedy = (time.perf_counter() - start) / RUNS
    engine_optimum = placement_cost_by_engine(scenario, result.assignment)
    engine_baseline = placement_cost_by_engine(scenario, result.baseline_assignment)
    money = scenario.reporting_currency
    print(
        f"Portfolio placement: {workloads:,} workloads x {len(problem.options)} options, "
        f"{problem.periods} checkpoint(s) for whole servers over {scenario.horizon_months} months"
    )
    print(f"  coefficients from the engine: {build:.2f} s")
    print(f"  model: {result.variables:,} variables, {result.rows:,} rows")
    print(
        f"  seconds to the proven optimum (median of {RUNS}): {seconds:.2f} "
        f"(target < {TARGET_SECONDS:g}); status {result.status}, MIP gap {result.mip_gap:.1e}"
    )
    print(f"  optimal cost: {result.cost:,.0f} {money} NPV")
    print(f"  workload by workload: {result.baseline_cost:,.0f} {money} NPV")
    print(
        f"  saving: {result.saving:,.0f} {money} "
        f"({result.saving / result.baseline_cost:.2%} of the workload-by-workload cost)"
    )
    saving = engine_baseline - engine_optimum
    print(
        f"  re-costed by the engine: optimum {engine_optimum:,.0f}, workload by workload "
        f"{engine_baseline:,.0f}, saving {saving:,.0f} {money} ({saving / engine_baseline:.2%}); "
        f"model vs engine on the optimum {(result.cost - engine_optimum) / engine_optimum:+.2%}"
    )
    placed = ", ".join(f"{k} {v['workloads']}" for k, v in result.by_option.items())
    print(f"  placed: {placed}")
    for fleet in result.fleets:
        print(
            f"  fleet: {fleet.option} {fleet.servers} x {fleet.gpu} servers, {fleet.power_kw:,.0f} kW"
        )
    print(
        f"  workload-by-workload baseline: {greedy * 1000:.1f} ms "
        f"(the exact optimum takes {seconds / greedy:,.0f}x as long)"
    )
    return 0 if result.status == "optimal" and seconds < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
