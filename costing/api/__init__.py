"""The price catalogs' REST API, under ``/api/v1/orgs/<org_slug>/``."""
