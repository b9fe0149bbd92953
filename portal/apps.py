"""App config of the tenancy core and inventory."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Sovra portal"

    def ready(self) -> None:
        from portal import logs, signals  # noqa: F401 - connects the receivers
