"""The one registry of deployment options: every option has every attribute, and everything
that names, colours or classifies an option reads it from there."""

from __future__ import annotations

import re
from dataclasses import fields

from assessments.answer_words import PLACES
from assessments.charts.svg import OPTION_COLOURS, option_colour
from assessments.compute import DEPLOYMENT
from assessments.models.assessment import OPTION_CHOICES
from assessments.reports.formatting import option_label
from assessments.sovereignty.profiles import DEPLOYMENTS
from costing.engine.choices import OWNED
from costing.engine.deployment_options import DEPLOYMENT_OPTIONS, OPTIONS, option_field
from costing.engine.evaluate import evaluate
from costing.engine.scenario import SCHEMA, load_scenario
from tests.costing.engine.test_evaluate import portfolio_document


def test_every_option_has_each_attribute():
    ids = [option.id for option in DEPLOYMENT_OPTIONS]
    assert len(set(ids)) == len(ids) == 6
    for option in DEPLOYMENT_OPTIONS:
        for field in fields(option):
            value = getattr(option, field.name)
            assert value is not None and value != "", (option.id, field.name)
        assert re.fullmatch(r"#[0-9a-f]{6}", option.colour), option.id
        assert option.deployment_class in DEPLOYMENTS, option.id
    colours = option_field("colour").values()
    assert len(set(colours)) == len(DEPLOYMENT_OPTIONS)  # one colour tells one option


def test_forms_charts_pages_and_rules_read_the_registry():
    assert [choice for choice, _ in OPTION_CHOICES] == list(OPTIONS)
    assert option_field("colour") == OPTION_COLOURS
    assert option_field("place") == PLACES
    assert option_field("deployment_class") == DEPLOYMENT
    assert set(OWNED) == {"on_prem", "colocation", "hybrid"}
    assert option_label("cloud_on_demand") == "Cloud on demand"
    assert option_colour("managed_api") == "#7d3c98"
    assert SCHEMA["properties"]["options"]["items"]["enum"] == list(OPTIONS)


def test_the_engine_prices_exactly_the_registered_options():
    document = portfolio_document()
    document["options"] = list(OPTIONS)
    result = evaluate(load_scenario(document)).as_dict()
    assert list(result["portfolio"]) == list(OPTIONS)
