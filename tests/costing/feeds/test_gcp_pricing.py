"""Google Cloud's pricing.yml (Cyclenerd's build of the Cloud Billing Catalog): GPU machines with
on-demand, spot and committed-use prices. The file is written here in its own format, with
prices of our own, since no copy of it ships with the reference feeds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import yaml

from costing.feeds import FeedError, gcp_pricing, read_feed
from tests.costing.feeds.conftest import cost, machine, pricing_file

AS_OF = date(2026, 12, 1)


def read(data: bytes):
    return gcp_pricing.read(data, as_of=AS_OF)


def test_committed_use_months_become_hourly_committed_prices():
    feed = read(
        pricing_file(
            {
                "a3-highgpu-8g": machine(
                    "h100-80gb",
                    8,
                    **{
                        "us-central1": cost(88.49, 50.609541, 44810.08056, 28370.99813),
                        "europe-west4": cost(),
                    },
                ),
                "n2-standard-8": machine(None, 0),  # no GPU: not a GPU offer
                "g1-small": machine(None, 0),  # a shared-core machine, despite the g
            }
        )
    )
    assert feed.source == "gcp-pricing" and feed.kind == "cloud_gpu"
    row = next(r for r in feed.rows if r["region"] == "us-central1")
    assert (row["provider"], row["instance"], row["gpu_name"], row["gpu_count"]) == (
        "Google Cloud",
        "a3-highgpu-8g",
        "H100 SXM",
        8,
    )
    assert row["on_demand_per_hour"] == Decimal("88.49")
    assert row["spot_per_hour"] == Decimal("50.609541")
    assert row["reserved_1y_per_hour"] == Decimal("61.383672")  # 44,810.08056 / 730 h
    assert row["reserved_3y_per_hour"] == Decimal("38.864381")  # 28,370.99813 / 730 h
    assert row["currency"] == "USD"
    # Dated the day the file was built, not the day it was imported.
    assert row["date"] == date(2026, 7, 30)
    assert row["date_text"] == "GCP list prices as of 2026-07-30"
    assert row["source_row"] == "gcp-pricing:a3-highgpu-8g@us-central1"
    assert "1-year commitment 44810.08056 a month" in row["notes"]
    assert len(feed.rows) == 2 and not feed.missing and not feed.refused


def test_a_machine_without_a_public_commitment_has_no_committed_price():
    feed = read(
        pricing_file(
            {
                "a2-ultragpu-8g": machine(
                    "a100-80gb", 8, **{"europe-west4": cost(month_1y=None, month_3y=None)}
                )
            }
        )
    )
    (row,) = feed.rows
    assert row["gpu_name"] == "A100 80GB SXM"
    assert row["reserved_1y_per_hour"] is None and row["reserved_3y_per_hour"] is None
    assert row["on_demand_per_hour"] == Decimal("10")
    assert "No public committed-use price" in row["notes"]


def test_shares_of_a_gpu_and_unknown_accelerators_are_named_not_guessed():
    feed = read(
        pricing_file(
            {
                "g4-standard-6": machine("rtx6000", 0.125),
                "g4-standard-48": machine("rtx6000", 1),
                "a4-highgpu-8g": machine("b300", 8),
                "a3-edgegpu-8g": machine(None, 0),
            }
        )
    )
    assert [(r["instance"], r["gpu_name"]) for r in feed.rows] == [
        ("g4-standard-48", "RTX PRO 6000 Blackwell")
    ]
    assert [(m.record, m.reason) for m in feed.missing] == [
        ("g4-standard-6", "0.125 of a RTX PRO 6000 Blackwell: no whole-GPU offer")
    ]
    assert sorted((r.record, r.field, r.reason) for r in feed.refused) == [
        ("compute.instance.a3-edgegpu-8g", "accelerator", "no accelerator named: no row of ours"),
        ("compute.instance.a4-highgpu-8g", "b300", "accelerator 'b300' not known"),
    ]


def test_a_price_without_a_column_is_refused_and_a_machine_without_on_demand_is_missing():
    flex = {**cost(), "month_flex": 4000.0}
    spot_only = {"hour_spot": 3.0, "month_spot": 2190.0}
    feed = read(
        pricing_file(
            {"g2-standard-96": machine("l4", 8, **{"europe-west4": flex, "us-east1": spot_only})}
        )
    )
    assert [(r.record, r.field) for r in feed.refused] == [
        ("compute.instance.g2-standard-96.cost.europe-west4", "month_flex")
    ]
    assert [(m.record, m.reason) for m in feed.missing] == [
        ("g2-standard-96@us-east1", "no on-demand price")
    ]
    assert next(r for r in feed.rows if r["region"] == "us-east1")["spot_per_hour"] == 3


def test_without_a_build_date_the_rows_are_dated_the_import_day_and_say_so():
    document = yaml.safe_load(pricing_file({"g2-standard-4": machine("l4", 1)}))
    del document["about"]
    (row,) = read(yaml.safe_dump(document).encode()).rows
    assert row["date"] == AS_OF
    assert "states no build date" in row["notes"]


def test_catalog_sync_reads_it_by_its_source_name():
    rows = read_feed("gcp-pricing", pricing_file({"g2-standard-4": machine("l4", 1)}), as_of=AS_OF)
    assert [r["instance"] for r in rows.rows] == ["g2-standard-4"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"- a\n- list\n", "expected a mapping, got list"),
        (pricing_file({}).replace(b"instance:", b"instances:"), "compute instance: required"),
        (
            pricing_file({"a2-highgpu-1g": {"a100": 1, "cost": ["europe-west4"]}}),
            "compute.instance.a2-highgpu-1g cost: expected a mapping, got list",
        ),
        (
            pricing_file({"a2-highgpu-1g": machine("a100", 1, eu=cost(hour=-3.67))}),
            r"compute.instance.a2-highgpu-1g.cost.eu hour: negative price \(-3.67\)",
        ),
        (
            pricing_file({"a2-highgpu-1g": machine("a100", 1, eu=cost(hour="3.67"))}),
            "compute.instance.a2-highgpu-1g.cost.eu hour: expected a number, got str",
        ),
        (
            pricing_file({"a2-highgpu-1g": machine("a100", "one")}),
            r"compute.instance.a2-highgpu-1g a100: not a GPU count \('one'\)",
        ),
        (pricing_file({"g2-standard-4": machine("l4", 1)})[:-20], "truncated"),
        (b"compute:\n  instance:\n    a: {cost: {eu: {hour: [1\n", "not a YAML document"),
        (b"a: &x [1, 2]\nb: [*x, *x]\n", "anchors and aliases"),
        (b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "nesting depth"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_malformed_files_import_nothing_and_say_where(data, message):
    with pytest.raises(FeedError, match=message):
        read(data)
