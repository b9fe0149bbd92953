"""Evaluate an organization's portfolio on live catalog data and print the engine's summary."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from costing.engine.__main__ import summary, uncertainty_summary
from costing.engine.evaluate import evaluate
from costing.engine.scenario import ScenarioInvalid, load_scenario
from costing.engine.uncertainty import monte_carlo, tornado
from costing.scenarios import scenario_build
from portal.models import Organization


class Command(BaseCommand):
    help = "Build an organization's scenario from the database, evaluate it and print a summary."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The organization's slug.")
        parser.add_argument("--json", type=Path, dest="json_out", help="Write the full result.")
        parser.add_argument("--samples", type=int, help="Monte Carlo samples (default 1000).")

    def handle(self, *args, slug: str, json_out: Path | None, samples: int | None, **options):
        if samples is not None and samples < 1:
            raise CommandError("--samples must be at least 1")
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization {slug!r}.")
        try:
            document, excluded = scenario_build(organization=organization)
            scenario = load_scenario(document)
        except ScenarioInvalid as invalid:
            for path, message in invalid.errors:
                self.stderr.write(f"  {path}: {message}")
            raise CommandError("The scenario built from the database is invalid.") from invalid
        except ValueError as error:
            raise CommandError(str(error)) from error
        result = evaluate(scenario)
        self.stdout.write(summary(result))
        for left in excluded:
            self.stdout.write(f"Left out: {left.id}: {left.reason} (to include it: {left.fix})")
        output = {"scenario": document, "result": result.as_dict()}
        if scenario.uncertainty.inputs:
            mc = monte_carlo(scenario, samples=samples)
            lead = tornado(scenario)
            self.stdout.write("\n" + uncertainty_summary(mc, lead))
            output["monte_carlo"] = {**mc.as_dict(), "notes": scenario.uncertainty.notes}
            output["tornado"] = lead.as_dict() if lead else None
        if json_out:
            json_out.write_text(json.dumps(output, indent=1), encoding="utf-8")
            self.stdout.write(f"\nFull result written to {json_out}")
