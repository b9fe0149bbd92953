"""App config of costing."""

from django.apps import AppConfig


class CostingConfig(AppConfig):
    name = "costing"

    def ready(self) -> None:
        # A model spec is refused where it is entered when the engine could not size it.
        from costing.scenario_workloads import sizing_problems
        from portal.models.modelspec import SIZING_CHECKS

        if sizing_problems not in SIZING_CHECKS:
            SIZING_CHECKS.append(sizing_problems)
