"""Dated prices: a scenario "as of" a day is priced with the catalog versions and rows in force
on it, each priced row says since when (and until when) it held, and a currency converts at the
rate in force on that day or stops the build, naming the currency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from costing.engine.evaluate import evaluate
from costing.engine.scenario import load_scenario
from costing.models import Catalog, FxRate
from costing.scenario_offers import NoFxRate
from costing.scenarios import scenario_build
from costing.selectors import NoCatalogInForce, offers_for
from costing.services import catalog_publish, catalog_row_update, catalog_version_create
from costing.services.public_catalog import DATA_GATHERED
from tests.costing.price_history import (
    RISE,
    USD_EUR,
    publish_price_rise,
    renting_organization,
    runpod_l40s,
)


@pytest.fixture
def renderer(db):
    return renting_organization()


@pytest.fixture
def price_rise(renderer):
    return publish_price_rise()


def first_month(organization, on: date) -> float:
    document, _ = scenario_build(
        organization=organization, options=["cloud_on_demand"], horizon_years=1, as_of=on
    )
    result = evaluate(load_scenario(document))
    return float(result.portfolio["cloud_on_demand"].monthly[1])


def test_publishing_a_version_dates_the_end_of_the_one_it_supersedes(price_rise):
    first, second = price_rise
    first.refresh_from_db()

    assert (first.effective_date, first.valid_until) == (DATA_GATHERED, RISE)
    assert (second.effective_date, second.valid_until) == (RISE, None)
    assert str(runpod_l40s(first).validity) == ("in force 2026-11-25 to 2026-12-10 (superseded)")
    assert str(runpod_l40s(second).validity) == "in force from 2026-12-10"


def test_a_back_dated_version_ends_where_the_next_one_begins(price_rise):
    first, _ = price_rise
    between = catalog_version_create(
        catalog=first, version="2026-12-01", effective_date=date(2026, 12, 1)
    )
    catalog_publish(catalog=between)

    by_version = dict(Catalog.objects.public().values_list("version", "valid_until"))
    assert by_version == {
        first.version: date(2026, 12, 1),
        "2026-12-01": RISE,
        "2026-12-10": None,
    }


def test_a_day_before_the_new_version_is_priced_with_the_old_prices(price_rise, renderer):
    """GIVEN RunPod's L40S at 0.79 USD until 2026-12-10 and 0.95 from then
    WHEN the same workload is priced as of 2026-12-09 and as of 2026-12-10
    THEN 100 GPU-hours cost 100 x 0.79 / 1.1684 = 67.61 EUR, then 100 x 0.95 / 1.1684 = 81.31."""
    before = first_month(renderer, date(2026, 12, 9))
    after = first_month(renderer, RISE)

    assert before == pytest.approx(100 * 0.79 * USD_EUR, abs=0.01)  # 67.61
    assert after == pytest.approx(100 * 0.95 * USD_EUR, abs=0.01)  # 81.31
    # The priced row names its version and the days it held.
    document, _ = scenario_build(
        organization=renderer, options=["cloud_on_demand"], as_of=date(2026, 12, 9)
    )
    runpod = next(
        o
        for o in document["offers"]["cloud_gpu"]
        if o["provider"] == "RunPod"
        and o["instance"] == "Community Cloud pod"
        and o["gpu"] == "NVIDIA L40S"
    )
    reference = runpod["on_demand_per_hour"]["source"]["reference"]
    assert "(in force 2026-11-25 to 2026-12-10 (superseded))" in reference
    assert document["prices_as_of"] == "2026-12-09"


def test_pricing_a_past_day_again_gives_the_same_figures(renderer):
    """A day priced before a new version is published prices the same after it."""
    day = date(2026, 12, 9)
    then = first_month(renderer, day)
    publish_price_rise()

    assert first_month(renderer, day) == then
    assert first_month(renderer, RISE) != then


def test_a_day_before_any_published_version_is_refused_naming_the_first(renderer):
    with pytest.raises(NoCatalogInForce) as error:
        scenario_build(organization=renderer, as_of=date(2026, 1, 1))

    assert str(error.value) == (
        "No published price catalog is in force on 2026-01-01: the earliest, "
        f"Sovra public reference prices {Catalog.objects.public().get().version}, takes effect "
        "on 2026-11-25. Choose a 'prices as of' date on or after it."
    )


def test_rows_dated_by_their_source_count_only_on_their_days(renderer):
    """A row's own dates narrow its version's: a price announced from 2026-12-20 is not yet in
    force on 2026-12-19."""
    first = Catalog.objects.public().get()
    second = catalog_version_create(catalog=first, version="2026-12-15", effective_date=RISE)
    catalog_row_update(row=runpod_l40s(second), fields={"valid_from": date(2026, 12, 20)})
    catalog_publish(catalog=second)

    def runpod_on(day):
        rows = offers_for(organization=renderer, kind="cloud_gpu", on=day)
        return rows.filter(
            provider__name="RunPod", instance="Community Cloud pod", gpu_name="L40S 48GB"
        ).count()

    assert [runpod_on(date(2026, 12, 19)), runpod_on(date(2026, 12, 20))] == [0, 1]
    # Without RunPod's community pod, the cheapest L40S is its Secure Cloud pod at 1.09 USD.
    assert first_month(renderer, date(2026, 12, 19)) == pytest.approx(
        100 * 1.09 * USD_EUR, abs=0.01
    )


def test_a_currency_converts_at_the_rate_in_force_on_the_day(renderer):
    """GIVEN the ECB's EUR/USD reference rates of 10 April 2026 (1.1711) and 13 April 2026
    (1.1684), and a public version in force from 1 April 2026
    WHEN 100 L40S GPU-hours at 0.79 USD are priced as of 12 and 13 April
    THEN they cost 79 / 1.1711 = 67.46 EUR, then 79 / 1.1684 = 67.61 EUR."""
    ecb = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
    for day, rate in ((date(2026, 4, 10), "1.1711"), (date(2026, 4, 13), "1.1684")):
        FxRate.objects.create(base="EUR", quote="USD", rate=Decimal(rate), date=day, source_url=ecb)
    first = Catalog.objects.public().get()
    catalog_publish(
        catalog=catalog_version_create(
            catalog=first, version="2026-04-01", effective_date=date(2026, 4, 1)
        )
    )

    assert first_month(renderer, date(2026, 4, 12)) == pytest.approx(79 / 1.1711, abs=0.01)
    assert first_month(renderer, date(2026, 4, 13)) == pytest.approx(79 / 1.1684, abs=0.01)


def test_a_currency_without_a_rate_on_the_day_stops_the_build_naming_it(renderer):
    FxRate.objects.all().delete()

    with pytest.raises(NoFxRate) as error:
        scenario_build(organization=renderer, as_of=date(2026, 12, 4))

    assert str(error.value).startswith(
        "No exchange rate from USD to EUR on or before 2026-12-04: prices in USD cannot be "
        "converted."
    )
