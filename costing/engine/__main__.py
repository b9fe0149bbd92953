"""Command line: ``python -m costing.engine evaluate scenario.json [--json out.json]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from costing.engine.evaluate import OptionResult, ScenarioResult, evaluate
from costing.engine.scenario import ScenarioInvalid, load_scenario

EXIT_INVALID = 2


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
        per_token = outcome.figure("cost per 1M tokens")
        per_hour = outcome.figure("cost per GPU-hour")
        use = outcome.figure("fleet utilisation")
        lines.append(
            f"{name:<17}{_money(float(outcome.total.mean()), cur):>18}"
            f"{_money(float(outcome.npv.mean()), cur):>18}"
            f"{f'{per_token.value:,.2f}' if per_token else '-':>15}"
            f"{f'{per_hour.value:,.2f}' if per_hour else '-':>14}"
            f"{f'{use.value:.0%}' if use else '-':>13}"
        )
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
        sized = f"{sizing['peak_gpus']:g} x {sizing['gpu']}, {sizing['binding_constraint']}"
        lines.append(f"{w.id[:23]:<24}{cost:<34}{sized if sizing else '-'}")
    missing = sum(
        1 for w in result.workloads for o in w.options.values() if not isinstance(o, OptionResult)
    )
    if missing:
        lines.append(f"({missing} workload-option pairs unavailable; see --json for reasons)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m costing.engine", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("evaluate", help="evaluate a scenario file")
    run.add_argument("scenario", type=Path, help="scenario JSON (see scenario.schema.json)")
    run.add_argument("--json", type=Path, dest="json_out", help="write the full result here")
    args = parser.parse_args(argv)
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
    if args.json_out:
        args.json_out.write_text(json.dumps(result.as_dict(), indent=1), encoding="utf-8")
        print(f"\nFull result written to {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
