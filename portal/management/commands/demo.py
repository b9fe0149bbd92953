"""Load the demo organization (Northlight Studios) and print how to log in."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.models import Workload
from portal.services.demo import ANALYST_USERNAME, demo_organization_load
from portal.services.workloads import WorkloadRowsInvalid

DEFAULT_USERNAME = "demo"
# A fixed, printed password: the demo runs on the embedded database on the user's own machine.
DEFAULT_PASSWORD = "northlight-demo"  # noqa: S105


class Command(BaseCommand):
    help = "Create the demo organization with its users and workloads (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=DEFAULT_USERNAME)
        parser.add_argument("--password", default=DEFAULT_PASSWORD)

    def handle(self, *args, username: str, password: str, **options):
        try:
            organization = demo_organization_load(username=username, password=password)
        except WorkloadRowsInvalid as invalid:
            problems = "; ".join(f"row {e.row}, {e.field}: {e.message}" for e in invalid.errors[:3])
            raise CommandError(
                f"The demo workloads were not loaded ({problems}). Their GPU work names public "
                "accelerators: run `python manage.py load_public_catalog` first."
            ) from None
        workloads = Workload.objects.for_organization(organization).count()
        url = settings.SITE_URL.rstrip("/") + "/"
        self.stdout.write("")
        self.stdout.write(f"Demo organization: {organization.name} ({workloads} workloads)")
        self.stdout.write(f"Open:     {url}")
        self.stdout.write(f"Log in:   username {username}  password {password}  (owner)")
        self.stdout.write(f"          username {ANALYST_USERNAME}  password {password}  (analyst)")
        self.stdout.write("Then:     make run to serve the portal")
