"""Cost charts from the engine's result: cumulative cost over the horizon, cost by component."""

from __future__ import annotations

import numpy as np

from assessments.reports.formatting import money, option_label
from assessments.results import EngineResults, OptionOutcome

from .svg import (
    INK,
    MUTED,
    Scale,
    component_colour,
    document,
    element,
    legend,
    nice_ticks,
    no_data,
    option_colour,
    text,
    x_axis,
    y_axis,
)

WIDTH, HEIGHT = 840, 360
LEFT, RIGHT, TOP, BOTTOM = 104, 240, 40, 48  # margins around the plot
MONTHS_PER_TICK = 12


def available_options(engine: EngineResults | None) -> dict[str, OptionOutcome]:
    """The portfolio's priced options (unavailable ones carry ``missing`` and no flows)."""
    if engine is None:
        return {}
    return {name: row for name, row in engine.portfolio.items() if row.priced and row.monthly_total}


def _cumulative(option: OptionOutcome) -> np.ndarray:
    # Index 0 is time 0 (the upfront purchase), index m the end of month m.
    return np.cumsum(np.asarray(option.monthly_total, dtype=float))


def cumulative_cost_svg(engine: EngineResults | None) -> str:
    """Cumulative cost per option over the horizon, with the breakeven months marked."""
    title = "Cumulative cost per option"
    options = available_options(engine)
    if not options:
        return no_data(title, "No option could be costed for this run.")
    currency = engine.currency
    curves = {name: _cumulative(row) for name, row in options.items()}
    horizon = max(len(c) for c in curves.values()) - 1
    low = min(0.0, min(float(c.min()) for c in curves.values()))
    high = max(float(c.max()) for c in curves.values())
    y_ticks = nice_ticks(low, high)
    x = Scale((0, max(horizon, 1)), (LEFT, WIDTH - RIGHT))
    y = Scale((y_ticks[0], y_ticks[-1]), (HEIGHT - BOTTOM, TOP))
    body = [text(LEFT, 22, f"{title} ({currency})", font_weight="bold", font_size=13)]
    body += y_axis(y, y_ticks, left=LEFT, right=WIDTH - RIGHT, label=lambda v: money(v, currency))
    x_ticks = list(range(0, horizon + 1, MONTHS_PER_TICK))
    body += x_axis(x, x_ticks, top=TOP, bottom=HEIGHT - BOTTOM, label=lambda v: f"{v:g}")
    body.append(text((LEFT + WIDTH - RIGHT) / 2, HEIGHT - 8, "months from the start",
                     text_anchor="middle", fill=MUTED))  # fmt: skip
    for name, curve in curves.items():
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(curve))
        body.append(element("polyline", points=points, fill="none", stroke=option_colour(name),
                            stroke_width=2, class_="series", data_option=name))  # fmt: skip
    body += _breakeven_markers(engine, curves, x, y)
    ends = sorted(curves.items(), key=lambda item: -float(item[1][-1]))
    items = [(option_colour(n), f"{option_label(n)}: {money(c[-1], currency)}") for n, c in ends]
    body += legend(items, x=WIDTH - RIGHT + 12, y=TOP + 8)
    description = "; ".join(f"{option_label(n)} reaches {money(c[-1], currency)}" for n, c in ends)
    return document(width=WIDTH, height=HEIGHT, title=title, description=description,
                    body=body)  # fmt: skip


