"""The chart toolkit: fixed option colours, round axis ticks, escaping."""

import pytest

from assessments.charts.svg import nice_ticks, no_data, option_colour

from .helpers import parse


def test_known_options_have_fixed_colours_and_unknown_ones_a_stable_one():
    assert option_colour("on_prem") == "#1b4f72"
    assert option_colour("sovereign_cloud") == option_colour("sovereign_cloud")
    assert option_colour("sovereign_cloud").startswith("#")


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 5_497_698, [0, 2e6, 4e6, 6e6]),
        (-574_759, 6_072_457, [-2e6, 0, 2e6, 4e6, 6e6, 8e6]),
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    ],
)
def test_ticks_are_round_and_cover_the_range(low, high, expected):
    assert nice_ticks(low, high) == pytest.approx(expected)


def test_titles_are_escaped():
    root = parse(no_data('Costs <&> "risks"', "none"))
    assert root.find("{http://www.w3.org/2000/svg}title").text == 'Costs <&> "risks"'
