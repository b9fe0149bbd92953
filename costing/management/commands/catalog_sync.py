"""Import a public price feed into a new draft catalog version with its diff (never published)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from costing.feeds import SOURCES, FeedError
from costing.models import Catalog
from costing.services.catalog_io import CatalogImportError
from costing.services.feed_fetch import feed_fetch, feed_read_file
from costing.services.feed_sync import feed_rates_sync, feed_sync

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Read a price feed (file or https URL) into a new draft of the public catalog, or of "
        "the catalog given, and print its diff; staff review and publish the draft."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, choices=SOURCES)
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--file", type=Path, help="A feed file on this machine.")
        where.add_argument("--url", help="An https:// address to fetch the feed from.")
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            help="Date the prices are taken as of (YYYY-MM-DD); default today. A file that "
            "states its own date (gcp-pricing) is dated by it.",
        )
        parser.add_argument(
            "--catalog",
            type=int,
            default=None,
            help="Id of the catalog version to build on (an organization's own catalog); "
            "default the latest published public catalog.",
        )

    def handle(self, *args, source, file, url, as_of, catalog, **options):
        try:
            data = feed_fetch(url=url) if url else feed_read_file(path=file)
            name = url or file.name
            if source == "ecb":
                report = feed_rates_sync(data=data, file_name=name, file_url=url or "")
                self.stdout.write(
                    f"ECB rates stored: {report.count} ({report.currencies} currencies, "
                    f"{report.first} to {report.last})."
                )
                return
            base = None
            if catalog is not None:
                base = Catalog.dangerously_unscoped.filter(pk=catalog).first()
                if base is None:
                    raise CommandError(f"No catalog with id {catalog}.")
            result = feed_sync(
                source=source,
                data=data,
                as_of=as_of,
                organization=base.organization if base else None,
                catalog=base,
                file_name=name,
                file_url=url or "",
            )
        except CatalogImportError as exc:
            for message in exc.messages[:SHOWN]:
                self.stderr.write(message)
            raise CommandError(f"Nothing imported: {len(exc.errors)} row error(s).") from exc
        except (FeedError, OSError) as exc:
            raise CommandError(f"Nothing imported: {exc}") from exc
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self._report(result)

    def _report(self, result) -> None:
        draft, diff = result.catalog, result.diff
        counts = diff["counts"]
        self.stdout.write(
            f"Draft {draft.name} {draft.version} (id {draft.pk}) from {result.source}."
        )
        for key, value in counts.items():
            self.stdout.write(f"  {key:<16} {value}")
        share = result.changed_share * 100
        flag = " FLAGGED: publishing needs a confirmation" if result.flagged else ""
        self.stdout.write(f"  prices changed: {share:.1f}% of the feed's previous prices{flag}")
        for change in diff["changed"][:SHOWN]:
            self.stdout.write(
                f"  changed {change['label']} {change['field']}: {change['old']} -> "
                f"{change['new']} ({change['pct'] or '-'}%)"
            )
        for provider in diff["providers_review"]:
            state = "created" if provider["created"] else "known"
            self.stdout.write(
                f"  review provider {provider['name']} ({state}): headquarters "
                f"{provider['headquarters_country']}, CLOUD Act {provider['us_cloud_act_exposure']}"
            )
        for refusal in diff["refused"][:SHOWN]:
            self.stdout.write(
                f"  refused {refusal['record']} {refusal['field']}: {refusal['reason']}"
            )
        if len(diff["refused"]) > SHOWN:
            self.stdout.write(f"  ... {len(diff['refused']) - SHOWN} more refused (see the draft)")
        self.stdout.write("Review the draft's page, then publish it.")
