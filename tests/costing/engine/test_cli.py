"""The command line: the example prints its summary and writes JSON; invalid files exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from costing.engine.__main__ import EXIT_INVALID, main
from costing.engine.scenario import SCHEMA
from tests.costing.engine.test_scenario import EXAMPLE

ROOT = EXAMPLE.parents[3]


def test_the_example_prints_the_summary_and_writes_json(tmp_path, capsys):
    out = tmp_path / "result.json"
    assert main(["evaluate", str(EXAMPLE), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    expected_lines = (
        "on_prem", "cloud_on_demand", "hybrid", "NPV", "cannot take",
        "transcription -> cloud_on_demand", "Breakeven", "Cheapest by NPV:",
    )  # fmt: skip
    for expected in expected_lines:
        assert expected in printed
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["name"].startswith("Media house")
    assert data["cheapest_by_npv"] in data["portfolio"]
    assert len(data["workloads"]) == 12


def test_an_invalid_scenario_prints_each_error_with_its_path(tmp_path, capsys):
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["workloads"][3]["peak_factor"] = 0
    document["offers"]["servers"][0]["gpu"] = "Banana 9000"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    assert main(["evaluate", str(bad)]) == EXIT_INVALID
    errors = capsys.readouterr().err
    assert "$.workloads[3].peak_factor" in errors
    # Meaning checks run once the document has the right shape.
    document["workloads"][3]["peak_factor"] = 1
    bad.write_text(json.dumps(document), encoding="utf-8")
    assert main(["evaluate", str(bad)]) == EXIT_INVALID
    assert "$.offers.servers[0].gpu" in capsys.readouterr().err


def test_an_unreadable_file_exits_2(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert main(["evaluate", str(broken)]) == EXIT_INVALID
    assert main(["evaluate", str(tmp_path / "absent.json")]) == EXIT_INVALID


def test_python_dash_m_runs_without_a_database(tmp_path):
    out = tmp_path / "r.json"
    done = subprocess.run(
        [sys.executable, "-m", "costing.engine", "evaluate", str(EXAMPLE), "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Cheapest by NPV" in done.stdout
    assert Path(out).exists()


def test_the_schema_command_prints_the_schema_with_its_ranges(capsys):
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == SCHEMA
    assert printed["$defs"]["workload"]["properties"]["input_tokens"]["maximum"] == 10_000_000


def test_nan_in_a_file_is_refused_where_it_lies(tmp_path, capsys):
    """Python's json reads NaN; the document is refused, naming the field, not evaluated."""
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        '"input_tokens": 1500', '"input_tokens": NaN'
    )
    bad = tmp_path / "nan.json"
    bad.write_text(text, encoding="utf-8")
    assert main(["evaluate", str(bad)]) == EXIT_INVALID
    assert "$.workloads[0].input_tokens: nan is not a finite number" in capsys.readouterr().err
