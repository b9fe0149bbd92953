"""Assessments and their runs, sovereignty scoring, PDF reports and emails."""
