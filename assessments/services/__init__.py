"""Writes of the assessments app: assessments, runs and their pipeline, report emails, callbacks."""
