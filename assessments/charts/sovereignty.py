"""Sovereignty heatmap: workloads by options, coloured by weighted score, blocked cells marked."""

from __future__ import annotations

import itertools

from assessments.reports.formatting import option_label, score
from assessments.results import SovereigntyWorkload

from .svg import INK, MUTED, document, element, no_data, text

CELL_WIDTH, CELL_HEIGHT = 92, 22
LABEL_COLUMN = 210
TOP = 62
LEGEND_HEIGHT = 52
NAME_CHARACTERS = 32
MIN_WIDTH = 680  # the legend's width
BLOCKED_FILL = "#eceff1"
BLOCKED_MARK = "#a93226"
# Red at 0, amber at 2.5, green at 5: the 0-5 scale of the criteria library.
STOPS = ((0.0, (192, 57, 43)), (2.5, (244, 208, 63)), (5.0, (30, 132, 73)))


def score_colour(value: float | None) -> str:
    """The fill of a cell scored ``value`` on 0-5 (grey when unknown)."""
    if value is None:
        return "#cfd8dc"
    value = min(max(float(value), 0.0), 5.0)
    for (low, a), (high, b) in itertools.pairwise(STOPS):
        if value <= high:
            share = (value - low) / (high - low)
            rgb = (round(x + (y - x) * share) for x, y in zip(a, b, strict=True))
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#1e8449"


def _columns(workloads: list[SovereigntyWorkload]) -> list[str]:
    seen: dict[str, None] = {}
    for workload in workloads:
        for option in workload.options:
            seen[option] = None
    return list(seen)


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARACTERS else name[: NAME_CHARACTERS - 1] + "…"


def sovereignty_heatmap_svg(
    workloads: list[SovereigntyWorkload], *, cell_labels: bool = True
) -> str:
    """One row per workload, one column per option; the recommended cell is outlined.

    ``cell_labels=False`` leaves the score out of each cell (colour and marks stay): text is
    what costs most to render, and a long portfolio's heatmap is read by colour anyway.
    """
    title = "Sovereignty score by workload and option"
    columns = _columns(workloads)
    if not workloads or not columns:
        return no_data(title, "No sovereignty scoring for this run.")
    width = max(LABEL_COLUMN + CELL_WIDTH * len(columns) + 20, MIN_WIDTH)
    height = TOP + CELL_HEIGHT * len(workloads) + LEGEND_HEIGHT
    body = [text(10, 20, f"{title} (weighted, 0-5)", font_weight="bold", font_size=13)]
    for j, option in enumerate(columns):
        centre = LABEL_COLUMN + CELL_WIDTH * j + CELL_WIDTH / 2
        words = option_label(option).split()
        lines = [" ".join(words[:1]), " ".join(words[1:])] if len(words) > 1 else words
        for k, line in enumerate(lines):
            body.append(text(centre, TOP - 22 + 12 * k, line, text_anchor="middle", font_size=11,
                             class_="column", data_option=option))  # fmt: skip
    for i, workload in enumerate(workloads):
        top = TOP + CELL_HEIGHT * i
        label = _short(workload.name or workload.id)
        body.append(text(LABEL_COLUMN - 8, top + 15, label, text_anchor="end", class_="row",
                         data_workload=workload.id))  # fmt: skip
        for j, option in enumerate(columns):
            body += _cell(workload, option, LABEL_COLUMN + CELL_WIDTH * j, top, cell_labels)
    body += _legend(TOP + CELL_HEIGHT * len(workloads) + 20)
    blocked = sum(1 for w in workloads for o in w.options.values() if o.blocked)
    description = (
        f"{len(workloads)} workloads by {len(columns)} options; {blocked} blocked cells; "
        "higher scores mean more sovereignty"
    )
    return document(width=width, height=height, title=title, description=description, body=body)


def _cell(
    workload: SovereigntyWorkload, option: str, left: float, top: float, label: bool
) -> list[str]:
    found = workload.options.get(option)
    inner = {"x": left + 1, "y": top + 1, "width": CELL_WIDTH - 2, "height": CELL_HEIGHT - 2}
    ids = {"data_workload": workload.id, "data_option": option}
    if found is None:
        parts = [element("rect", **inner, fill="#ffffff", stroke="#cfd8dc", class_="cell missing",
                         **ids)]  # fmt: skip
        if label:
            parts.append(text(left + CELL_WIDTH / 2, top + 15, "not scored", text_anchor="middle",
                              font_size=11, fill=MUTED))  # fmt: skip
        return parts
    value = found.weighted_score
    recommended = workload.recommended == option
    outline = {"stroke": INK, "stroke_width": 2.5} if recommended else {}
    kind = "cell blocked" if found.blocked else "cell"
    kind += " recommended" if recommended else ""
    if found.blocked:
        right, bottom = left + CELL_WIDTH - 1, top + CELL_HEIGHT - 1
        parts = [
            element("rect", **inner, fill=BLOCKED_FILL, class_=kind, data_score=value, **ids,
                    **outline),
            element("line", x1=left + 1, y1=bottom, x2=right, y2=top + 1, stroke=BLOCKED_MARK,
                    stroke_width=1.5),
        ]  # fmt: skip
        if label:
            parts.append(text(left + CELL_WIDTH / 2, top + 15, f"blocked {score(value)}",
                              text_anchor="middle", font_size=11, fill=BLOCKED_MARK,
                              font_weight="bold"))  # fmt: skip
        return parts
    ink = "#ffffff" if value is not None and (value < 1.2 or value > 3.8) else INK
    parts = [element("rect", **inner, fill=score_colour(value), class_=kind, data_score=value,
                     **ids, **outline)]  # fmt: skip
    if label:
        parts.append(text(left + CELL_WIDTH / 2, top + 15, score(value), text_anchor="middle",
                          fill=ink))  # fmt: skip
    return parts


def _legend(y: float) -> list[str]:
    parts = []
    for i, value in enumerate(range(6)):
        x = 10 + i * 34
        parts.append(element("rect", x=x, y=y, width=30, height=12, fill=score_colour(value)))
        parts.append(text(x + 15, y + 24, str(value), text_anchor="middle", font_size=11))
    parts += [
        element("rect", x=230, y=y, width=30, height=12, fill=BLOCKED_FILL),
        element("line", x1=230, y1=y + 12, x2=260, y2=y, stroke=BLOCKED_MARK, stroke_width=1.5),
        text(266, y + 10, "blocked by a rule", font_size=11),
        element("rect", x=390, y=y, width=30, height=12, fill="#ffffff", stroke=INK,
                stroke_width=2.5),
        text(426, y + 10, "recommended (cheapest not blocked)", font_size=11),
    ]  # fmt: skip
    return parts
