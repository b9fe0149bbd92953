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
        # A workload's GPU class is refused where it is entered when no accelerator matches.
        from costing.services.gpu_specs import gpu_class_check
        from portal.models.workload import GPU_CLASS_CHECKS

        if gpu_class_check not in GPU_CLASS_CHECKS:
            GPU_CLASS_CHECKS.append(gpu_class_check)
