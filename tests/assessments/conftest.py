"""Fixtures of the assessment tests: the public catalog and the demo organization."""

from __future__ import annotations

import pytest

from costing.services import public_catalog_load
from portal.services.demo import demo_organization_load


@pytest.fixture
def demo(db):
    """Northlight Studios (12 workloads) with the public catalog loaded."""
    public_catalog_load()
    return demo_organization_load(username="claire", password="demo-pass-1234")
