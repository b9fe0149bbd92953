"""The shipped reference feeds, read where they are (never copied into the project)."""

from __future__ import annotations

from pathlib import Path

import pytest

FEEDS = Path("/work/shared/reference/feeds")


def feed_bytes(name: str) -> bytes:
    path = FEEDS / name
    if not path.exists():
        pytest.skip(f"reference feed {name} not present on this machine")
    return path.read_bytes()
