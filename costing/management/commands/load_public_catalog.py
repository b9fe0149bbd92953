"""Load the shipped reference prices into a published public catalog version (safe to rerun)."""

from django.core.management.base import BaseCommand, CommandError

from costing.services import CatalogLoadError, CatalogVersionConflict, public_catalog_load


class Command(BaseCommand):
    help = "Load costing/data/*.csv into a public catalog version and print counts per kind."

    def add_arguments(self, parser):
        parser.add_argument(
            "--catalog-version", default=None, help="Default: the data's date and digest."
        )

    def handle(self, *args, catalog_version: str | None, **options):
        try:
            report = public_catalog_load(version=catalog_version)
        except CatalogLoadError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"Nothing loaded: {len(exc.errors)} cell(s) could not be read."
            ) from exc
        except CatalogVersionConflict as exc:
            raise CommandError(str(exc)) from exc
        catalog = report.catalog
        state = "loaded" if report.created else "already loaded, nothing changed"
        self.stdout.write(f"Public catalog {catalog.name} {catalog.version}: {state}.")
        for kind, count in report.counts.items():
            self.stdout.write(f"  {kind:<20} {count}")
        for name in report.providers_added:
            self.stdout.write(f"  provider added without attributes: {name}")
        for row in report.unpriced:
            self.stdout.write(f"  missing price: {row}")
        missing = ", ".join(f"{name} {count}" for name, count in report.missing_prices.items())
        self.stdout.write(f"  empty price cells (stored as NULL, never 0): {missing}")
        for name, counts in report.feeds.items():
            parts = ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in counts.items())
            self.stdout.write(f"  shipped feed {name}: {parts}")
        for name in report.unresolved_gpus:
            self.stdout.write(f"  GPU name not linked to a spec: {name}")
