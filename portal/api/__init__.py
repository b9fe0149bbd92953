"""REST API v1 of the tenancy core and inventory."""
