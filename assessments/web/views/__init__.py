"""Views of the assessment pages, one module per subject."""
