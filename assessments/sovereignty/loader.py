"""Load the versioned criteria library (YAML or JSON) and validate it into ``Library``.

A schema error names the path of the offending entry, e.g.
``objects.framework.requirement_nodes[12] (B02).sources[0]: unknown source 'S-X'``, so whoever
edits the library sees where, not just what.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .library import (
    BlockingRule,
    Cited,
    Criterion,
    Library,
    Requirement,
)
from .profiles import CLASSIFICATIONS
from .rules import EVALUATORS, SCORERS

LIBRARY_DIR = Path(__file__).parent / "library"
DEFAULT_LIBRARY = LIBRARY_DIR / "sovra-sovereignty-1.yaml"
NODE_KINDS = ("heading", "criterion", "requirement", "blocking_rule")
APPLIES_WHEN_KEYS = frozenset(
    {
        "classification",
        "personal_data",
        "special_category",
        "sector",
        "member_state",
        "annex_iii_high_risk",
        "uses_media_rights",
    }
)
NODES = "objects.framework.requirement_nodes"


class LibraryError(ValueError):
    """The library file does not have the expected shape; the message starts with the path."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


@cache
def shipped_library() -> Library:
    """The library shipped with the product, read once per process (it never changes while the
    process runs; every run records its URN and version)."""
    return load_library()


