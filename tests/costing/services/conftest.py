"""Fixtures for the costing services' tests: the portal's role clients."""

from tests.portal.api.conftest import _static_root, client_as, users  # noqa: F401
