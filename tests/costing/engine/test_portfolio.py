"""Portfolio totals computed on workloads grouped together equal them costed one by one."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from costing.engine.cashflows import add_into
from costing.engine.choices import OWNED
from costing.engine.fallbacks import add_fallback_flows, likely_fallbacks
from costing.engine.options import Placement
from costing.engine.portfolio import make_plans, shared_fleets, workload_flows
from costing.engine.scenario import load_scenario
from costing.engine.uncertainty import sample_drivers

EXAMPLE = Path(__file__).resolve().parents[3] / "costing/engine/examples/media-house.json"
REFUSAL = {"rule": "B01", "name": "transfer", "reason": "test", "citation": "GDPR 44"}


def serving(peak_load_replicas: float, replica_gpus: float, min_replicas: float) -> Placement:
    return Placement("H100", None, 0, 0, 0, 0, 0, 0, 0, replica_gpus=replica_gpus,
                     peak_load_replicas=peak_load_replicas, min_replicas=min_replicas)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 0.01, 0.25, 0.5, 1.0, 2.0, 3.7]),
            st.sampled_from([1.0, 2.0, 8.0]),
            st.sampled_from([0.0, 1.0, 2.0]),
        ),
        min_size=1,
        max_size=12,
    ),
    st.integers(0, 2**31),
)
def test_warm_replicas_counted_together_equal_each_workload_counted_alone(shapes, seed):
    """GIVEN serving placements on one demand curve, some on exact step boundaries
    WHEN their whole replicas are counted together
    THEN the GPUs equal the sum of each one's own count, exactly."""
    demand = np.random.default_rng(seed).uniform(0.0, 4.0, (30, 12))
    demand[0, :4] = [1.0, 2.0, 0.5, 0.0]
    places = [serving(*shape) for shape in shapes]
    alone = sum((place.owned_serving_gpus(demand) for place in places), np.zeros_like(demand))
    assert np.array_equal(Placement.serving_gpus_total(places, demand), alone)


def refusing_document() -> dict:
    """The example with a third of its workloads refusing two providers' offers and a third
    refusing colocation too, so that options fall back to rented and to owned ones."""
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    refused = {}
    for kind in ("cloud_gpu", "api"):
        for i, offer in enumerate(document["offers"][kind]):
            offer["id"] = f"{kind}-{i}"
            if offer["provider"] in {"RunPod", "Lambda", "AWS", "Groq", "Fireworks AI"}:
                refused[offer["id"]] = REFUSAL
    document["eligibility"] = {
        "personal": {"refused_offers": refused},
        "own-premises": {
            "refused_offers": refused,
            "refused_options": {"colocation": {**REFUSAL, "rule": "P2"}},
        },
    }
    for i, row in enumerate(document["workloads"]):
        row["eligibility"] = ("", "personal", "own-premises")[i % 3]
        if not row["eligibility"]:
            del row["eligibility"]
    return document


def test_fallback_workloads_grouped_cost_what_each_costs_on_its_share_of_its_fleet():
    """GIVEN workloads that cannot use an option, each kept on its cheapest other option
    WHEN their flows are added grouped (fleets whole, linear costs merged)
    THEN every component equals the sum of each workload's flows on its own share of the
    fleet sized for them, sample by sample."""
    scenario = load_scenario(refusing_document())
    drivers = sample_drivers(scenario.uncertainty.inputs, 64, seed=11)
    plans = make_plans(scenario, drivers)
    share = 1 / len(plans)
    choices = likely_fallbacks(scenario, None)
    by_id = {plan.workload.id: plan for plan in plans}
    kept_on = set()
    for option in scenario.options:
        fallbacks = [
            (by_id[workload], other) for (blocked, workload), other in choices.items()
            if blocked == option
        ]  # fmt: skip
        if not fallbacks:
            continue
        kept_on |= {other for _, other in fallbacks}
        grouped: dict = {}
        assert add_fallback_flows(scenario, grouped, fallbacks, drivers, share) is None
        alone: dict = {}
        for other in {other for _, other in fallbacks}:
            group = [plan for plan, kept in fallbacks if kept == other]
            own = shared_fleets(scenario, group, other, drivers) if other in OWNED else None
            for plan in group:
                add_into(alone, workload_flows(scenario, plan, other, own, drivers, share))
        assert grouped.keys() == alone.keys()
        for name, values in alone.items():
            np.testing.assert_allclose(grouped[name], values, rtol=1e-9, atol=1e-6)
    assert kept_on & set(OWNED) and kept_on - set(OWNED)  # both kinds are exercised
