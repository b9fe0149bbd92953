"""Reading the charts back: parse the SVG and map axis values to pixels as the chart drew them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    """The chart's root, after checking what every chart must have."""
    root = ET.fromstring(svg)  # noqa: S314 - our own chart output
    assert root.tag == f"{NS}svg"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.find(f"{NS}title").text
    assert "href" not in svg and "url(" not in svg  # no external references
    return root


def find(root: ET.Element, tag: str, cls: str | None = None) -> list[ET.Element]:
    found = root.iter(f"{NS}{tag}")
    return [e for e in found if cls is None or cls in (e.get("class") or "").split()]


def axis(root: ET.Element, cls: str, coordinate: str):
    """A function value -> pixel from the tick labels (``x-tick`` or ``y-tick``)."""
    ticks = sorted((float(e.get("data-value")), float(e.get(coordinate))) for e in find(
        root, "text", cls))  # fmt: skip
    (v0, p0), (v1, p1) = ticks[0], ticks[-1]
    return lambda value: p0 + (value - v0) * (p1 - p0) / (v1 - v0)


def y_tick_pixel(root: ET.Element):
    """Tick labels sit 4 px below their grid line: the line's pixel is the label's y - 4."""
    to_label = axis(root, "y-tick", "y")
    return lambda value: to_label(value) - 4


def texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter(f"{NS}text")]
