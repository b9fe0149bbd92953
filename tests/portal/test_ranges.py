"""Every number of a workload has one documented range, and each way in applies it."""

from __future__ import annotations

from pathlib import Path

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from portal.models import Workload
from portal.ranges import WORKLOAD_RANGES
from portal.services.workload_rows import WORKLOAD_COLUMNS, column_help
from portal.web.forms import WorkloadForm

README = Path(__file__).resolve().parents[2] / "README.md"
NUMBERS = (models.IntegerField, models.DecimalField, models.FloatField)


def _limits(field) -> tuple:
    low = next(v.limit_value for v in field.validators if isinstance(v, MinValueValidator))
    high = next(v.limit_value for v in field.validators if isinstance(v, MaxValueValidator))
    return low, high


def test_every_number_of_a_workload_takes_its_range_from_the_table():
    numbers = {
        f.name
        for f in Workload._meta.get_fields()
        if isinstance(f, NUMBERS) and not f.primary_key and not f.is_relation
    }
    assert numbers == set(WORKLOAD_RANGES)
    for name, allowed in WORKLOAD_RANGES.items():
        assert _limits(Workload._meta.get_field(name)) == (allowed.minimum, allowed.maximum)


def test_the_api_schema_states_each_range():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    properties = schema["components"]["schemas"]["WorkloadRequest"]["properties"]
    for name, allowed in WORKLOAD_RANGES.items():
        assert properties[name]["minimum"] == allowed.minimum, name
        assert properties[name]["maximum"] == allowed.maximum, name


def test_the_form_shows_each_range_beside_its_field(org):
    form = WorkloadForm(organization=org)
    for name, allowed in WORKLOAD_RANGES.items():
        field = form.fields[name]
        assert field.widget.attrs["max"] == str(allowed.maximum)
        assert field.help_text.endswith(f"Range: {allowed.describe()}.")
    assert form.fields["avg_input_tokens"].help_text == (
        "Prompt plus context per request, in tokens. Range: 0 to 10,000,000 tokens per request."
    )


def test_the_import_help_states_each_range():
    allowed = {row["column"]: row["allowed"] for row in column_help()}
    assert set(WORKLOAD_RANGES) <= set(WORKLOAD_COLUMNS)
    for name, rng in WORKLOAD_RANGES.items():
        assert allowed[name] == rng.describe()
    assert allowed["peak_factor"] == "1 to 100 x"


def test_the_readme_documents_each_range_and_why():
    text = README.read_text(encoding="utf-8")
    for name, allowed in WORKLOAD_RANGES.items():
        assert f"| `{name}` | {allowed.describe()} | {allowed.why} |" in text, name
