"""Monte Carlo and tornado: reproducible, ordered, consistent with the deterministic run."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costing.engine.__main__ import main
from costing.engine.cashflows import Drivers
from costing.engine.evaluate import evaluate
from costing.engine.scenario import Range, Uncertainty, load_scenario
from costing.engine.uncertainty import (
    INPUTS,
    monte_carlo,
    pert_sample,
    placement_spread,
    sample_drivers,
    tornado,
)
from tests.costing.engine.test_scenario import EXAMPLE

quick = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def example():
    return load_scenario(json.loads(EXAMPLE.read_text(encoding="utf-8")))


def with_inputs(scenario, inputs: dict[str, Range], samples: int = 400, seed: int = 7):
    return replace(scenario, uncertainty=Uncertainty(samples=samples, seed=seed, inputs=inputs))


def test_the_same_seed_gives_the_same_result_and_another_seed_does_not(example):
    first = monte_carlo(example, samples=300)
    assert monte_carlo(example, samples=300) == first
    assert monte_carlo(example, samples=300, seed=example.uncertainty.seed + 1) != first
    assert first.seed == example.uncertainty.seed and first.samples == 300


def test_percentiles_are_ordered_and_the_cheapest_shares_sum_to_one(example):
    result = monte_carlo(example, samples=500)
    # The example's only commitment (AWS p5, 1 year) costs more per GPU-hour than Nebius on
    # demand: no commitment pays, so that option is not priced.
    assert set(result.options) == set(example.options) - {"cloud_committed"}
    assert set(result.unavailable) == {"cloud_committed"}
    for row in result.options.values():
        for spread in (row.total, row.npv):
            assert spread.p10 <= spread.p50 <= spread.p90
            assert spread.p10 <= spread.mean <= spread.p90
    shares = [row.probability_cheapest for row in result.options.values()]
    assert sum(shares) == pytest.approx(1.0)
    assert all(0 <= share <= 1 for share in shares)


def test_the_result_names_its_ranges_and_its_fixed_inputs(example):
    inputs = {"demand": Range(0.8, 1.0, 1.3)}
    result = monte_carlo(with_inputs(example, inputs))
    assert result.inputs == inputs
    assert result.fixed == {k: (0.0 if k.endswith("_delta_per_year") else 1.0)
                            for k in INPUTS if k != "demand"}  # fmt: skip
    assert result.as_dict()["inputs"]["demand"] == {"low": 0.8, "likely": 1.0, "high": 1.3}


def test_collapsed_ranges_give_the_deterministic_npv_at_every_percentile(example):
    collapsed = {
        k: Range(r.likely, r.likely, r.likely) for k, r in example.uncertainty.inputs.items()
    }
    scenario = with_inputs(example, collapsed, samples=50)
    deterministic = evaluate(scenario, per_workload=False).available()
    result = monte_carlo(scenario)
    for name, row in result.options.items():
        expected = float(deterministic[name].npv[0])
        for value in (row.npv.p10, row.npv.p50, row.npv.p90, row.npv.mean):
            assert value == pytest.approx(expected, rel=1e-12)


def test_the_vectorized_run_equals_a_loop_of_scalar_runs(example):
    """GIVEN five sampled drivers WHEN evaluated at once and one by one THEN the NPVs agree."""
    drivers = sample_drivers(example.uncertainty.inputs, 5, seed=11)
    together = evaluate(example, drivers, per_workload=False).available()
    for i in range(5):
        scalar = Drivers(**{k: float(np.asarray(getattr(drivers, k))[i]) for k in INPUTS
                            if np.size(getattr(drivers, k)) > 1})  # fmt: skip
        alone = evaluate(example, scalar, per_workload=False).available()
        assert set(alone) == set(together)
        for name, outcome in alone.items():
            assert together[name].npv[i] == pytest.approx(outcome.npv[0], rel=1e-9)
            assert together[name].total[i] == pytest.approx(outcome.total[0], rel=1e-9)


def test_a_wider_demand_range_widens_the_spread(example):
    narrow = monte_carlo(with_inputs(example, {"demand": Range(0.9, 1.0, 1.1)}))
    wide = monte_carlo(with_inputs(example, {"demand": Range(0.5, 1.0, 1.5)}))
    for name in narrow.options:
        a, b = narrow.options[name].npv, wide.options[name].npv
        assert b.p90 - b.p10 > a.p90 - a.p10, name


def test_the_tornado_is_sorted_by_swing_and_a_fixed_input_does_not_swing(example):
    inputs = {**example.uncertainty.inputs, "staff_cost": Range(1.0, 1.0, 1.0)}
    lead = tornado(with_inputs(example, inputs))
    swings = [bar.swing for bar in lead.bars]
    assert swings == sorted(swings, reverse=True)
    assert {bar.input for bar in lead.bars} == set(inputs)
    staff = next(bar for bar in lead.bars if bar.input == "staff_cost")
    assert staff.swing == 0 and staff.difference_at_low == lead.baseline_difference
    likely = evaluate(example, per_workload=False).available()
    expected = float(likely[lead.second].npv[0] - likely[lead.first].npv[0])
    assert lead.baseline_difference == pytest.approx(expected, rel=1e-12)
    assert lead.baseline_difference >= 0  # the first is the cheaper at likely inputs


def test_a_tornado_bar_matches_a_run_with_that_input_alone_moved(example):
    lead = tornado(example)
    bar = lead.bars[0]
    moved = Drivers(**{**{k: r.likely for k, r in example.uncertainty.inputs.items()},
                       bar.input: bar.high})  # fmt: skip
    result = evaluate(example, moved, per_workload=False).available()
    expected = float(result[lead.second].npv[0] - result[lead.first].npv[0])
    assert bar.difference_at_high == pytest.approx(expected, rel=1e-12)


def test_no_ranges_means_no_tornado(example):
    assert tornado(with_inputs(example, {})) is None
    result = monte_carlo(with_inputs(example, {}, samples=20))
    assert result.samples == 20 and set(result.fixed) == set(INPUTS)
    assert all(row.npv.p10 == pytest.approx(row.npv.p90) for row in result.options.values())


@quick
@given(
    st.floats(0.1, 2.0),
    st.floats(0.0, 1.0),
    st.floats(0.01, 2.0),
    st.integers(0, 2**32),
)
def test_pert_draws_stay_in_range_and_repeat_with_the_seed(low, where, width, seed):
    value = Range(low, low + where * width, low + width)
    draws = pert_sample(value, 2000, np.random.default_rng(seed))
    assert np.all((draws >= value.low) & (draws <= value.high))
    assert np.array_equal(draws, pert_sample(value, 2000, np.random.default_rng(seed)))
    # PERT mean (low + 4 likely + high) / 6, within a few standard errors.
    assert draws.mean() == pytest.approx((value.low + 4 * value.likely + value.high) / 6,
                                         abs=0.05 * width)  # fmt: skip


def test_each_input_keeps_its_draws_when_another_range_changes():
    a = sample_drivers({"demand": Range(0.5, 1, 2), "cloud_price": Range(0.7, 1, 1.1)}, 50, 3)
    b = sample_drivers({"demand": Range(0.5, 1, 2), "cloud_price": Range(0.9, 1, 1.0)}, 50, 3)
    assert np.array_equal(a.demand, b.demand)


def test_the_command_line_prints_the_monte_carlo_and_writes_it(tmp_path, capsys):
    out = tmp_path / "result.json"
    args = ["evaluate", str(EXAMPLE), "--samples", "64", "--seed", "5", "--json", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    for expected in ("Monte Carlo: 64 samples, seed 5", "P(cheapest)", "Tornado:"):
        assert expected in printed
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["monte_carlo"]["samples"] == 64 and data["monte_carlo"]["seed"] == 5
    assert data["monte_carlo"]["notes"]["demand"]
    assert data["tornado"]["bars"]


ranges = st.tuples(st.floats(0.3, 1.0), st.floats(1.0, 2.0)).map(
    lambda lh: Range(lh[0], 1.0, lh[1])
)


@quick
@given(st.dictionaries(st.sampled_from(["cloud_price", "server_price", "demand"]), ranges),
       st.integers(0, 2**31))  # fmt: skip
def test_any_ranges_and_seed_keep_the_percentiles_ordered_and_the_shares_whole(
    example, inputs, seed
):
    result = monte_carlo(with_inputs(example, inputs, samples=40, seed=seed))
    assert sum(row.probability_cheapest for row in result.options.values()) == pytest.approx(1.0)
    for row in result.options.values():
        assert row.npv.p10 <= row.npv.p50 <= row.npv.p90
        assert row.total.p10 <= row.total.p50 <= row.total.p90


def test_a_placement_on_one_option_spreads_exactly_as_that_option_does(example):
    """GIVEN a placement that puts every workload on one option WHEN its spread is taken THEN it
    is that option's own Monte Carlo spread: each sample's NPV scaled by likely/likely = 1."""
    scenario = with_inputs(example, {"demand": Range(0.8, 1.0, 1.3)}, samples=300)
    option = "cloud_on_demand"
    likely = evaluate(scenario, per_workload=False).portfolio[option].npv.item()
    ids = frozenset(w.id for w in scenario.workloads)
    spread = placement_spread(scenario, {option: (likely, ids)}, samples=300, seed=7)
    own = monte_carlo(scenario, samples=300, seed=7).options[option].npv
    assert spread.as_dict() == pytest.approx(own.as_dict(), rel=1e-9)


def test_a_placement_adds_its_parts_sample_by_sample(example):
    """GIVEN half the workloads on premises and half on cloud on demand WHEN the spread is taken
    THEN its mean is the sum of each part's mean: the parts move together within a sample."""
    scenario = with_inputs(example, {"demand": Range(0.8, 1.0, 1.3)}, samples=300)
    ids = [w.id for w in scenario.workloads]
    parts = {"on_prem": frozenset(ids[::2]), "cloud_on_demand": frozenset(ids[1::2])}
    likely = {
        option: evaluate(
            replace(
                scenario,
                workloads=tuple(w for w in scenario.workloads if w.id in carried),
                options=(option,),
            ),
            per_workload=False,
        )
        .portfolio[option]
        .npv.item()
        for option, carried in parts.items()
    }
    spread = placement_spread(
        scenario, {o: (likely[o], parts[o]) for o in parts}, samples=300, seed=7
    )
    means = [
        placement_spread(scenario, {o: (likely[o], parts[o])}, samples=300, seed=7).mean
        for o in parts
    ]
    assert spread.mean == pytest.approx(sum(means), rel=1e-9)
    assert spread.p10 < sum(likely.values()) < spread.p90


def test_no_samples_give_no_placement_spread(example):
    assert (
        placement_spread(example, {"on_prem": (1.0, frozenset({"x"}))}, samples=0, seed=1) is None
    )
