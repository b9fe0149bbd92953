"""Number formatting shared by charts, pages and the PDF."""

from decimal import Decimal

import pytest

from assessments.reports import formatting as f


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (4820084.2, "EUR", "4,820,084 EUR"),
        (Decimal("2066085.5"), "EUR", "2,066,086 EUR"),  # half away from zero
        (-574758.93, "EUR", "-574,759 EUR"),
        (-0.2, "USD", "0 USD"),
        (None, "EUR", f.MISSING),
        (float("nan"), "EUR", f.MISSING),
    ],
)
def test_money(value, currency, expected):
    assert f.money(value, currency) == expected


def test_unit_costs_keep_cents_and_percentages_round():
    assert f.unit_money(0.5349, "EUR") == "0.53 EUR"
    assert f.percent(0.3057) == "31%"
    assert f.percent(0.3057, 1) == "30.6%"
    assert f.percent(None) == f.MISSING


def test_months_and_breakevens_read_as_words():
    assert f.months(14.4321) == "month 14.4"
    assert f.breakeven(None) == "never within the horizon"
    assert f.breakeven(0.0) == "from the start"
    assert f.breakeven(59.55) == "from month 59.6"


def test_quantities_keep_the_precision_they_were_given():
    assert f.quantity(52.0) == "52"
    assert f.quantity(0.2001) == "0.2001"
    assert f.quantity(128940) == "128,940"


def test_option_labels():
    assert f.option_label("cloud_on_demand") == "Cloud on demand"
    assert f.option_label("sovereign_cloud") == "sovereign cloud"
    assert f.option_label(None) == f.MISSING


def test_cost_components_read_as_words():
    assert f.component_label("network_storage") == "Network and storage"
    assert f.component_label("api_tokens") == "API tokens"
    assert f.component_label("grid_levy") == "Grid levy"
    assert f.component_label(None) == f.MISSING


def test_a_price_unit_splits_into_its_currency_and_what_it_is_per():
    from assessments.reports.appendix import price_unit

    assert price_unit("USD/hour") == ("USD", "per hour")
    assert price_unit("USD/1M tokens") == ("USD", "per 1M tokens")
    assert price_unit("EUR") == ("EUR", "")
    assert price_unit("ratio") == ("", "ratio")
    assert price_unit("kW") == ("", "kW")
    assert price_unit("") == ("", "")


def test_uncertain_inputs_read_with_their_units():
    from assessments.reports.formatting import uncertain_input, uncertain_range, uncertain_value

    assert uncertain_input("server_price") == "Server prices"
    assert uncertain_input("throughput") == "Throughput (sizing error)"
    assert uncertain_range("demand", 0.8, 1.3) == "\u00d70.80 to \u00d71.30 of the likely value"
    assert uncertain_range("demand_growth_delta_per_year", -0.1, 0.1) == "-10 to +10 pts/year"
    assert uncertain_value("demand_growth_delta_per_year", 0.05) == "+5 pts/year"


def test_a_cell_names_twelve_workloads_and_counts_the_rest():
    from assessments.reports.formatting import workload_names

    few = [{"name": "Archive embeddings"}, {"name": "Metadata tagging"}]
    assert workload_names(few) == "Archive embeddings; Metadata tagging"
    many = [{"name": f"Workload {i}"} for i in range(1, 1001)]
    text = workload_names(many)
    assert text.startswith("Workload 1; Workload 2; ")
    assert text.endswith("Workload 12; and 988 more")
    assert "Workload 13" not in text
    assert workload_names([]) == ""
