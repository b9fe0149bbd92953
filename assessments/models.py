"""Assessments and their immutable runs (filled in with the assessment pipeline)."""
