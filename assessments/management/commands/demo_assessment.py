"""Assess the demo organization, write the report's PDF and print where it is."""

import textwrap
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from assessments.answer import answer_lines
from assessments.results import load_section
from assessments.services.demo import demo_assessment_run
from portal.models import Organization
from portal.services.demo import DEMO_SLUG


class Command(BaseCommand):
    help = "Run the demo organization's assessment and write its PDF report (run `demo` first)."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "var" / "reports"))

    def handle(self, *args, out: str, **options):
        organization = Organization.objects.filter(slug=DEMO_SLUG).first()
        if organization is None:
            raise CommandError("No demo organization: run `manage.py demo` first.")
        run, path = demo_assessment_run(organization=organization, out_dir=Path(out))
        seconds = run.duration_seconds or 0.0
        summary = load_section(run.results, "summary")
        self.stdout.write(f"Assessment: {run.assessment.name} (run #{run.number}, {seconds:.1f} s)")
        for line in answer_lines(summary.answer if summary else None):
            for wrapped in textwrap.wrap(
                line, 88, subsequent_indent="  " if line[:2] == "- " else ""
            ):
                self.stdout.write(f"            {wrapped}")
        self.stdout.write(f"PDF report: {path.resolve()}")
        kwargs = {"org_slug": organization.slug, "pk": run.pk}
        self.stdout.write(
            f"Results:    {settings.SITE_URL.rstrip('/')}{reverse('run-detail', kwargs=kwargs)}"
        )
