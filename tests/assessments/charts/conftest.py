"""The charts read the same run as the report tests, typed as a run's readers get it."""

from assessments.results import RunResults
from tests.assessments.reports.conftest import media_house_results, results  # noqa: F401


def section(stored: dict, name: str):
    """One section of the stored results, typed (charts draw typed results)."""
    return getattr(RunResults.load(stored), name)
