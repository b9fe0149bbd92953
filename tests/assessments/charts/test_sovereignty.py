"""Sovereignty heatmap: one row per workload, blocked cells marked, the recommendation outlined."""

import pytest

from assessments.charts import sovereignty_heatmap_svg
from assessments.charts.sovereignty import score_colour

from .conftest import section
from .helpers import find, parse


def test_one_row_per_workload_and_one_cell_per_option(results):
    sovereignty = results["sovereignty"]
    root = parse(sovereignty_heatmap_svg(section(results, "sovereignty").workloads))
    assert len(find(root, "text", "row")) == len(sovereignty["workloads"]) == 12
    columns = {e.get("data-option") for e in find(root, "text", "column")}
    # No commitment pays in the example (AWS p5 reserved costs more per GPU-hour than Nebius
    # on demand): committed cloud is priced for no workload and has no column.
    assert columns == {"on_prem", "colocation", "cloud_on_demand", "managed_api", "hybrid"}
    assert len(find(root, "rect", "cell")) == 12 * 5


def test_blocked_cells_are_marked_and_the_recommendation_outlined(results):
    root = parse(sovereignty_heatmap_svg(section(results, "sovereignty").workloads))
    cells = {(c.get("data-workload"), c.get("data-option")): c for c in find(root, "rect", "cell")}
    # Restricted archive data at a US provider's API: rule B02 blocks it.
    assert "blocked" in cells["archive-rag", "managed_api"].get("class").split()
    assert "blocked" not in cells["archive-rag", "on_prem"].get("class").split()
    recommended = results["sovereignty"]["workloads"][1]["recommended"]
    assert cells["archive-rag", recommended].get("stroke-width") == "2.5"
    # Qwen2.5 7B has no API offer: metadata tagging has no managed_api cell to score.
    assert "missing" in cells["metadata-tagging", "managed_api"].get("class").split()


def test_cell_colour_follows_the_weighted_score(results):
    root = parse(sovereignty_heatmap_svg(section(results, "sovereignty").workloads))
    scored = [c for c in find(root, "rect", "cell") if c.get("data-score") and
              "blocked" not in c.get("class")]  # fmt: skip
    for cell in scored:
        assert cell.get("fill") == score_colour(float(cell.get("data-score")))
    assert score_colour(0) == "#c0392b"
    assert score_colour(5) == "#1e8449"
    assert score_colour(2.5) == "#f4d03f"


@pytest.mark.parametrize("options", [None, {}], ids=["no-workloads", "no-options"])
def test_no_scoring_gives_a_no_data_chart(options, results):
    workloads = section(results, "sovereignty").workloads[:1]
    for workload in workloads:
        workload.options = options
    root = parse(sovereignty_heatmap_svg([] if options is None else workloads))
    assert len(find(root, "text", "no-data")) == 1


def test_cells_without_labels_keep_their_colour_and_marks(results):
    labelled = parse(sovereignty_heatmap_svg(section(results, "sovereignty").workloads))
    bare = parse(
        sovereignty_heatmap_svg(section(results, "sovereignty").workloads, cell_labels=False)
    )
    assert len(find(bare, "rect", "blocked")) == len(find(labelled, "rect", "blocked")) > 0
    assert len(find(bare, "text")) < len(find(labelled, "text")) - 12 * 5 + 1
