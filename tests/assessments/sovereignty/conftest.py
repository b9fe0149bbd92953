"""Fixtures: the shipped criteria library and the real providers from costing/data/providers.csv."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessments.sovereignty.loader import load_library
from assessments.sovereignty.providers_csv import load_providers

PROVIDERS_CSV = Path(__file__).resolve().parents[3] / "costing" / "data" / "providers.csv"


@pytest.fixture(scope="session")
def library():
    return load_library()


@pytest.fixture(scope="session")
def providers_csv():
    return PROVIDERS_CSV


@pytest.fixture(scope="session")
def providers(providers_csv):
    return load_providers(providers_csv)
