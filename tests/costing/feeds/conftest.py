"""The shipped reference feeds, read where they are (never copied into the project)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The reference feeds live beside the repository (../shared/reference/feeds), read in place.
ROOT = Path(__file__).resolve().parents[3]
FEEDS = Path(os.environ.get("SOVRA_FEEDS_DIR", ROOT.parent / "shared" / "reference" / "feeds"))


def feed_bytes(name: str) -> bytes:
    path = FEEDS / name
    if not path.exists():
        pytest.skip(f"reference feed {name} not present on this machine")
    return path.read_bytes()
