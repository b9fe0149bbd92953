"""Monte Carlo and tornado charts drawn from the engine's media-house uncertainty results."""

import pytest

from assessments.charts import monte_carlo_svg, tornado_svg

from .conftest import section
from .helpers import axis, find, parse


def test_p50_dots_sit_at_their_values_and_rows_run_cheapest_first(results):
    mc = results["monte_carlo"]
    root = parse(monte_carlo_svg(section(results, "monte_carlo")))
    to_x = axis(root, "x-tick", "x")
    dots = find(root, "circle", "p50")
    assert [d.get("data-option") for d in dots] == sorted(
        mc["options"], key=lambda k: mc["options"][k]["npv"]["p50"]
    )
    for dot in dots:
        p50 = mc["options"][dot.get("data-option")]["npv"]["p50"]
        assert float(dot.get("cx")) == pytest.approx(to_x(p50), abs=0.01)


def test_range_spans_p10_to_p90(results):
    mc = results["monte_carlo"]
    root = parse(monte_carlo_svg(section(results, "monte_carlo")))
    to_x = axis(root, "x-tick", "x")
    for band in find(root, "rect", "range"):
        npv = mc["options"][band.get("data-option")]["npv"]
        assert float(band.get("x")) == pytest.approx(to_x(npv["p10"]), abs=0.01)
        right = float(band.get("x")) + float(band.get("width"))
        assert right == pytest.approx(to_x(npv["p90"]), abs=0.02)


def test_probability_cheapest_is_printed_beside_each_option(results):
    mc = results["monte_carlo"]
    root = parse(monte_carlo_svg(section(results, "monte_carlo")))
    printed = {e.get("data-option"): e.text for e in find(root, "text", "probability")}
    assert set(printed) == set(mc["options"])
    # One decimal, rounded half up (14.25% prints 14.3%).
    share = mc["options"]["cloud_on_demand"]["probability_cheapest"] * 100
    assert printed["cloud_on_demand"].endswith("%")
    assert float(printed["cloud_on_demand"][:-1]) == pytest.approx(share, abs=0.05 + 1e-9)
    assert printed["on_prem"] == "0.0%"


def test_tornado_bars_run_from_the_baseline_to_each_end(results):
    lead = results["tornado"]
    root = parse(tornado_svg(section(results, "tornado")))
    to_x = axis(root, "x-tick", "x")
    baseline = find(root, "line", "baseline")[0]
    assert float(baseline.get("x1")) == pytest.approx(to_x(lead["baseline_difference"]), abs=0.01)
    first = lead["bars"][0]
    assert first["input"] == "demand"  # the largest swing in media-house.json
    bars = [b for b in find(root, "rect", "bar") if b.get("data-input") == "demand"]
    low = next(b for b in bars if b.get("data-end") == "low")
    # Less demand (0.6) narrows the lead: the bar runs left of the baseline to the low value.
    assert first["difference_at_low"] < lead["baseline_difference"]
    assert float(low.get("x")) == pytest.approx(to_x(first["difference_at_low"]), abs=0.02)
    right = float(low.get("x")) + float(low.get("width"))
    assert right == pytest.approx(to_x(lead["baseline_difference"]), abs=0.02)
    # Every input of the scenario's uncertainty block gets its pair of bars.
    assert len(find(root, "rect", "bar")) == 2 * len(lead["bars"]) == 14
    # Inputs read as people name them, each end with its unit; no identifiers.
    labels = [t.text for t in root.iter() if t.tag.endswith("text") and t.text]
    assert "Demand" in labels and "Demand growth" in labels
    assert "\u00d70.60 to \u00d71.80" in labels
    assert not [t for t in labels if "_" in t]


@pytest.mark.parametrize("options", [None, {}, "unknown"], ids=["none", "empty", "no-spread"])
def test_monte_carlo_without_options_gives_a_no_data_chart(options, results):
    mc = section(results, "monte_carlo")
    if options == "unknown":  # an option whose NPV spread the samples did not establish
        for spread in mc.options.values():
            spread.npv.p10 = spread.npv.p50 = spread.npv.p90 = None
    elif options is not None:
        mc.options = options
    root = parse(monte_carlo_svg(None if options is None else mc))
    assert len(find(root, "text", "no-data")) == 1


@pytest.mark.parametrize("bars", [None, []], ids=["none", "no-bars"])
def test_tornado_without_bars_gives_a_no_data_chart(bars, results):
    lead = section(results, "tornado")
    lead.bars = bars or []
    root = parse(tornado_svg(None if bars is None else lead))
    assert len(find(root, "text", "no-data")) == 1
