"""API v1 routes; every tenant route sits under ``orgs/<org_slug>/``."""

app_name = "api"
urlpatterns: list = []
