"""SkyPilot's cloud catalogs (``catalogs/<version>/<cloud>/vms.csv``) as cloud GPU offers.

One offer per instance type and region: ``Price`` is on-demand and ``SpotPrice`` spot, per hour
for the whole instance. Rows per availability zone are folded into their region (the highest
on-demand and the lowest spot, noted where zones differ). Each cloud orders its columns its own
way, so columns are found by name. GCP prices a GPU machine in two rows: the host machine type
(no accelerator) and the accelerators alone; a machine is priced as their sum, and stays
unpriced, named, when the file lacks its host row.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

from costing.feeds.base import (
    FeedError,
    FeedRows,
    Missing,
    cloud_row,
    price,
    source_row,
    sourced,
    whole_lines,
)

CATALOG_URL = "https://github.com/skypilot-org/skypilot-catalog/blob/master/catalogs"
REQUIRED = ("InstanceType", "AcceleratorName", "AcceleratorCount", "Region", "Price", "SpotPrice")
# Our provider for each cloud, and the currency its prices are in. SkyPilot treats every price
# as USD; its Seeweb fetcher copies Seeweb's own list price unconverted, and Seeweb bills in EUR.
CLOUDS = {
    "aws": ("AWS", "USD"),
    "gcp": ("Google Cloud", "USD"),
    "azure": ("Microsoft Azure", "USD"),
    "lambda": ("Lambda", "USD"),
    "runpod": ("RunPod", "USD"),
    "nebius": ("Nebius", "USD"),
    "seeweb": ("Seeweb", "EUR"),
    "verda": ("Verda (DataCrunch)", "USD"),
    "scaleway": ("Scaleway", "USD"),
    "ovhcloud": ("OVHcloud", "USD"),
}
# Clouds whose SkyPilot fetcher copies the provider's own list price unconverted: each row says
# so, for staff to check the currency against the provider's price list.
UNCONVERTED = {"seeweb", "verda", "scaleway", "ovhcloud"}
# GCP: the host machine type that carries a given accelerator group (cloud.google.com/compute
# /docs/gpus): A100 40GB on a2-highgpu (16 on a2-megagpu), A100 80GB on a2-ultragpu, H100 on
# a3-highgpu, H200 on a3-ultragpu, B200 on a4-highgpu.
GCP_HOSTS = {
    ("A100", 1): "a2-highgpu-1g",
    ("A100", 2): "a2-highgpu-2g",
    ("A100", 4): "a2-highgpu-4g",
    ("A100", 8): "a2-highgpu-8g",
    ("A100", 16): "a2-megagpu-16g",
    ("A100-80GB", 1): "a2-ultragpu-1g",
    ("A100-80GB", 2): "a2-ultragpu-2g",
    ("A100-80GB", 4): "a2-ultragpu-4g",
    ("A100-80GB", 8): "a2-ultragpu-8g",
    ("H100", 1): "a3-highgpu-1g",
    ("H100", 2): "a3-highgpu-2g",
    ("H100", 4): "a3-highgpu-4g",
    ("H100", 8): "a3-highgpu-8g",
    ("H200", 8): "a3-ultragpu-8g",
    ("B200", 8): "a4-highgpu-8g",
}


def _count(text: str, *, where: str) -> int | None:
    """Accelerator counts are written '8', '8.0'; a fraction (a shared GPU) has no row of ours."""
    try:
        value = Decimal(text.strip())
    except ArithmeticError as exc:
        raise FeedError(f"not a number ({text!r})", where=where, field="AcceleratorCount") from exc
    if value <= 0 or value != value.to_integral_value():
        return None
    return int(value)


def _rows(data: bytes) -> tuple[list[str], list[tuple[int, dict]]]:
    text = whole_lines(data, encoding="utf-8-sig")  # SkyPilot's writers end every line
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = list(reader.fieldnames or [])
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FeedError(f"missing column(s) {', '.join(missing)}", where="line 1")
    records = []
    for raw in reader:
        line = reader.line_num
        if None in raw or any(value is None for value in raw.values()):
            raise FeedError(
                "number of cells differs from the header (truncated?)", where=f"line {line}"
            )
        records.append((line, raw))
    return header, records


def read(data: bytes, *, cloud: str, as_of: date, file_url: str = "") -> FeedRows:
    """Every GPU instance of one cloud's vms.csv, per region (see the module's docstring)."""
    if cloud not in CLOUDS:
        raise FeedError(f"unknown cloud {cloud!r}; known: {', '.join(sorted(CLOUDS))}")
    provider, money = CLOUDS[cloud]
    file_url = file_url or f"{CATALOG_URL}/v8/{cloud}/vms.csv"
    source = f"skypilot-{cloud}"
    result = FeedRows(source=source, kind="cloud_gpu", providers={cloud: provider})
    _, records = _rows(data)
    groups: dict[tuple[str, str], list[tuple[int, dict]]] = defaultdict(list)
    hosts: dict[tuple[str, str], tuple[Decimal | None, Decimal | None]] = {}
    for line, raw in records:
        where = f"line {line}"
        instance = raw["InstanceType"].strip()
        accelerator = raw["AcceleratorName"].strip()
        region = raw["Region"].strip()
        on_demand = price(raw["Price"], where=where, name="Price", text=True)
        spot = price(raw["SpotPrice"], where=where, name="SpotPrice", text=True)
        if not accelerator:
            if instance:
                hosts[(instance, region)] = (on_demand, spot)
            continue
        if not instance and cloud != "gcp":
            raise FeedError("required for an accelerator row", where=where, field="InstanceType")
        count = _count(raw["AcceleratorCount"], where=where)
        if count is None:
            result.missing.append(
                Missing(
                    f"{instance or accelerator} {region}", "a fraction of a GPU: no whole-GPU offer"
                )
            )
            continue
        name = instance or GCP_HOSTS.get(
            (accelerator, count), f"{accelerator} x{count} (host unknown)"
        )
        raw = dict(raw, _count=count, _on_demand=on_demand, _spot=spot, _name=name)
        groups[(name, region)].append((line, raw))
    for (instance, region), members in groups.items():
        first_line, first = members[0]
        on_demands = [m["_on_demand"] for _, m in members if m["_on_demand"] is not None]
        spots = [m["_spot"] for _, m in members if m["_spot"] is not None]
        notes = [f"SkyPilot {cloud} catalog, {len(members)} row(s) from line {first_line}."]
        if cloud in UNCONVERTED:
            notes.append(f"SkyPilot copies {provider}'s list price unconverted, read as {money}.")
        on_demand = max(on_demands) if on_demands else None
        spot = min(spots) if spots else None
        if len(set(on_demands)) > 1:
            notes.append(
                f"On-demand differs by zone ({min(on_demands)}-{max(on_demands)}): highest kept."
            )
        if len(set(spots)) > 1:
            notes.append(f"Spot differs by zone ({min(spots)}-{max(spots)}): lowest kept.")
        key = f"{instance}@{region or 'no-region'}"
        if cloud == "gcp" and not first["InstanceType"].strip():
            host = hosts.get((instance, region))
            if host is None:
                result.missing.append(
                    Missing(
                        key, f"accelerators priced, host machine {instance} absent from the file"
                    )
                )
                notes.append(
                    f"Accelerators alone cost {on_demand}/h; host {instance} not in the file."
                )
                on_demand = spot = None
            else:
                host_on_demand, host_spot = host
                on_demand = on_demand + host_on_demand if on_demand and host_on_demand else None
                spot = spot + host_spot if spot and host_spot else None
                notes.append(
                    f"Host {instance} plus {first['_count']} x {first['AcceleratorName']}."
                )
        if on_demand is None and spot is None and not any(m.record == key for m in result.missing):
            result.missing.append(Missing(key, "neither on-demand nor spot price"))
        elif on_demand is None and spot is not None:
            result.missing.append(Missing(key, "spot only: no on-demand price"))
        result.rows.append(
            cloud_row(
                provider=provider,
                instance=instance[:160],
                region=region,
                gpu=(first["AcceleratorName"].strip(), first["_count"]),
                currency=money,
                prices={"on_demand_per_hour": on_demand, "spot_per_hour": spot},
                source=sourced(
                    url=file_url,
                    as_of=as_of,
                    date_text=f"SkyPilot catalog as of {as_of.isoformat()}",
                    ref=source_row(source, key),
                    notes=" ".join(notes),
                ),
            )
        )
    return result
