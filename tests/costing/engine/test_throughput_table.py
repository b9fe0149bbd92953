"""The shipped throughput table (what runs sample as the engine's own error) is the engine's."""

from __future__ import annotations

import csv

import pytest

from benchmarks.accuracy import TABLE, TABLE_COLUMNS, throughput_table


def test_the_shipped_throughput_table_matches_what_the_engine_sizes_today():
    """A change to sizing that moves any estimate by more than 0.1% must rewrite the table
    (python -m benchmarks.accuracy --write-table), or runs would sample a stale error."""
    with TABLE.open(newline="", encoding="utf-8") as handle:
        shipped = list(csv.DictReader(handle))
    now = throughput_table()

    assert tuple(shipped[0]) == TABLE_COLUMNS
    assert [row["case"] for row in shipped] == [row["case"] for row in now]
    for old, new in zip(shipped, now, strict=True):
        assert float(old["engine"]) == pytest.approx(float(new["engine"]), rel=1e-3), old["case"]
        assert float(old["published"]) == float(new["published"])
