"""Small SVG writer shared by the charts: escaping, the document frame, axes, option colours.

Charts are self-contained SVG strings (no external references, no scripts) so that the same
markup can sit inline in a web page and in the PDF.
"""

from __future__ import annotations

import math
import zlib
from xml.sax.saxutils import escape, quoteattr

from costing.engine.deployment_options import option_field

# "Sovra Sans" is the bundled DejaVu Sans (the report's @font-face); pages without it fall back.
FONT_FAMILY = "Sovra Sans, DejaVu Sans, Verdana, Arial, sans-serif"
INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#d9dee3"

# Fixed per option so that every chart (and page) shows an option in one colour.
OPTION_COLOURS = option_field("colour")
# Options the palette does not name get one of these, chosen by a stable hash of the id.
EXTRA_COLOURS = ("#a93226", "#5d6d7e", "#117a65", "#b9770e", "#6c3483", "#2874a6")

COMPONENT_COLOURS = {
    "purchase": "#1b4f72",
    "refresh": "#2874a6",
    "loan_payments": "#5499c7",
    "residual": "#a9cce3",
    "facility_build": "#6c3483",
    "support": "#a569bd",
    "energy": "#f0a30a",
    "colocation": "#b9770e",
    "staff": "#117a65",
    "software": "#48c9b0",
    "network_storage": "#7f8c8d",
    "cloud_committed": "#ba4a00",
    "cloud_on_demand": "#e67e22",
    "api_tokens": "#943126",
}


def option_colour(option: str) -> str:
    """The colour of ``option`` in every chart."""
    if option in OPTION_COLOURS:
        return OPTION_COLOURS[option]
    return EXTRA_COLOURS[zlib.crc32(option.encode()) % len(EXTRA_COLOURS)]


def component_colour(component: str) -> str:
    if component in COMPONENT_COLOURS:
        return COMPONENT_COLOURS[component]
    return EXTRA_COLOURS[zlib.crc32(component.encode()) % len(EXTRA_COLOURS)]


def attrs(**values) -> str:
    """XML attributes from keyword arguments; ``class_`` -> ``class``, ``data_x`` -> ``data-x``."""
    parts = []
    for key, value in values.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        if isinstance(value, float):
            value = f"{value:.2f}".rstrip("0").rstrip(".")
        parts.append(f"{name}={quoteattr(str(value))}")
    return " ".join(parts)


def element(tag: str, content: str = "", **values) -> str:
    opening = f"<{tag} {attrs(**values)}".rstrip()
    return f"{opening}>{content}</{tag}>" if content else f"{opening}/>"


def text(x: float, y: float, content: str, **values) -> str:
    values.setdefault("fill", INK)
    return element("text", escape(content), x=x, y=y, **values)


def document(*, width: int, height: int, title: str, description: str, body: list[str]) -> str:
    """The SVG frame: viewBox, accessible title and description, the document font."""
    head = attrs(
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width} {height}",
        width=width,
        height=height,
        role="img",
        font_family=FONT_FAMILY,
        font_size=11,
        class_="sovra-chart",
    )
    # Ids from the content: a page holding several charts keeps its ids unique.
    uid = f"chart-{zlib.crc32((title + ''.join(body)).encode()):08x}"
    return (
        f'<svg {head} aria-labelledby="{uid}-title {uid}-desc">'
        f'<title id="{uid}-title">{escape(title)}</title>'
        f'<desc id="{uid}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def no_data(title: str, message: str, *, width: int = 640, height: int = 120) -> str:
    """A readable placeholder for a chart whose inputs are missing or unavailable."""
    body = [
        element("rect", x=0.5, y=0.5, width=width - 1, height=height - 1, fill="#f8f9fa",
                stroke=GRID, rx=4),
        text(16, 28, title, font_weight="bold", font_size=13),
        text(16, 58, message, fill=MUTED, class_="no-data"),
    ]  # fmt: skip
    return document(width=width, height=height, title=title, description=message, body=body)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering [low, high] (1, 2, 2.5 or 5 x 10^n apart)."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = [round(start, 10)]
    while ticks[-1] < high - step * 1e-9:  # stop at the first tick at or above high
        ticks.append(round(start + step * len(ticks), 10))
    return ticks


class Scale:
    """A linear map from data values to pixels."""

    def __init__(self, domain: tuple[float, float], pixels: tuple[float, float]):
        self.low, self.high = domain
        if self.high == self.low:
            self.high = self.low + 1.0
        self.start, self.end = pixels

    def __call__(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return self.start + share * (self.end - self.start)


def text_width(content: str, font_size: float = 11) -> float:
    """Rough width of a label in the document font, for layout (about 0.6 em per character)."""
    return len(content) * font_size * 0.6


def y_axis(scale: Scale, ticks: list[float], *, left: float, right: float, label) -> list[str]:
    """Horizontal grid lines with their labels right-aligned left of the plot."""
    parts = []
    for value in ticks:
        y = scale(value)
        parts.append(element("line", x1=left, x2=right, y1=y, y2=y, stroke=GRID))
        parts.append(
            text(left - 6, y + 4, label(value), text_anchor="end", fill=MUTED,
                 class_="y-tick", data_value=f"{value:g}")
        )  # fmt: skip
    return parts


def x_axis(scale: Scale, ticks: list[float], *, top: float, bottom: float, label) -> list[str]:
    """Vertical grid lines with their labels under the plot."""
    parts = []
    for value in ticks:
        x = scale(value)
        parts.append(element("line", x1=x, x2=x, y1=top, y2=bottom, stroke=GRID))
        parts.append(
            text(x, bottom + 16, label(value), text_anchor="middle", fill=MUTED,
                 class_="x-tick", data_value=f"{value:g}")
        )  # fmt: skip
    return parts


def legend(
    items: list[tuple[str, str]], *, x: float, y: float, line_height: float = 18
) -> list[str]:
    """A column of colour swatches and labels."""
    parts = []
    for i, (colour, label) in enumerate(items):
        top = y + i * line_height
        parts.append(element("rect", x=x, y=top - 9, width=12, height=12, fill=colour, rx=2))
        parts.append(text(x + 18, top + 1, label, class_="legend"))
    return parts
