"""SkyPilot vms.csv: one offer per instance and region, GCP host plus accelerators."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from costing.feeds import FeedError, skypilot
from tests.costing.feeds.conftest import feed_bytes

AS_OF = date(2026, 11, 20)


def read(cloud, data=None):
    data = data if data is not None else feed_bytes(f"skypilot-{cloud}-vms-gpu.csv")
    return skypilot.read(data, cloud=cloud, as_of=AS_OF)


def offer(feed, instance, region):
    return next(r for r in feed.rows if r["instance"] == instance and r["region"] == region)


@pytest.mark.parametrize(
    ("cloud", "offers"),
    [
        ("aws", 40),
        ("gcp", 118),
        ("azure", 187),
        ("lambda", 374),
        ("runpod", 28),
        ("nebius", 21),
        ("seeweb", 27),
        ("verda", 22),
        ("scaleway", 4),
        ("ovhcloud", 42),
    ],
)
def test_every_cloud_file_is_read(cloud, offers):
    assert len(read(cloud).rows) == offers


def test_nebius_h100_on_demand_and_spot():
    row = offer(read("nebius"), "gpu-h100-sxm_8gpu-128vcpu-1600gb", "eu-north1")
    assert (row["gpu_name"], row["gpu_count"]) == ("H100", 8)
    assert row["on_demand_per_hour"] == Decimal("23.60")
    assert row["spot_per_hour"] == Decimal("10.00")
    assert (row["provider"], row["currency"]) == ("Nebius", "USD")


def test_aws_zones_fold_into_their_region():
    row = offer(read("aws"), "g4dn.metal", "eu-north-1")
    assert row["on_demand_per_hour"] == Decimal("8.3")
    assert row["spot_per_hour"] == Decimal("2.1673")  # the lowest of the region's zones
    assert "Spot differs by zone" in row["notes"]


def test_verda_spot_only_rows_are_missing_on_demand():
    feed = read("verda")
    row = offer(feed, "2B300.60V", "FIN-03")
    assert row["on_demand_per_hour"] is None and row["spot_per_hour"] == Decimal("4.893")
    assert sum("spot only" in m.reason for m in feed.missing) == 5


def test_gcp_accelerators_without_their_host_stay_unpriced():
    feed = read("gcp")
    row = offer(feed, "a2-highgpu-1g", "us-central1")
    assert row["on_demand_per_hour"] is None
    assert len(feed.missing) == 118


def test_gcp_machine_is_host_plus_accelerators():
    data = (
        b"InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo,Region,"
        b"AvailabilityZone,Price,SpotPrice\n"
        b"a2-highgpu-1g,12,85,,,,us-central1,us-central1-a,0.73948,0.29\n"
        b",,,A100,1,{},us-central1,us-central1-a,2.93391,1.1\n"
    )
    row = offer(read("gcp", data), "a2-highgpu-1g", "us-central1")
    assert row["on_demand_per_hour"] == Decimal("3.67339")
    assert row["spot_per_hour"] == Decimal("1.39")


HEADER = (
    b"InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,"
    b"SpotPrice\n"
)


def test_malformed_variants_name_line_and_field():
    with pytest.raises(FeedError, match="missing column"):
        read("nebius", b"InstanceType,AcceleratorName\nx,H100\n")
    with pytest.raises(FeedError, match="line 2 Price: negative price"):
        read("nebius", HEADER + b"x,H100,1,1,1,-2.5,eu-north1,{},\n")
    with pytest.raises(FeedError, match="line 2 Price: not a number"):
        read("nebius", HEADER + b"x,H100,1,1,1,cheap,eu-north1,{},\n")
    truncated = feed_bytes("skypilot-nebius-vms-gpu.csv")[:700]
    with pytest.raises(FeedError, match="truncated"):
        read("nebius", truncated)
    with pytest.raises(FeedError, match="unknown cloud"):
        skypilot.read(HEADER, cloud="moon", as_of=AS_OF)
