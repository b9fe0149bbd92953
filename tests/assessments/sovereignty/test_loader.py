"""The shipped criteria library loads, cites its sources and flags what is unverified."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from assessments.sovereignty.loader import (
    DEFAULT_LIBRARY,
    LibraryError,
    load_library,
    parse_library,
)

VERIFY_ITEMS = {
    "B02",
    "B06",
    "B10",
    "B11",
    "B13",
    "P1",
    "R-SECNUMCLOUD",
    "R-ENS",
    "R-AI-ACT-DEPLOYER",
}


@pytest.fixture
def raw():
    return yaml.safe_load(DEFAULT_LIBRARY.read_text(encoding="utf-8"))


def _node(raw, ref_id):
    return next(
        n for n in raw["objects"]["framework"]["requirement_nodes"] if n["ref_id"] == ref_id
    )


def test_shipped_library_has_nine_criteria_fifteen_rules_and_policies(library):
    assert [c.ref_id for c in library.criteria] == [f"C{i}" for i in range(1, 10)]
    rule_ids = [r.ref_id for r in library.blocking_rules]
    assert rule_ids == [f"B{i:02d}" for i in range(1, 16)] + ["P1", "P2", "P3"]
    assert len(library.requirements) == 17
    assert library.version == 1
    assert str(library.publication_date) == "2026-11-25"
    assert library.seal_minimum_by_classification == {
        "public": 0,
        "internal": 1,
        "confidential": 2,
        "restricted": 4,
    }


def test_the_criteria_cover_every_subject_of_the_design(library):
    covered = {topic for c in library.criteria for topic in c.topics}
    assert {
        "data residency",
        "exposure to extraterritorial law",
        "operational control and key custody",
        "data use and retention",
        "portability and lock-in",
        "certifications",
        "auditability",
        "supply-chain risk",
    } <= covered
    assert all(sorted(c.guidance) == [0, 1, 2, 3, 4, 5] for c in library.criteria)


def test_the_file_name_carries_the_library_version(library):
    assert DEFAULT_LIBRARY.name == f"sovra-sovereignty-{library.version}.yaml"


def test_every_requirement_and_rule_cites_a_rule_and_a_source_address(library):
    for entry in (*library.requirements, *library.blocking_rules, *library.criteria):
        assert entry.cited.citation.strip(), entry.ref_id
        assert entry.cited.source_urls, entry.ref_id
        assert all(u.startswith(("https://", "http://")) for u in entry.cited.source_urls)


def test_named_requirements_cite_the_rule_they_come_from(library):
    citations = {r.ref_id: r.cited.citation for r in library.requirements}
    assert "Art. 44" in citations["R-GDPR-TRANSFERS"]
    assert "Art. 9" in citations["R-GDPR-SPECIAL"]
    assert "Art. 28" in citations["R-GDPR-PROCESSOR"]
    assert "DORA" in citations["R-DORA"]
    assert "NIS2" in citations["R-NIS2-SUPPLY-CHAIN"]
    assert "164.504(e)" in citations["R-HIPAA"]
    assert "L.1111-8" in citations["R-HDS"]
    assert "393" in citations["R-SGB5-393"]
    assert "SecNumCloud" in citations["R-SECNUMCLOUD"]
    assert "C5" in citations["R-BSI-C5"]
    assert "AI Act" in citations["R-AI-ACT-DEPLOYER"]


def test_items_the_brief_marks_verify_are_unverified_with_a_note(library):
    unverified = dict(library.unverified())
    assert set(unverified) >= VERIFY_ITEMS
    assert "jurisdictions.adequacy" in unverified
    assert all(note for note in unverified.values())
    assert library.rule("B01").cited.verified
    assert library.rule("B08").cited.verified


def test_every_open_point_of_the_brief_is_carried(library):
    assert {f"OP-{i}" for i in range(1, 11)} <= set(library.open_points)


def test_a_json_copy_of_the_library_loads_the_same(raw, library, tmp_path):
    path = tmp_path / "sovra-sovereignty-1.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    assert load_library(path) == library


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (lambda d: _node(d, "B02")["sources"].append("S-NOPE"), "(B02).sources[5]"),
        (lambda d: _node(d, "C3").pop("weight"), "(C3).weight"),
        (lambda d: _node(d, "B07").update(evaluator="B99"), "(B07).evaluator"),
        (lambda d: _node(d, "R-HDS").update(citation=""), "(R-HDS).citation"),
        (
            lambda d: _node(d, "R-ENS").pop("note") and _node(d, "R-ENS").pop("open_points"),
            "(R-ENS).verified",
        ),
        (lambda d: _node(d, "R-DORA")["minimum_scores"].update(C42=3), "(R-DORA).minimum_scores"),
        (lambda d: d.update(version="one"), "version"),
        (lambda d: _node(d, "C9").update(ref_id="C10"), "(C10).ref_id"),
    ],
)
def test_schema_errors_name_the_path(raw, edit, path):
    broken = copy.deepcopy(raw)
    edit(broken)
    with pytest.raises(LibraryError) as caught:
        parse_library(broken)
    assert path in str(caught.value)


def test_the_scoring_package_names_no_app_in_its_imports():
    """The project's hook greps for absolute imports of Django or an app, ours included."""
    pattern = re.compile(r"^\s*(from|import) (django|rest_framework|celery|portal|assessments)\b")
    package = Path(__file__).resolve().parents[3] / "assessments" / "sovereignty"
    offending = [
        f"{path.name}: {line}"
        for path in package.glob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if pattern.match(line)
    ]
    assert offending == []


def test_the_scoring_package_imports_neither_django_nor_any_app():
    code = (
        "import sys, pkgutil, importlib, assessments.sovereignty as pkg\n"
        "for m in pkgutil.iter_modules(pkg.__path__):\n"
        "    importlib.import_module('assessments.sovereignty.' + m.name)\n"
        "bad = [n for n in sys.modules if n.split('.')[0] in ('django', 'portal', 'costing')]\n"
        "bad += [n for n in sys.modules if n.startswith('assessments.') and "
        "not n.startswith('assessments.sovereignty')]\n"
        "assert not bad, bad\n"
    )
    root = Path(__file__).resolve().parents[3]
    subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=root, env={"PYTHONPATH": str(root)}
    )