def _breakeven_markers(engine, curves, x, y) -> list[str]:
    """A dot where the option cheaper at the horizon becomes and stays cheaper."""
    parts = []
    for row in engine.breakevens:
        month, cheaper = row.breakeven_month, row.cheaper_at_horizon
        if not month or cheaper not in curves or any(o not in curves for o in row.options):
            continue  # none, or cheaper from the start: nothing crosses
        curve = curves[cheaper]
        value = float(np.interp(month, np.arange(len(curve)), curve))
        dearer = next(o for o in row.options if o != cheaper)
        parts.append(
            element("circle", cx=x(month), cy=y(value), r=4.5, fill="#ffffff", stroke=INK,
                    stroke_width=2, class_="breakeven", data_month=f"{month:.2f}",
                    data_cheaper=cheaper, data_dearer=dearer)
        )  # fmt: skip
        parts.append(text(x(month) + 6, y(value) - 8, f"month {month:.1f}", font_size=11,
                          class_="breakeven-label"))  # fmt: skip
    return parts


def component_totals(option: OptionOutcome) -> dict[str, float]:
    """Each component's sum over time 0 and every month (zero components left out)."""
    found = {}
    for name, flows in (option.monthly_by_component or {}).items():
        value = float(np.sum(np.asarray(flows, dtype=float)))
        if abs(value) >= 0.5:
            found[name] = value
    return found


def _two_lines(label: str) -> list[str]:
    words = label.split()
    if len(words) < 2:
        return [label]
    cut = max(1, len(words) // 2)
    return [" ".join(words[:cut]), " ".join(words[cut:])]


def components_svg(engine: EngineResults | None) -> str:
    """Stacked bars of each option's cost by component; credits (residual value) stack below 0."""
    title = "Cost by component per option"
    options = available_options(engine)
    if not options:
        return no_data(title, "No option could be costed for this run.")
    currency = engine.currency
    parts = {name: component_totals(row) for name, row in options.items()}
    high = max(sum(v for v in p.values() if v > 0) for p in parts.values())
    low = min(0.0, min(sum(v for v in p.values() if v < 0) for p in parts.values()))
    y_ticks = nice_ticks(low, high)
    y = Scale((y_ticks[0], y_ticks[-1]), (HEIGHT - BOTTOM, TOP))
    slot = (WIDTH - RIGHT - LEFT) / len(options)
    bar_width = min(56.0, slot * 0.6)
    body = [text(LEFT, 22, f"{title} ({currency}, over the horizon)", font_weight="bold",
                 font_size=13)]  # fmt: skip
    body += y_axis(y, y_ticks, left=LEFT, right=WIDTH - RIGHT, label=lambda v: money(v, currency))
    body.append(element("line", x1=LEFT, x2=WIDTH - RIGHT, y1=y(0), y2=y(0), stroke=INK))
    used: dict[str, None] = {}
    for i, (name, components) in enumerate(parts.items()):
        left = LEFT + slot * i + (slot - bar_width) / 2
        above = below = 0.0
        for component, value in components.items():
            used[component] = None
            start = above if value > 0 else below
            end = start + value
            above, below = (end, below) if value > 0 else (above, end)
            top, bottom = y(max(start, end)), y(min(start, end))
            body.append(
                element("rect", x=left, y=top, width=bar_width, height=max(bottom - top, 0.0),
                        fill=component_colour(component), class_="segment", data_option=name,
                        data_component=component, data_value=f"{value:.2f}")
            )  # fmt: skip
        centre = left + bar_width / 2
        body.append(text(centre, y(above) - 5, money(options[name].total, currency),
                         text_anchor="middle", font_size=11, class_="bar-total",
                         data_option=name))  # fmt: skip
        for line, words in enumerate(_two_lines(option_label(name))):
            body.append(text(centre, HEIGHT - BOTTOM + 16 + 12 * line, words,
                             text_anchor="middle", fill=option_colour(name)))  # fmt: skip
    items = [(component_colour(c), c.replace("_", " ")) for c in used]
    body += legend(items, x=WIDTH - RIGHT + 12, y=TOP + 8, line_height=16)
    description = "; ".join(
        f"{option_label(n)}: {money(options[n].total, currency)} in total" for n in parts
    )
    return document(width=WIDTH, height=max(HEIGHT, TOP + 16 * len(used) + 24),
                    title=title, description=description, body=body)  # fmt: skip
