"""One what-if evaluation as a picklable answer: what an evaluation process hands back.

Pure (no Django): evaluation processes import this module alone, not the portal's apps.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import orjson

from costing.engine.budget import BudgetExceeded, time_budget
from costing.engine.evaluate import evaluate
from costing.engine.scenario import ScenarioInvalid, load_scenario


@dataclass(frozen=True)
class WhatIfAnswer:
    """What an evaluation came to: a result, or why there is none (exactly one is set)."""

    body: bytes | None = None  # the result as JSON
    invalid: list[tuple[str, str]] | None = None  # (JSON path, message) per problem
    over_budget: tuple[float, str] | None = None  # (budget in seconds, stage reached)
    not_computable: str | None = None  # the engine's reason


def evaluate_document(document: dict, *, per_workload: bool, seconds: float) -> WhatIfAnswer:
    """Evaluate ``document`` within ``seconds``; runs in an evaluation process or in the caller."""
    try:
        # The budget counts reading the document too: the engine checks it as it goes.
        with time_budget(seconds):
            result = evaluate(load_scenario(document), per_workload=per_workload)
    except ScenarioInvalid as invalid:
        return WhatIfAnswer(invalid=list(invalid.errors))
    except BudgetExceeded as over:
        return WhatIfAnswer(over_budget=(over.seconds, over.stage))
    except (ValueError, ArithmeticError) as error:
        # A document the schema and checks let through but the engine cannot compute is still
        # the caller's input to change, not a server fault.
        return WhatIfAnswer(not_computable=str(error))
    # orjson writes the megabytes of a large result several times faster than json (and a
    # non-finite figure as null where a strict encoder would fail).
    return WhatIfAnswer(body=orjson.dumps(result.as_dict(), option=orjson.OPT_SERIALIZE_NUMPY))


def lower_priority(nice: int) -> None:
    """An evaluation process's start: yield the processor to the web process that feeds it."""
    os.nice(nice)
