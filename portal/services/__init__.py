"""Writes of the tenancy core and inventory (reads live in ``portal.selectors``)."""
