"""The assessment pages: assessments, runs and their results, and the organization's dashboard."""
