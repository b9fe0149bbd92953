"""Command line: ``python -m costing.engine evaluate scenario.json [--json out.json]``, and
``python -m costing.engine schema`` for the JSON Schema with every number's range."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from costing.engine.evaluate import evaluate
from costing.engine.results import OptionResult, ScenarioResult
from costing.engine.scenario import SCHEMA, ScenarioInvalid, load_scenario
from costing.engine.uncertainty import MonteCarloResult, Tornado, monte_carlo, tornado

EXIT_INVALID = 2
TORNADO_BARS = 6


def _money(value: float, currency: str) -> str:
    return f"{value:,.0f} {currency}"


def summary(result: ScenarioResult) -> str:
    """A readable summary: each option's total, NPV and unit costs, then breakevens."""
    cur = result.currency
    lines = [
        f"Scenario: {result.name}",
        f"Horizon: {result.horizon_months} months; amounts in {cur}; NPV of end-of-month "
        "flows, purchases at the start undiscounted, at the scenario's effective annual rate",
        "",
        f"{'option':<17}{'total':>18}{'NPV':>18}{'per 1M tokens':>15}{'per GPU-hour':>14}"
        f"{'utilisation':>13}",
    ]
    for name, outcome in result.portfolio.items():
        if not isinstance(outcome, OptionResult):
            continue
        per_token = outcome.unit_costs.get("per_million_tokens")
        per_hour = outcome.unit_costs.get("per_gpu_hour")
        use = outcome.unit_costs.get("utilisation")
        lines.append(
            f"{name:<17}{_money(float(outcome.total.mean()), cur):>18}"
            f"{_money(float(outcome.npv.mean()), cur):>18}"
            f"{f'{per_token:,.2f}' if per_token is not None else '-':>15}"
            f"{f'{per_hour:,.2f}' if per_hour is not None else '-':>14}"
            f"{f'{use:.0%}' if use is not None else '-':>13}"
        )
    kept = [o for o in result.portfolio.values() if getattr(o, "fallbacks", ())]
    if kept:
        lines += ["", "Workloads an option cannot take, costed on their cheapest other option:"]
        for o in kept:
            moved = ", ".join(f"{f['workload']} -> {f['option']}" for f in o.fallbacks)
            lines.append(f"  {o.option}: {moved}")
    unavailable = [o for o in result.portfolio.values() if not isinstance(o, OptionResult)]
    if unavailable:
        lines += ["", "Unavailable:"]
        lines += [f"  {o.option}: missing {o.missing}: {o.reason}" for o in unavailable]
    if result.breakevens:
        lines += ["", "Breakeven (month from which the cheaper option stays cheaper):"]
        for row in result.breakevens:
            a, b = row["options"]
            dear = b if row["cheaper_at_horizon"] == a else a
            month = row["breakeven_month"]
            when = "never" if month is None else f"month {month:.1f}"
            when = "cheaper from the start" if month == 0 else when
            lines.append(f"  {row['cheaper_at_horizon']} vs {dear}: {when}")
    lines += ["", f"Cheapest by NPV: {result.cheapest or 'none available'}", ""]
    lines.append(f"{'workload':<24}{'cheapest (NPV)':<34}{'GPUs at peak, binding constraint'}")
    for w in result.workloads:
        priced = {k: v for k, v in w.options.items() if isinstance(v, OptionResult)}
        best = min(priced, key=lambda k: float(priced[k].npv.mean()), default=None)
        cost = f"{best} {_money(float(priced[best].npv.mean()), cur)}" if best else "none"
        sizing = w.sizing.get(best) or next(iter(w.sizing.values()), None)
        sized = (
            f"{sizing['peak_gpus']:g} x {sizing['gpu']}, {sizing['binding_constraint']}"
            if sizing
            else "- (API only)"
        )
        lines.append(f"{w.id[:23]:<24}{cost:<34}{sized}")
    missing = sum(
        1 for w in result.workloads for o in w.options.values() if not isinstance(o, OptionResult)
    )
    if missing:
        lines.append(f"({missing} workload-option pairs unavailable; see --json for reasons)")
    return "\n".join(lines)


