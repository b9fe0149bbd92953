"""Web routes; every tenant page sits under ``/o/<org_slug>/``."""

urlpatterns: list = []
