"""Store a run's results as its steps compute them: each section's portfolio-level part on a
section row, and each workload's part of the engine and sovereignty sections on a row of its own.

PostgreSQL holds at most 256 MB in one jsonb document; the per-workload parts of a portfolio of
thousands are larger than that, so they never go into one. A succeeded run's ``results`` keep
the portfolio-level parts (with empty ``workloads``) and its workload rows keep the rest; the
selectors put them back together (``assessments.selectors.run_results``).
"""

from __future__ import annotations

import orjson
from django.db import models, transaction
from django.db.models import F, Func, Value

from assessments.models import AssessmentRun, RunSection, RunWorkloadResult
from assessments.results import RESULTS_SCHEMA_VERSION

# The sections with a part per workload, under this key, in the engine's workload order.
PER_WORKLOAD_SECTIONS = ("engine", "sovereignty")
WORKLOADS_KEY = "workloads"
# Rows per INSERT: large enough to amortise the round trip, small enough to bound its memory.
BATCH_ROWS = 500


def _dumps(value) -> str:
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def run_section_store(*, run: AssessmentRun, name: str, section) -> None:
    """Store ``section`` (JSON-ready, checked) of a running run, replacing an earlier try's; the
    caller holds the transaction. A per-workload section's workloads go to their own rows."""
    portfolio = section
    if name in PER_WORKLOAD_SECTIONS and section is not None:
        portfolio = {key: value for key, value in section.items() if key != WORKLOADS_KEY}
        portfolio[WORKLOADS_KEY] = []
        run_workload_rows_store(
            run=run, name=name, start=0, rows=section[WORKLOADS_KEY], whole=True
        )
    sections = RunSection.objects.for_organization(run.organization)
    sections.filter(run=run, name=name).delete()  # an earlier try's
    RunSection.objects.create_in(run.organization, run=run, name=name, data=_dumps(portfolio))


def run_workload_rows_store(
    *, run: AssessmentRun, name: str, start: int, rows: list[dict], whole: bool = False
) -> None:
    """Store the workloads ``rows`` of section ``name`` at positions ``start``...; ``whole``:
    they are the section's every workload (rows an earlier try left beyond them go too)."""
    scoped = RunWorkloadResult.objects.for_organization(run.organization).filter(
        run=run, section=name
    )
    with transaction.atomic():
        if whole:
            scoped.delete()
        else:
            scoped.filter(position__gte=start, position__lt=start + len(rows)).delete()
        for offset in range(0, len(rows), BATCH_ROWS):
            scoped.bulk_create(
                [
                    RunWorkloadResult(
                        organization=run.organization,
                        run=run,
                        section=name,
                        position=start + offset + i,
                        workload_id=row["id"],
                        data=_dumps(row),
                    )
                    for i, row in enumerate(rows[offset : offset + BATCH_ROWS])
                ]
            )


def run_sections_stored(*, run: AssessmentRun) -> dict:
    """The sections an earlier try of this running run stored, whole again (a redelivered task
    resumes after them)."""
    rows = RunSection.objects.for_organization(run.organization).filter(run=run)
    sections = {name: orjson.loads(data) for name, data in rows.values_list("name", "data")}
    for name in PER_WORKLOAD_SECTIONS:
        section = sections.get(name)
        if section is None:
            continue
        section[WORKLOADS_KEY] = [
            orjson.loads(data)
            for data in RunWorkloadResult.objects.for_organization(run.organization)
            .filter(run=run, section=name)
            .order_by("position")
            .values_list("data", flat=True)
            .iterator(chunk_size=BATCH_ROWS)
        ]
    return sections


class ResultsFromSections(Func):
    """A run's results with its stored sections set, by the database: the sections are parsed
    there, once, instead of being sent again as one document."""

    output_field = models.JSONField()

    def __init__(self, run_id: int):
        super().__init__(F("results"), Value(run_id))

    def _parts(self, compiler, connection) -> tuple[list[str], list]:
        sqls, params = [], []
        for expression in self.get_source_expressions():
            sql, found = compiler.compile(expression)
            sqls.append(sql)
            params.extend(found)
        return sqls, params

    def _sections(self, connection, aggregate: str, run_id: str) -> str:
        # The table's name comes from the model, the run's id is a parameter (S608).
        table = connection.ops.quote_name(RunSection._meta.db_table)
        return f"(SELECT {aggregate} FROM {table} WHERE run_id = {run_id})"  # noqa: S608

    def as_postgresql(self, compiler, connection, **extra):
        (results, run_id), params = self._parts(compiler, connection)
        sections = self._sections(connection, "jsonb_object_agg(name, data::jsonb)", run_id)
        version = f"jsonb_build_object('schema_version', {RESULTS_SCHEMA_VERSION:d})"
        return (
            f"COALESCE({results}, '{{}}'::jsonb) || COALESCE({sections}, '{{}}'::jsonb) "
            f"|| {version}",
            params,
        )

    def as_sql(self, compiler, connection, **extra):  # SQLite's JSON functions
        (results, run_id), params = self._parts(compiler, connection)
        sections = self._sections(connection, "json_group_object(name, json(data))", run_id)
        # The embedded default keeps nothing in the row's results while a run computes.
        merged = f"COALESCE({sections}, {results}, '{{}}')"
        return f"json_set({merged}, '$.schema_version', {RESULTS_SCHEMA_VERSION:d})", params
