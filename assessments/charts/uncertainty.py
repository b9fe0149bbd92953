"""Uncertainty charts: the Monte Carlo NPV range per option, and the tornado of the lead."""

from __future__ import annotations

from assessments.reports.formatting import (
    money,
    option_label,
    percent,
    uncertain_input,
    uncertain_value,
)
from assessments.results import MonteCarloResults, OptionSpread, TornadoResults

from .svg import (
    INK,
    MUTED,
    Scale,
    document,
    element,
    nice_ticks,
    no_data,
    option_colour,
    text,
    x_axis,
)

WIDTH = 840
ROW = 34
LABEL_COLUMN = 150
RIGHT_COLUMN = 120
TOP, BOTTOM = 48, 52
LOW_COLOUR, HIGH_COLOUR = "#2e86c1", "#d35400"


def _spread_known(row: OptionSpread) -> bool:
    return None not in (row.npv.p10, row.npv.p50, row.npv.p90)


def monte_carlo_svg(monte_carlo: MonteCarloResults | None) -> str:
    """Each option's NPV from P10 to P90 with its P50, and how often it is the cheapest."""
    title = "Net present value under uncertainty"
    options = {
        name: row
        for name, row in (monte_carlo.options if monte_carlo else {}).items()
        if _spread_known(row)
    }
    if not options:
        return no_data(title, "No Monte Carlo ran for this scenario (no input ranges given).")
    currency = monte_carlo.currency
    ordered = sorted(options.items(), key=lambda item: item[1].npv.p50)
    ticks = nice_ticks(min(r.npv.p10 for _, r in ordered), max(r.npv.p90 for _, r in ordered), 4)
    height = TOP + ROW * len(ordered) + BOTTOM
    x = Scale((ticks[0], ticks[-1]), (LABEL_COLUMN, WIDTH - RIGHT_COLUMN))
    samples = monte_carlo.samples
    body = [
        text(LABEL_COLUMN, 20, f"{title} ({currency}): P10 to P90, dot at P50", font_weight="bold",
             font_size=13),
        text(WIDTH - RIGHT_COLUMN + 12, TOP - 10, "P(cheapest)", fill=MUTED),
    ]  # fmt: skip
    body += x_axis(
        x, ticks, top=TOP - 4, bottom=height - BOTTOM, label=lambda v: money(v, currency)
    )
    for i, (name, row) in enumerate(ordered):
        centre = TOP + ROW * i + ROW / 2
        npv, colour = row.npv, option_colour(name)
        body.append(text(LABEL_COLUMN - 8, centre + 4, option_label(name), text_anchor="end"))
        body.append(
            element("rect", x=x(npv.p10), y=centre - 5, width=max(x(npv.p90) - x(npv.p10), 1.0),
                    height=10, fill=colour, fill_opacity=0.35, class_="range", data_option=name,
                    data_p10=f"{npv.p10:.2f}", data_p90=f"{npv.p90:.2f}")
        )  # fmt: skip
        body.append(element("circle", cx=x(npv.p50), cy=centre, r=5, fill=colour, class_="p50",
                            data_option=name, data_value=f"{npv.p50:.2f}"))  # fmt: skip
        body.append(text(x(npv.p50), centre - 9, money(npv.p50, currency),
                         text_anchor="middle", font_size=11, fill=MUTED))  # fmt: skip
        share = row.probability_cheapest
        body.append(text(WIDTH - RIGHT_COLUMN + 12, centre + 4, percent(share, 1),
                         class_="probability", data_option=name))  # fmt: skip
    note = f"{samples:,} samples" if isinstance(samples, int) else "samples"
    unavailable = ", ".join(option_label(o) for o in monte_carlo.unavailable)
    footer = note + (f"; not costed: {unavailable}" if unavailable else "")
    body.append(text(LABEL_COLUMN, height - 8, footer, fill=MUTED))
    description = "; ".join(
        f"{option_label(n)}: P50 {money(r.npv.p50, currency)}, cheapest in "
        f"{percent(r.probability_cheapest, 1)} of samples"
        for n, r in ordered
    )
    return document(width=WIDTH, height=height, title=title, description=description, body=body)


