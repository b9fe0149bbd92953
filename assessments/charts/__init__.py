"""Charts of assessment results as inline SVG strings, shared by the web pages and the PDF.

Pure functions from the run's typed results (``assessments.results``); no Django. An option
has one colour everywhere.
"""

from .cost import components_svg, cumulative_cost_svg
from .sovereignty import sovereignty_heatmap_svg
from .svg import option_colour
from .uncertainty import monte_carlo_svg, tornado_svg

__all__ = [
    "components_svg",
    "cumulative_cost_svg",
    "monte_carlo_svg",
    "option_colour",
    "sovereignty_heatmap_svg",
    "tornado_svg",
]
