"""Template tags and filters of the assessments app."""
