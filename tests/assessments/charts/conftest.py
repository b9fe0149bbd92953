"""The charts read the same run as the report tests."""

from tests.assessments.reports.conftest import media_house_results, results  # noqa: F401
