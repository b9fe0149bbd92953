"""App config of assessments."""

from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
