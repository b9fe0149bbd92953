"""API fixtures for the catalog tests: the portal's role clients, and the catalogs they use."""

from __future__ import annotations

import pytest

from tests.costing.catalog_data import world_catalogs
from tests.portal.api.conftest import _static_root, client_as, users  # noqa: F401

BASE = "/api/v1/orgs/alice-media"
MALLORY = "/api/v1/orgs/mallory-bank"


@pytest.fixture
def catalogs(org, other_org):
    return world_catalogs(org, other_org)