def uncertainty_summary(mc: MonteCarloResult, lead: Tornado | None) -> str:
    """P10/P50/P90 of each option's NPV and total, the chance it is cheapest, then the tornado."""
    # Printed only for scenarios with ranges; --samples and --seed override the scenario's.
    cur = mc.currency
    ranges = ", ".join(f"{k} {r.low:g}/{r.likely:g}/{r.high:g}" for k, r in mc.inputs.items())
    lines = [
        f"Monte Carlo: {mc.samples} samples, seed {mc.seed}, PERT over low/likely/high: {ranges}",
        *([f"  fixed: {', '.join(mc.fixed)}"] if mc.fixed else []),
        "",
        f"{'option':<17}{'NPV P10':>14}{'P50':>14}{'P90':>14}{'total P50':>15}{'P(cheapest)':>13}",
    ]
    for name, row in sorted(mc.options.items(), key=lambda item: item[1].npv.p50):
        lines.append(
            f"{name:<17}{_money(row.npv.p10, cur):>14}{_money(row.npv.p50, cur):>14}"
            f"{_money(row.npv.p90, cur):>14}{_money(row.total.p50, cur):>15}"
            f"{row.probability_cheapest:>13.1%}"
        )
    if lead is not None:
        lines += [
            "",
            f"Tornado: NPV({lead.second}) - NPV({lead.first}) = "
            f"{_money(lead.baseline_difference, cur)} at likely inputs; one input at a time:",
            f"  {'input':<30}{'low / high':>14}{'at low':>16}{'at high':>16}",
        ]
        for bar in lead.bars[:TORNADO_BARS]:
            lines.append(
                f"  {bar.input:<30}{f'{bar.low:g} / {bar.high:g}':>14}"
                f"{_money(bar.difference_at_low, cur):>16}{_money(bar.difference_at_high, cur):>16}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m costing.engine", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("evaluate", help="evaluate a scenario file")
    run.add_argument("scenario", type=Path, help="scenario JSON (see the schema command)")
    run.add_argument("--json", type=Path, dest="json_out", help="write the full result here")
    run.add_argument("--samples", type=int, help="Monte Carlo samples (default: the scenario's)")
    run.add_argument("--seed", type=int, help="Monte Carlo seed (default: the scenario's)")
    commands.add_parser("schema", help="print the JSON Schema of scenarios, with every range")
    args = parser.parse_args(argv)
    if args.command == "schema":
        print(json.dumps(SCHEMA, indent=2))
        return 0
    if args.samples is not None and args.samples < 1:
        parser.error("--samples must be at least 1")
    try:
        document = json.loads(args.scenario.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        print(f"$: cannot read {args.scenario}: {error}", file=sys.stderr)
        return EXIT_INVALID
    try:
        scenario = load_scenario(document)
    except ScenarioInvalid as invalid:
        print(f"{args.scenario}: invalid scenario", file=sys.stderr)
        for path, message in invalid.errors:
            print(f"  {path}: {message}", file=sys.stderr)
        return EXIT_INVALID
    result = evaluate(scenario)
    print(summary(result))
    output = result.as_dict()
    if scenario.uncertainty.inputs:
        mc = monte_carlo(scenario, samples=args.samples, seed=args.seed)
        lead = tornado(scenario)
        print("\n" + uncertainty_summary(mc, lead))
        output["monte_carlo"] = {**mc.as_dict(), "notes": scenario.uncertainty.notes}
        output["tornado"] = lead.as_dict() if lead else None
    if args.json_out:
        args.json_out.write_text(json.dumps(output, indent=1), encoding="utf-8")
        print(f"\nFull result written to {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
