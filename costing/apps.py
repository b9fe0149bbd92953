"""App config of costing."""

from django.apps import AppConfig


class CostingConfig(AppConfig):
    name = "costing"
