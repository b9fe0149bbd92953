"""Accelerators: one resolver for every name, and the parts a scenario document carries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from costing.engine.evaluate import evaluate
from costing.engine.figure_json import resolve
from costing.engine.hardware import Accelerator, Accelerators, public_accelerators
from costing.engine.scenario import ScenarioInvalid, load_scenario

EXAMPLE = Path(__file__).resolve().parents[3] / "costing/engine/examples/media-house.json"
PUBLIC = public_accelerators()

# A part no reference table knows, as an organization would describe its own.
NPU = {
    "name": "Example NPU 96",
    "vendor": "Example Silicon",
    "form_factor": "OAM",
    "memory_gb": 96,
    "memory_bandwidth_tb_s": 3.0,
    "bf16_tflops": 800,
    "tdp_w": 600,
    "source": {"reference": "vendor datasheet", "url": "https://example.org/npu", "date": ""},
}


@pytest.mark.parametrize(
    ("name", "context", "expected"),
    [
        # The part's own words, in any order and case.
        ("nvidia h100 sxm", "", "NVIDIA H100 SXM"),
        # Family, form and memory read from a price list's wording.
        ("NVIDIA H100 SXM5 80GB HBM3", "", "NVIDIA H100 SXM"),
        ("A100 80GB", "", "NVIDIA A100 80GB SXM"),
        # The instance name states the form the GPU name leaves out.
        ("H200 141GB", "gpu-h200-nvl-1x", "NVIDIA H200 NVL"),
        ("H200 141GB", "HGX H200 8-GPU system", "NVIDIA H200 SXM"),
        # A convention for a bare name: clouds sell the SXM part as "H200".
        ("H200", "", "NVIDIA H200 SXM"),
        ("Gaudi3", "", "Intel Gaudi 3"),
    ],
)
def test_one_resolver_reads_names_as_price_lists_write_them(name, context, expected):
    assert PUBLIC.find(name, context=context).name == expected


def test_a_name_that_fits_several_parts_is_ambiguous_never_guessed():
    found, why = PUBLIC.resolve("H200 141GB")
    assert found is None
    assert why == "ambiguous: NVIDIA H200 NVL, NVIDIA H200 SXM"
    with pytest.raises(KeyError, match="ambiguous: NVIDIA H100 NVL, NVIDIA H100 PCIe"):
        PUBLIC.find("H100")


def test_an_own_part_is_found_by_its_name_only_in_a_table_that_has_it():
    own = Accelerators([*PUBLIC.values(), Accelerator("Example NPU 96", 96, 3.0, 800.0)])
    assert own.find("example npu 96").memory_gb == 96
    assert PUBLIC.resolve("Example NPU 96") == (None, "names no single accelerator family")


def _npu_document() -> dict:
    """The example's chat assistant alone, offered only on the organization's own part."""
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["workloads"] = document["workloads"][:1]
    offer = document["offers"]["cloud_gpu"][0]
    offer.update(gpu="Example NPU 96", instance="npu-96 1x", gpu_count=1)
    document["offers"]["cloud_gpu"] = [offer]
    document["offers"]["servers"] = []
    document["options"] = ["cloud_on_demand"]
    document["accelerators"] = [dict(NPU)]
    return document


def test_a_document_prices_work_on_the_parts_it_carries():
    """GIVEN a document whose accelerators are one part of the organization's own, offered
    for rent at 2.95 USD/h WHEN evaluated THEN the chat assistant is sized and priced on it,
    its figures citing the datasheet the document gave."""
    result = evaluate(load_scenario(_npu_document()))
    workload = result.workloads[0]
    assert [row["gpu"] for row in workload.sizing.values()] == ["Example NPU 96"]
    assert workload.options["cloud_on_demand"].total.mean() > 0
    written = result.as_dict()
    figures = written["workloads"][0]["sizing_figures"]["Example NPU 96"]
    cited = json.dumps(resolve(figures, written["sources"]))
    assert "vendor datasheet" in cited


def test_a_document_table_replaces_the_public_one():
    """The run's frozen table is the whole truth: a public part it lacks is unknown."""
    document = _npu_document()
    document["offers"]["cloud_gpu"][0]["gpu"] = "H100 SXM 80GB"
    with pytest.raises(ScenarioInvalid) as caught:
        load_scenario(document)
    errors = dict(caught.value.errors)
    assert "unknown accelerator 'H100 SXM 80GB'" in errors["$.offers.cloud_gpu[0].gpu"]


def test_an_accelerator_without_bandwidth_is_refused_naming_the_field():
    document = _npu_document()
    del document["accelerators"][0]["memory_bandwidth_tb_s"]
    with pytest.raises(ScenarioInvalid) as caught:
        load_scenario(document)
    assert "memory_bandwidth_tb_s" in json.dumps(caught.value.errors)


def test_two_accelerators_of_one_name_are_refused():
    document = _npu_document()
    document["accelerators"].append({**NPU, "memory_gb": 64})
    with pytest.raises(ScenarioInvalid) as caught:
        load_scenario(document)
    assert "$.accelerators[1].name" in dict(caught.value.errors)
