"""Fixtures of the assessments API tests: alice's and mallory's assessments with finished runs."""

from __future__ import annotations

import pytest

from tests.assessments.world import world_assessments

BASE = "/api/v1/orgs/alice-media"


@pytest.fixture
def world(org, other_org, analyst):
    """Alice's assessment with runs #1 and #2 (real results, PDF, one sent email), mallory's."""
    return world_assessments(org, other_org, user=analyst)
