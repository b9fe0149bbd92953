"""Results made into what their JSON reads back as, in place: a run keeps its sections so."""

from __future__ import annotations

import math


def json_ready(value):
    """``value``, changed in place into what its JSON reads back as: NaN and infinities (which
    JSON and PostgreSQL's jsonb have not; a figure that is not a number is not established)
    become None, tuples lists and keys strings. A run keeps its sections so for the steps after
    each, rather than a copy read back from the JSON: a large portfolio's engine section is
    several times larger read back (every number and string its own object again)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, tuple):
        value = list(value)
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if any(type(key) is not str for key in node):
                renamed = {_json_key(key): item for key, item in node.items()}
                node.clear()
                node.update(renamed)
            items = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            continue
        for key, item in items:
            if type(item) is float:  # the common case first: there are millions
                if item - item != 0.0:  # NaN - NaN and inf - inf are NaN
                    node[key] = None
            elif isinstance(item, tuple):
                node[key] = item = list(item)
                stack.append(item)
            elif isinstance(item, dict | list):
                stack.append(item)
            elif isinstance(item, float) and not math.isfinite(item):
                node[key] = None
    return value


def _json_key(key) -> str:
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool):
        return {None: "null", True: "true", False: "false"}[key]
    return str(key)