def tornado_svg(tornado: TornadoResults | None) -> str:
    """How far one input at a time moves the lead of the cheapest option over the next."""
    title = "What moves the lead"
    bars = [
        b
        for b in (tornado.bars if tornado else [])
        if b.difference_at_low is not None and b.difference_at_high is not None
    ]
    if not bars:
        return no_data(title, "No sensitivity analysis: fewer than two options or no input ranges.")
    currency, first, second = tornado.currency, tornado.first, tornado.second
    baseline = float(tornado.baseline_difference or 0.0)
    values = [baseline, 0.0] + [v for b in bars for v in (b.difference_at_low,
                                                           b.difference_at_high)]  # fmt: skip
    ticks = nice_ticks(min(values), max(values), 4)
    height = TOP + ROW * len(bars) + BOTTOM + 14
    x = Scale((ticks[0], ticks[-1]), (LABEL_COLUMN + 60, WIDTH - 40))
    heading = f"{title}: NPV({option_label(second)}) - NPV({option_label(first)}), {currency}"
    body = [text(20, 20, heading, font_weight="bold", font_size=13)]
    body += x_axis(x, ticks, top=TOP - 4, bottom=height - BOTTOM - 14,
                   label=lambda v: money(v, currency))  # fmt: skip
    for i, bar in enumerate(bars):
        centre = TOP + ROW * i + ROW / 2
        key = bar.input
        ends = f"{uncertain_value(key, bar.low)} to {uncertain_value(key, bar.high)}"
        body.append(text(LABEL_COLUMN + 52, centre, uncertain_input(key), text_anchor="end"))
        body.append(text(LABEL_COLUMN + 52, centre + 11, ends, text_anchor="end", font_size=11,
                         fill=MUTED))  # fmt: skip
        for end, value, colour in (("low", bar.difference_at_low, LOW_COLOUR),
                                   ("high", bar.difference_at_high, HIGH_COLOUR)):  # fmt: skip
            left, right = sorted((x(baseline), x(value)))
            body.append(
                element("rect", x=left, y=centre - 8, width=max(right - left, 1.0), height=14,
                        fill=colour, class_="bar", data_input=bar.input, data_end=end,
                        data_value=f"{value:.2f}")
            )  # fmt: skip
    base = x(baseline)
    body.append(
        element("line", x1=base, x2=base, y1=TOP - 6, y2=height - BOTTOM - 14, stroke=INK,
                stroke_width=1.5, class_="baseline", data_value=f"{baseline:.2f}")
    )  # fmt: skip
    if ticks[0] <= 0 <= ticks[-1]:
        body.append(element("line", x1=x(0), x2=x(0), y1=TOP - 6, y2=height - BOTTOM - 14,
                            stroke="#a93226", stroke_dasharray="4 3", class_="zero"))  # fmt: skip
    key_y = height - 14
    body += [
        element("rect", x=20, y=key_y - 9, width=12, height=10, fill=LOW_COLOUR),
        text(36, key_y, "input at its low", fill=MUTED),
        element("rect", x=150, y=key_y - 9, width=12, height=10, fill=HIGH_COLOUR),
        text(166, key_y, "input at its high", fill=MUTED),
        text(290, key_y, f"line: {money(baseline, currency)} at likely inputs; right of 0, "
             f"{option_label(first)} stays cheaper", fill=MUTED),
    ]  # fmt: skip
    description = "; ".join(
        f"{uncertain_input(b.input)}: {money(b.difference_at_low, currency)} at low, "
        f"{money(b.difference_at_high, currency)} at high"
        for b in bars
    )
    return document(width=WIDTH, height=height, title=title, description=description, body=body)
