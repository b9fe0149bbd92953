"""A result's figures written once each: the same working as written in full, much smaller."""

from __future__ import annotations

import json

from costing.engine.evaluate import evaluate
from costing.engine.figure_json import FigureWriter, resolve
from costing.engine.figures import Figure, Quantity, Source
from costing.engine.results import OptionResult
from costing.engine.scenario import load_scenario
from tests.costing.engine.test_scenario import EXAMPLE


def _written_in_full(figures) -> list[dict]:
    return [figure.as_dict() for figure in figures]


def test_every_figure_of_the_media_house_resolves_to_its_working_written_in_full():
    """GIVEN the media house's twelve workloads WHEN the result is written THEN each list of
    figures, its stubs and source indexes resolved, is the working written figure by figure,
    and the document is less than half as long."""
    result = evaluate(load_scenario(json.loads(EXAMPLE.read_text(encoding="utf-8"))))
    written = result.as_dict()
    sources = written["sources"]
    full_length = 0
    for workload, row in zip(result.workloads, written["workloads"], strict=True):
        by_gpu = {s["gpu"]: s["figures"] for s in workload.sizing.values()}
        flat = [f for figures in by_gpu.values() for f in figures]
        sizing = [f for figures in row["sizing_figures"].values() for f in figures]
        assert resolve(sizing, sources) == _written_in_full(flat)
        full_length += len(json.dumps(_written_in_full(flat)))
        for option, outcome in workload.options.items():
            if isinstance(outcome, OptionResult):
                listed = row["options"][option]["figures"]
                assert resolve(listed, sources) == _written_in_full(outcome.figures)
                full_length += len(json.dumps(_written_in_full(outcome.figures)))
    for option, outcome in result.available().items():
        listed = written["portfolio"][option]["figures"]
        assert resolve(listed, sources) == _written_in_full(outcome.figures)
    assert len({json.dumps(s, sort_keys=True) for s in sources}) == len(sources)
    shorter = sum(
        len(json.dumps(row["sizing_figures"]))
        + sum(len(json.dumps(o.get("figures", []))) for o in row["options"].values())
        for row in written["workloads"]
    )
    assert shorter < full_length / 2


def test_a_figure_met_again_is_a_stub_naming_its_entry_and_a_listed_one_stays_in_full():
    catalog = Source("catalog", "servers.csv: 8x H100", date="2025-03-01")
    price = Quantity("server price", 250_000.0, "USD", catalog)
    shared = Figure("servers", 3.0, "servers", "ceil(GPUs / 8)", (price,))
    total = Figure("purchase", 750_000.0, "USD", "servers x price", (shared, price))
    npv = Figure("net present value", 700_000.0, "USD", "discounted", (total, shared))

    writer = FigureWriter()
    ((first, second),) = writer.scope([[npv, total]])

    assert writer.sources()[second["inputs"][1]["source"]]["reference"] == "servers.csv: 8x H100"
    # The listed total is written in full where listed; inside the NPV it is a stub.
    assert first["inputs"][0] == {"name": "purchase", "value": 750_000.0, "unit": "USD",
                                  "see": second["id"]}  # fmt: skip
    assert second["formula"] == "servers x price"
    # "servers" is written in full where first met (inside the NPV), a stub in the total.
    stub = second["inputs"][0]
    assert stub["see"] == first["inputs"][1]["id"] and "inputs" not in stub
    assert resolve([first, second], writer.sources()) == [npv.as_dict(), total.as_dict()]
