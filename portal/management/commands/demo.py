"""Load the demo organization (Northlight Studios) and print how to log in."""

from django.conf import settings
from django.core.management.base import BaseCommand

from portal.models import Workload
from portal.services.demo import ANALYST_USERNAME, demo_organization_load

DEFAULT_USERNAME = "demo"
# A fixed, printed password: the demo runs on the embedded database on the user's own machine.
DEFAULT_PASSWORD = "northlight-demo"  # noqa: S105


class Command(BaseCommand):
    help = "Create the demo organization with its users and workloads (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=DEFAULT_USERNAME)
        parser.add_argument("--password", default=DEFAULT_PASSWORD)

    def handle(self, *args, username: str, password: str, **options):
        organization = demo_organization_load(username=username, password=password)
        workloads = Workload.objects.for_organization(organization).count()
        url = settings.SITE_URL.rstrip("/") + "/"
        self.stdout.write("")
        self.stdout.write(f"Demo organization: {organization.name} ({workloads} workloads)")
        self.stdout.write(f"Open:     {url}")
        self.stdout.write(f"Log in:   username {username}  password {password}  (owner)")
        self.stdout.write(f"          username {ANALYST_USERNAME}  password {password}  (analyst)")
        self.stdout.write("Then:     make run to serve the portal")
