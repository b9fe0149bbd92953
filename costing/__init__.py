"""Vendor price catalogs and the pure TCO engine (costing/engine)."""
