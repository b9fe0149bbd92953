"""Fixtures of the catalog tests: the public catalog as shipped, and a copy of its files to
break."""

import shutil
from pathlib import Path

import pytest

from costing.services import public_catalog_load
from costing.services.public_catalog import DATA_DIR


@pytest.fixture
def loaded(db):
    return public_catalog_load()


@pytest.fixture
def data_copy(tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target
