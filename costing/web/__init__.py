"""The price catalogs' pages, under ``/o/<org_slug>/catalogs/``."""
