"""Page fixtures for the catalog tests: signed-in clients and the catalogs they use."""

from __future__ import annotations

import pytest

from tests.costing.catalog_data import world_catalogs
from tests.portal.web.conftest import _static_root, client_for  # noqa: F401


@pytest.fixture
def catalogs(org, other_org):
    return world_catalogs(org, other_org)
