"""Views of the catalog pages."""
