"""The REST API of assessments, their runs, reports, emails and comparisons."""
