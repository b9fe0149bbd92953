"""Assessments (the question an organization asks) and their immutable runs, reports and emails."""

from assessments.models.assessment import OPTION_CHOICES, Assessment, OfferLocations
from assessments.models.run import (
    AssessmentRun,
    FinishedRunError,
    ReportEmail,
    RunChunk,
    RunReport,
    RunSection,
    RunStatus,
    RunWorkloadResult,
)

__all__ = [
    "OPTION_CHOICES",
    "Assessment",
    "AssessmentRun",
    "FinishedRunError",
    "OfferLocations",
    "ReportEmail",
    "RunChunk",
    "RunReport",
    "RunSection",
    "RunStatus",
    "RunWorkloadResult",
]
