"""Cumulative cost and cost-by-component charts drawn from the engine's media-house result."""

import numpy as np
import pytest

from assessments.charts import components_svg, cumulative_cost_svg, option_colour

from .conftest import section
from .helpers import axis, find, parse, texts, y_tick_pixel


def _points(polyline):
    return [tuple(map(float, p.split(","))) for p in polyline.get("points").split()]


def test_cumulative_draws_one_line_per_priced_option_in_its_colour(results):
    root = parse(cumulative_cost_svg(section(results, "engine")))
    lines = {p.get("data-option"): p for p in find(root, "polyline", "series")}
    priced = {k for k, v in results["engine"]["portfolio"].items() if "npv" in v}
    # No commitment pays in the example (AWS p5 reserved costs more per GPU-hour than Nebius on
    # demand), so committed cloud has no line.
    assert set(lines) == priced == {
        "on_prem", "colocation", "cloud_on_demand", "managed_api", "hybrid"
    }  # fmt: skip
    assert lines["hybrid"].get("stroke") == option_colour("hybrid") == "#239b56"
    assert len(_points(lines["hybrid"])) == 61  # time 0 and 60 month ends


def test_cumulative_line_ends_at_each_options_total(results):
    engine = results["engine"]
    root = parse(cumulative_cost_svg(section(results, "engine")))
    to_y = y_tick_pixel(root)
    for line in find(root, "polyline", "series"):
        total = engine["portfolio"][line.get("data-option")]["total"]
        assert _points(line)[-1][1] == pytest.approx(to_y(total), abs=0.15)


def test_breakeven_marker_sits_at_its_month_on_the_cheaper_line(results):
    engine = results["engine"]
    root = parse(cumulative_cost_svg(section(results, "engine")))
    markers = {
        (m.get("data-cheaper"), m.get("data-dearer")): m for m in find(root, "circle", "breakeven")
    }
    # Only crossings are marked: pairs cheaper from the start (month 0) have none.
    crossing = [b for b in engine["breakevens"] if b["breakeven_month"]]
    assert len(markers) == len(crossing) >= 1
    # The API alone costs nothing up front; its fallbacks on owned fleets (metadata tagging in
    # colocation, image generation's hybrid base) buy servers of their own at time 0, so
    # renting on demand leads until their resale value is credited at the horizon (the CLI
    # prints "managed_api vs cloud_on_demand: month 59.0").
    marker = markers["managed_api", "cloud_on_demand"]
    month = next(
        b["breakeven_month"]
        for b in crossing
        if set(b["options"]) == {"managed_api", "cloud_on_demand"}
    )
    assert month == pytest.approx(59.0, abs=0.05)
    to_x = axis(root, "x-tick", "x")
    assert float(marker.get("cx")) == pytest.approx(to_x(month), abs=0.01)
    api = np.cumsum(engine["portfolio"]["managed_api"]["monthly_total"])
    expected = np.interp(month, np.arange(61), api)
    assert float(marker.get("cy")) == pytest.approx(y_tick_pixel(root)(expected), abs=0.01)


def test_money_axis_labels_carry_currency_and_thousands_separators(results):
    root = parse(cumulative_cost_svg(section(results, "engine")))
    labels = [e.text for e in find(root, "text", "y-tick")]
    assert "2,000,000 EUR" in labels
    assert any(t == "Hybrid: 1,995,204 EUR" for t in texts(root))  # the CLI's total


def test_tallest_bar_is_the_option_with_the_largest_positive_cost(results):
    engine = results["engine"]
    root = parse(components_svg(section(results, "engine")))
    tops: dict[str, float] = {}
    for rect in find(root, "rect", "segment"):
        option = rect.get("data-option")
        tops[option] = min(tops.get(option, 1e9), float(rect.get("y")))
    positive = {
        option: sum(max(sum(flows), 0) for flows in row["monthly_by_component"].values())
        for option, row in engine["portfolio"].items()
        if "npv" in row
    }
    # Hybrid rents its peaks on top of its owned base; the room built on premises is partly
    # credited back and colocation's fleet is the same size as on premises'.
    assert min(tops, key=tops.get) == max(positive, key=positive.get) == "hybrid"


def test_segment_heights_are_proportional_to_their_values(results):
    root = parse(components_svg(section(results, "engine")))
    ratios = [
        float(r.get("height")) / abs(float(r.get("data-value")))
        for r in find(root, "rect", "segment")
        if abs(float(r.get("data-value"))) > 300_000  # coordinates keep 2 decimals
    ]
    assert len(ratios) >= 8
    assert max(ratios) == pytest.approx(min(ratios), rel=2e-3)


def test_residual_value_stacks_below_zero(results):
    root = parse(components_svg(section(results, "engine")))
    zero = y_tick_pixel(root)(0)
    residual = next(
        r for r in find(root, "rect", "segment")
        if r.get("data-option") == "on_prem" and r.get("data-component") == "residual"
    )  # fmt: skip
    assert float(residual.get("data-value")) < 0
    assert float(residual.get("y")) == pytest.approx(zero, abs=0.01)


def test_bar_totals_are_printed_as_money(results):
    root = parse(components_svg(section(results, "engine")))
    totals = {e.get("data-option"): e.text for e in find(root, "text", "bar-total")}
    assert totals["on_prem"] == "1,925,973 EUR"
    assert totals["cloud_on_demand"] == "2,104,033 EUR"


@pytest.mark.parametrize("chart", [cumulative_cost_svg, components_svg])
@pytest.mark.parametrize(
    "portfolio",
    [
        None,
        {},
        {"managed_api": {"option": "managed_api", "missing": "API price",
                         "reason": "no API offer"}},
    ],
    ids=["none", "no-options", "all-unavailable"],
)  # fmt: skip
def test_missing_or_unavailable_costs_give_a_no_data_chart(chart, portfolio, results):
    engine = None
    if portfolio is not None:
        engine = section({**results, "engine": {**results["engine"], "portfolio": portfolio}},
                         "engine")  # fmt: skip
    root = parse(chart(engine))
    assert [e.text for e in find(root, "text", "no-data")] == [
        "No option could be costed for this run."
    ]
