"""App config of assessments."""

from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"

    def ready(self):
        from assessments.sovereignty.loader import shipped_library
        from portal.models.organization import SEAL_DEFAULT_SOURCES

        def library_minimums():
            return shipped_library().seal_minimum_by_classification

        if not SEAL_DEFAULT_SOURCES:
            SEAL_DEFAULT_SOURCES.append(library_minimums)