def load_library(
    path: Path | str = DEFAULT_LIBRARY, *, evaluators: Iterable[str] | None = None
) -> Library:
    """Read and validate a library file (.yaml, .yml or .json); ``evaluators`` are the blocking
    rules the code implements, so a rule without an implementation is refused at load time."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return parse_library(data, evaluators=evaluators)


def _get(obj: Any, key: str, path: str, kind: type | tuple[type, ...], required: bool = True):
    if not isinstance(obj, dict):
        raise LibraryError(path, "expected a mapping")
    if key not in obj:
        if required:
            raise LibraryError(f"{path}.{key}" if path else key, "missing")
        return None
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise LibraryError(f"{path}.{key}" if path else key, f"expected {names}")
    return value


def _cited(node: dict, path: str, sources: dict, open_points: dict) -> Cited:
    citation = _get(node, "citation", path, str).strip()
    if not citation:
        raise LibraryError(f"{path}.citation", "empty")
    refs = _get(node, "sources", path, list)
    urls: list[str] = []
    for i, ref in enumerate(refs):
        if ref not in sources:
            raise LibraryError(f"{path}.sources[{i}]", f"unknown source {ref!r}")
        urls.extend(sources[ref])
    if not urls:
        raise LibraryError(f"{path}.sources", "no source with an address")
    verified = _get(node, "verified", path, bool)
    note = _get(node, "note", path, str, required=False) or ""
    ops = tuple(_get(node, "open_points", path, list, required=False) or ())
    for i, op in enumerate(ops):
        if op not in open_points:
            raise LibraryError(f"{path}.open_points[{i}]", f"unknown open point {op!r}")
    if not verified and not (note or ops):
        raise LibraryError(f"{path}.verified", "an unverified entry needs a note or open_points")
    note = note or "; ".join(open_points[op] for op in ops)
    return Cited(citation, tuple(dict.fromkeys(urls)), verified, note, ops)


def parse_library(data: Any, *, evaluators: Iterable[str] | None = None) -> Library:
    """Validate a library document already read from YAML or JSON."""
    known = set(EVALUATORS if evaluators is None else evaluators)
    for key in ("urn", "ref_id", "name"):
        _get(data, key, "", str)
    version = _get(data, "version", "", int)
    if version < 1:
        raise LibraryError("version", "must be a positive integer")
    published = _get(data, "publication_date", "", (str, dt.date))
    try:
        published = dt.date.fromisoformat(str(published))
    except ValueError as exc:
        raise LibraryError("publication_date", "expected an ISO date") from exc
    provenance = _get(data, "provenance", "", dict)
    open_points = {}
    for i, op in enumerate(_get(data, "open_points", "", list)):
        open_points[_get(op, "id", f"open_points[{i}]", str)] = _get(
            op, "note", f"open_points[{i}]", str
        )
    sources = {}
    for i, src in enumerate(_get(data, "sources", "", list)):
        path = f"sources[{i}]"
        urls = _get(src, "urls", path, list)
        if not all(isinstance(u, str) and u.startswith(("http://", "https://")) for u in urls):
            raise LibraryError(f"{path}.urls", "expected http(s) addresses")
        sources[_get(src, "id", path, str)] = tuple(urls)
    juris = _get(data, "jurisdictions", "", dict)
    eea = frozenset(_get(juris, "eea", "jurisdictions", list))
    adequacy = _get(juris, "adequacy", "jurisdictions", dict)
    adequacy_cited = Cited(
        "GDPR Art. 45 adequacy decisions",
        (),
        _get(adequacy, "verified", "jurisdictions.adequacy", bool),
        _get(adequacy, "note", "jurisdictions.adequacy", str, required=False) or "",
    )
    objects = _get(data, "objects", "", dict)
    framework = _get(objects, "framework", "objects", dict)
    nodes = _get(framework, "requirement_nodes", "objects.framework", list)
    criteria, requirements, rules = _parse_nodes(nodes, sources, open_points, known)
    _check_references(requirements, criteria, rules)
    seal = _get(objects, "seal", "objects", dict)
    levels = {}
    for i, level in enumerate(_get(seal, "levels", "objects.seal", list)):
        levels[_get(level, "level", f"objects.seal.levels[{i}]", int)] = _get(
            level, "name", f"objects.seal.levels[{i}]", str
        )
    if sorted(levels) != [0, 1, 2, 3, 4]:
        raise LibraryError("objects.seal.levels", "expected levels 0 to 4")
    minimums = _get(seal, "default_minimum_by_classification", "objects.seal", dict)
    if set(minimums) != set(CLASSIFICATIONS) or not all(v in levels for v in minimums.values()):
        raise LibraryError(
            "objects.seal.default_minimum_by_classification", "a SEAL level 0-4 per classification"
        )
    return Library(
        urn=data["urn"],
        ref_id=data["ref_id"],
        name=data["name"],
        version=version,
        publication_date=published,
        provenance=provenance,
        criteria=tuple(criteria),
        requirements=tuple(requirements),
        blocking_rules=tuple(rules),
        seal_levels=levels,
        seal_minimum_by_classification=dict(minimums),
        seal_cited=_cited(seal, "objects.seal", sources, open_points),
        eea=eea,
        adequacy=frozenset(_get(adequacy, "countries", "jurisdictions.adequacy", list)),
        adequacy_cited=adequacy_cited,
        open_points=open_points,
    )


def _parse_nodes(nodes: list, sources: dict, open_points: dict, evaluators: set[str]):
    criteria: list[Criterion] = []
    requirements: list[Requirement] = []
    rules: list[BlockingRule] = []
    seen_urns: set[str] = set()
    seen_refs: set[str] = set()
    for i, node in enumerate(nodes):
        path = f"{NODES}[{i}]"
        ref_id = _get(node, "ref_id", path, str)
        path = f"{path} ({ref_id})"
        urn = _get(node, "urn", path, str)
        kind = _get(node, "kind", path, str)
        if kind not in NODE_KINDS:
            raise LibraryError(f"{path}.kind", f"expected one of {', '.join(NODE_KINDS)}")
        if urn in seen_urns or ref_id in seen_refs:
            raise LibraryError(path, "duplicate urn or ref_id")
        parent = _get(node, "parent_urn", path, str, required=False)
        if parent is not None and parent not in seen_urns:
            raise LibraryError(f"{path}.parent_urn", "must name an earlier node")
        _get(node, "depth", path, int)
        _get(node, "name", path, str)
        seen_urns.add(urn)
        seen_refs.add(ref_id)
        if kind == "heading":
            continue
        cited = _cited(node, path, sources, open_points)
        if kind == "criterion":
            criteria.append(_criterion(node, path, cited))
        elif kind == "requirement":
            requirements.append(_requirement(node, path, cited))
        else:
            rules.append(_rule(node, path, cited, evaluators))
    return criteria, requirements, rules


def _criterion(node: dict, path: str, cited: Cited) -> Criterion:
    if node["ref_id"] not in SCORERS:
        raise LibraryError(f"{path}.ref_id", "no scorer implements this criterion")
    weight = _get(node, "weight", path, int)
    if weight < 1:
        raise LibraryError(f"{path}.weight", "must be at least 1")
    guidance = _get(node, "scoring_guidance", path, dict)
    if sorted(str(k) for k in guidance) != [str(n) for n in range(6)]:
        raise LibraryError(f"{path}.scoring_guidance", "expected guidance for scores 0 to 5")
    return Criterion(
        node["ref_id"],
        node["urn"],
        node["name"],
        _get(node, "description", path, str),
        weight,
        {int(k): str(v) for k, v in guidance.items()},
        cited,
        tuple(_get(node, "topics", path, list, required=False) or ()),
    )


def _requirement(node: dict, path: str, cited: Cited) -> Requirement:
    applies = _get(node, "applies_when", path, dict)
    unknown = set(applies) - APPLIES_WHEN_KEYS
    if not applies or unknown:
        raise LibraryError(f"{path}.applies_when", f"unknown or no conditions {sorted(unknown)}")
    minimums = _get(node, "minimum_scores", path, dict, required=False) or {}
    increase = _get(node, "minimum_increase", path, dict, required=False) or {}
    for key, table in (("minimum_scores", minimums), ("minimum_increase", increase)):
        if not all(isinstance(v, int) and 0 <= v <= 5 for v in table.values()):
            raise LibraryError(f"{path}.{key}", "scores are integers 0-5")
    return Requirement(
        node["ref_id"],
        node["urn"],
        node["name"],
        _get(node, "description", path, str),
        _get(node, "importance", path, str),
        dict(applies),
        dict(minimums),
        dict(increase),
        tuple(_get(node, "enforced_by", path, list, required=False) or ()),
        cited,
    )


# option: the offer may not be used; contract: it may once the named contract is signed (a
# condition of go-live, not a refusal); workload: no option may go live until it is met.
SCOPES = ("option", "contract", "workload")


def _rule(node: dict, path: str, cited: Cited, evaluators: set[str]) -> BlockingRule:
    evaluator = _get(node, "evaluator", path, str)
    if evaluator not in evaluators:
        raise LibraryError(f"{path}.evaluator", f"no implementation named {evaluator!r}")
    scope = _get(node, "scope", path, str)
    if scope not in SCOPES:
        raise LibraryError(f"{path}.scope", "expected " + ", ".join(SCOPES))
    return BlockingRule(
        node["ref_id"],
        node["urn"],
        node["name"],
        _get(node, "blocking_condition", path, str),
        evaluator,
        scope,
        _get(node, "policy", path, bool),
        cited,
    )


def _check_references(requirements, criteria, rules) -> None:
    criterion_ids = {c.ref_id for c in criteria}
    rule_ids = {r.ref_id for r in rules}
    for req in requirements:
        path = f"{NODES} ({req.ref_id})"
        for key in (*req.minimum_scores, *req.minimum_increase):
            if key not in criterion_ids:
                raise LibraryError(f"{path}.minimum_scores", f"unknown criterion {key!r}")
        for ref in req.enforced_by:
            if ref not in rule_ids:
                raise LibraryError(f"{path}.enforced_by", f"unknown blocking rule {ref!r}")
