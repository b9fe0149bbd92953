"""What an organization sees of the catalogs: public offers, its own overriding them, never
another organization's (alice's negotiated price is hidden from mallory, and the other way)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from costing.models import Catalog, FxRate, Provider
from costing.selectors import (
    catalog_get,
    catalogs_for,
    current_catalogs,
    fx_rate,
    offer_get,
    offers_for,
)
from costing.services import (
    catalog_publish,
    catalog_row_add,
    catalog_version_create,
    private_catalog_create,
    public_catalog_load,
)

SOURCE = {"currency": "USD", "source_url": "https://example.org/prices"}
DAY = date(2026, 1, 1)


@pytest.fixture
def aws(db):
    return Provider.dangerously_unscoped.create(name="AWS")


def gpu(provider, price, *, instance="p5.48xlarge", region="us-east-1", **extra):
    return {
        **SOURCE,
        "provider": provider,
        "instance": instance,
        "region": region,
        "gpu_name": "H100 SXM 80GB",
        "gpu_count": 8,
        "on_demand_per_hour": Decimal(price),
        **extra,
    }


def api(provider, model, price):
    return {**SOURCE, "provider": provider, "model_name": model, "input_price": Decimal(price)}


def server(system, price):
    return {**SOURCE, "system": system, "price": Decimal(price), "price_kind": "list"}


def public_catalog(rows, *, version="1", effective=DAY):
    catalog = Catalog.dangerously_unscoped.create(
        name="Public", version=version, currency="USD", effective_date=effective
    )
    for kind, fields in rows:
        catalog_row_add(catalog=catalog, kind=kind, fields=fields)
    return catalog_publish(catalog=catalog)


def private_catalog(organization, rows, *, publish=True, name="Negotiated", effective=DAY):
    catalog = private_catalog_create(
        organization=organization, name=name, version="1", currency="USD", effective_date=effective
    )
    for kind, fields in rows:
        catalog_row_add(catalog=catalog, kind=kind, fields=fields, organization=organization)
    return catalog_publish(catalog=catalog, organization=organization) if publish else catalog


def prices(queryset, field="on_demand_per_hour"):
    return sorted(getattr(row, field) for row in queryset)


def test_a_negotiated_cloud_price_overrides_the_public_one_for_its_organization_only(
    org, other_org, aws
):
    public_catalog(
        [
            ("cloud_gpu", gpu(aws, "98.32", date=date(2025, 3, 31))),
            ("cloud_gpu", gpu(aws, "55.04", date=date(2025, 11, 9))),
            ("cloud_gpu", gpu(aws, "67.73", region="eu-north-1")),
        ]
    )
    private_catalog(org, [("cloud_gpu", gpu(aws, "40.00"))])
    alice = offers_for(organization=org, kind="cloud_gpu")
    mallory = offers_for(organization=other_org, kind="cloud_gpu")
    # Expected visible / hidden, both ways: the whole public history of the key gives way.
    assert prices(alice) == [Decimal("40.00"), Decimal("67.73")]
    assert prices(mallory) == [Decimal("55.04"), Decimal("67.73"), Decimal("98.32")]


def test_a_negotiated_api_price_overrides_by_provider_and_model(org, other_org, aws):
    openai = Provider.dangerously_unscoped.create(name="OpenAI")
    public_catalog(
        [
            ("api", api(openai, "gpt-4o", "2.50")),
            ("api", api(openai, "gpt-4o-mini", "0.15")),
            ("api", api(aws, "gpt-4o", "2.60")),  # same model, another provider: not overridden
        ]
    )
    private_catalog(org, [("api", api(openai, "gpt-4o", "2.00"))])
    assert prices(offers_for(organization=org, kind="api"), "input_price") == [
        Decimal("0.15"),
        Decimal("2.00"),
        Decimal("2.60"),
    ]
    assert prices(offers_for(organization=other_org, kind="api"), "input_price") == [
        Decimal("0.15"),
        Decimal("2.50"),
        Decimal("2.60"),
    ]


def test_a_negotiated_server_price_overrides_by_system(org, other_org):
    public_catalog(
        [("server", server("DGX H100", "270000")), ("server", server("DGX A100", "199000"))]
    )
    private_catalog(other_org, [("server", server("DGX H100", "240000"))])
    assert prices(offers_for(organization=org, kind="server"), "price") == [
        Decimal("199000"),
        Decimal("270000"),
    ]
    assert prices(offers_for(organization=other_org, kind="server"), "price") == [
        Decimal("199000"),
        Decimal("240000"),
    ]


def test_another_organizations_catalog_and_offers_answer_none(org, other_org, aws):
    theirs = private_catalog(other_org, [("cloud_gpu", gpu(aws, "40.00"))])
    offer = offers_for(organization=other_org, kind="cloud_gpu").get()
    assert catalog_get(organization=org, pk=theirs.pk) is None
    assert offer_get(organization=org, kind="cloud_gpu", pk=offer.pk) is None
    assert theirs not in catalogs_for(organization=org)
    assert catalog_get(organization=other_org, pk=theirs.pk) == theirs
    assert offer_get(organization=other_org, kind="cloud_gpu", pk=offer.pk) == offer


def test_a_draft_private_catalog_overrides_nothing_yet(org, aws):
    public_catalog([("cloud_gpu", gpu(aws, "55.04"))])
    private_catalog(org, [("cloud_gpu", gpu(aws, "40.00"))], publish=False)
    assert prices(offers_for(organization=org, kind="cloud_gpu")) == [Decimal("55.04")]


def test_only_the_latest_published_version_of_a_catalog_counts(org, aws):
    first = public_catalog([("cloud_gpu", gpu(aws, "98.32"))])
    second = catalog_version_create(catalog=first, version="2", effective_date=DAY + timedelta(1))
    row = offers_for(organization=org, kind="cloud_gpu").get()
    catalog_row_add(catalog=second, kind="cloud_gpu", fields=gpu(aws, "55.04", instance="p5e"))
    assert prices(offers_for(organization=org, kind="cloud_gpu")) == [Decimal("98.32")]
    catalog_publish(catalog=second)
    assert prices(offers_for(organization=org, kind="cloud_gpu")) == [
        Decimal("55.04"),
        Decimal("98.32"),
    ]
    assert row.catalog_id == first.pk
    assert all(o.catalog_id == second.pk for o in offers_for(organization=org, kind="cloud_gpu"))


def test_a_catalog_not_yet_effective_does_not_count(org, aws):
    tomorrow = timezone.localdate() + timedelta(days=1)
    public_catalog([("cloud_gpu", gpu(aws, "1.50"))], effective=tomorrow)
    assert not offers_for(organization=org, kind="cloud_gpu").exists()
    assert offers_for(organization=org, kind="cloud_gpu", on=tomorrow).count() == 1


def test_the_public_load_is_visible_to_every_organization(org, other_org):
    report = public_catalog_load()
    assert current_catalogs(organization=org) == [report.catalog]
    # The shipped CSVs' 80 and 71 rows, and the shipped feed subsets' 4 and 37.
    assert offers_for(organization=org, kind="cloud_gpu").count() == 84
    assert offers_for(organization=other_org, kind="api").count() == 108
    assert offers_for(organization=org, kind="server").count() == 11


def test_offers_are_read_in_a_fixed_number_of_queries(org, aws, django_assert_max_num_queries):
    public_catalog(
        [("cloud_gpu", gpu(aws, str(price), instance=f"i{price}")) for price in range(1, 40)]
    )
    # The versions in force, the offers, then their providers, GPUs and catalogs once each.
    with django_assert_max_num_queries(5):
        rows = list(offers_for(organization=org, kind="cloud_gpu"))
        assert {row.provider.name for row in rows} == {"AWS"}


def test_an_unknown_kind_is_refused(org):
    with pytest.raises(ValueError, match="Unknown offer kind"):
        offers_for(organization=org, kind="figure")


# Currency conversion through FX rates, with the rate, date and source shown.


@pytest.fixture
def rates(db):
    def add(base, quote, rate, day, source="https://ecb.example/table"):
        FxRate.objects.create(
            base=base,
            quote=quote,
            rate=Decimal(rate),
            date=date.fromisoformat(day),
            source_url=source,
        )

    add("EUR", "USD", "1.0411", "2025-02-28")
    add("EUR", "USD", "1.0889", "2025-03-14")
    add("EUR", "GBP", "0.84183", "2025-03-14")
    add("USD", "JPY", "149.49", "2025-02-21", source="https://fed.example/h10")


def test_the_latest_rate_on_or_before_the_day_is_used(rates):
    quote = fx_rate(base="EUR", quote="USD", on=date(2025, 3, 1))
    assert (quote.rate, quote.date) == (Decimal("1.0411"), date(2025, 2, 28))
    assert quote.sources == ("https://ecb.example/table",)
    assert fx_rate(base="EUR", quote="USD", on=date(2025, 3, 20)).rate == Decimal("1.0889")
    assert quote.convert(Decimal("100")) == Decimal("104.1100")


def test_an_inverse_and_a_cross_rate_say_how_they_were_made(rates):
    inverse = fx_rate(base="USD", quote="EUR", on=date(2025, 3, 20))
    assert inverse.rate == 1 / Decimal("1.0889")
    cross = fx_rate(base="GBP", quote="USD", on=date(2025, 3, 20))
    assert cross.via == "EUR"
    assert cross.rate == (1 / Decimal("0.84183")) * Decimal("1.0889")
    assert cross.date == date(2025, 3, 14)


def test_no_rate_means_no_conversion_never_one_to_one(rates):
    assert fx_rate(base="EUR", quote="USD", on=date(2025, 1, 1)) is None
    assert fx_rate(base="EUR", quote="CHF", on=date(2025, 3, 20)) is None
    assert fx_rate(base="EUR", quote="EUR").rate == 1
