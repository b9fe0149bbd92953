"""Load or refresh the public model specs shipped with Sovra."""

from django.core.management.base import BaseCommand

from portal.services.model_specs import model_specs_seed_public


class Command(BaseCommand):
    help = "Create or refresh the public model specs (architectures and closed API models)."

    def handle(self, *args, **options):
        created, updated = model_specs_seed_public()
        self.stdout.write(f"Public model specs: {created} created, {updated} refreshed.")
