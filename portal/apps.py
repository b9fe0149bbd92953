"""App config of the tenancy core and inventory."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Sovra portal"
