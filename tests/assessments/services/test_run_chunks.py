"""A large run split into chunks (costing by workloads, Monte Carlo by samples) gives exactly the
results of the same run computed whole."""

from __future__ import annotations

import pytest

from assessments import compute
from assessments.models import Assessment, AssessmentRun, RunChunk, RunStatus
from assessments.selectors import run_results_document
from assessments.services.assessments import assessment_save
from assessments.services.run_chunks import CHUNK_PARTS
from assessments.services.runs import assessment_run_execute
from costing.engine.sovereignty_price import rules_refuse

pytestmark = pytest.mark.django_db

# The placement's solver timings differ from one solve to the next; nothing else may.
TIMINGS = {"solve_seconds", "baseline_seconds", "total_seconds"}


def _computed(demo, number: int):
    assessment = assessment_save(
        organization=demo,
        assessment=Assessment(name=f"Chunked {number}", monte_carlo_samples=300, random_seed=7),
    )
    run = AssessmentRun.objects.create_in(demo, assessment=assessment, number=number)
    assert assessment_run_execute(organization_id=demo.pk, run_id=run.pk) == RunStatus.SUCCEEDED
    return AssessmentRun.objects.for_organization(demo).get(pk=run.pk)


def _comparable(run) -> dict:
    results = run_results_document(run)
    results["placement"] = {
        k: v for k, v in (results["placement"] or {}).items() if k not in TIMINGS
    }
    return results


def test_a_run_split_into_tiny_chunks_equals_the_run_computed_whole(demo, settings, monkeypatch):
    settings.SOVRA_RUN_CHUNK_WORKLOADS = 0
    whole = _computed(demo, 1)
    computed: list[tuple[str, int, int]] = []
    for step, part in list(CHUNK_PARTS.items()):

        def counted(snapshot, start, stop, step=step, part=part):
            computed.append((step, start, stop))
            return part(snapshot, start, stop)

        monkeypatch.setitem(CHUNK_PARTS, step, counted)
    settings.SOVRA_RUN_CHUNK_WORKLOADS = 2
    split = _computed(demo, 2)
    workloads = len(whole.snapshot["scenario"]["workloads"])
    assert workloads > 4
    # Rules refuse offers here: the chunks price their workloads unrestricted too.
    assert rules_refuse(compute.scenario_of(whole.snapshot))
    # The split happened: the workloads two by two, the samples in as many chunks, each once.
    chunks = -(-workloads // 2)
    engine = [(a, b) for step, a, b in computed if step == "engine"]
    assert engine == [(a, min(a + 2, workloads)) for a in range(0, workloads, 2)]
    samples = [(a, b) for step, a, b in computed if step == "monte_carlo"]
    assert len(samples) == chunks and samples[0][0] == 0 and samples[-1][1] == 300
    assert not RunChunk.objects.for_organization(demo).filter(run=split).exists()  # merged
    assert _comparable(split) == _comparable(whole)
    assert (split.cheapest_option, split.cheapest_npv) == (
        whole.cheapest_option,
        whole.cheapest_npv,
    )
