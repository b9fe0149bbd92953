"""Parse servers.csv, gpus.csv, facility.csv, staff.csv and fx.csv into model field values."""

from __future__ import annotations

import re
from pathlib import Path

from costing.models import FigureKind, ParameterKind, PriceKind
from costing.services.rows import Row, RowError, read_rows

SERVER_COLUMNS = (
    "system",
    "gpu",
    "gpu_count",
    "price",
    "currency",
    "price_kind",
    "power_max_kw",
    "power_typical_kw",
    "rack_units",
    "year",
    "source_url",
    "source_date",
    "notes",
)
GPU_COLUMNS = (
    "gpu",
    "vendor",
    "form_factor",
    "memory_gb",
    "memory_bandwidth_tb_s",
    "bf16_dense_tflops",
    "fp8_dense_tflops",
    "int8_dense_tops",
    "fp4_dense_tflops",
    "tdp_w",
    "interconnect_gb_s",
    "launch_year",
    "source_url",
    "source_date",
    "notes",
)
FIGURE_COLUMNS = ("item", "region", "value", "unit", "year", "source_url", "source_date", "notes")
FX_COLUMNS = ("base", "quote", "rate", "date", "source_url")

# servers.csv rows whose system starts so are parameters (value in `price`, unit in `currency`).
PARAMETER_PREFIXES = {
    "lifecycle:": ParameterKind.LIFECYCLE,
    "residual:": ParameterKind.RESIDUAL,
    "support:": ParameterKind.SUPPORT,
}
_PRICE_KIND = {
    "list": PriceKind.LIST,
    "street": PriceKind.STREET,
    "estimate": PriceKind.ESTIMATE,
    "estimate-from-source": PriceKind.ESTIMATE,
    "": "",
}
_UNIT_CURRENCY = re.compile(r"^([A-Z]{3})\b")


def _sourced(row: Row) -> dict:
    day, day_text = row.date("source_date")
    return {
        "date": day,
        "date_text": day_text,
        "source_url": row.text("source_url"),
        "source_row": row.ref,
        "notes": row.text("notes"),
    }


def parameter_kind(system: str) -> str:
    lowered = system.lower()
    return next(
        (kind for prefix, kind in PARAMETER_PREFIXES.items() if lowered.startswith(prefix)), ""
    )


def parse_servers(path: Path, errors: list[RowError]) -> tuple[list[dict], list[dict]]:
    """(servers, parameters) from servers.csv."""
    servers, parameters = [], []
    for row in read_rows(path, SERVER_COLUMNS, errors):
        system = row.text("system", required=True)
        kind = parameter_kind(system)
        if kind:
            unit = row.text("currency", required=True)
            fields = {
                "kind": kind,
                "key": system,
                "gpu_name": row.text("gpu"),
                "gpu_count": row.integer("gpu_count"),
                "value": row.decimal("price", required=True, positive=True),
                "unit": unit,
                "currency": unit if re.fullmatch(r"[A-Z]{3}", unit) else "",
                "year": row.integer("year"),
                **_sourced(row),
            }
            if row.ok:
                parameters.append(fields)
            continue
        fields = {
            "system": system,
            "gpu_name": row.text("gpu"),
            "gpu_count": row.integer("gpu_count"),
            "price": row.decimal("price", positive=True),
            "currency": row.currency("currency"),
            "price_kind": row.choice("price_kind", _PRICE_KIND),
            "power_max_kw": row.decimal("power_max_kw", positive=True, places=3),
            "power_typical_kw": row.decimal("power_typical_kw", positive=True, places=3),
            "rack_units": row.integer("rack_units"),
            "year": row.integer("year"),
            **_sourced(row),
        }
        if fields["price"] is not None and not fields["currency"]:
            row.error("currency", "required where the row has a price")
        if fields["price"] is not None and not fields["price_kind"]:
            row.error("price_kind", "required where the row has a price")
        if row.ok:
            servers.append(fields)
    return servers, parameters


def parse_gpus(path: Path, errors: list[RowError]) -> list[dict]:
    gpus = []
    for row in read_rows(path, GPU_COLUMNS, errors):
        fields = {
            "name": row.text("gpu", required=True),
            "vendor": row.text("vendor", required=True),
            "form_factor": row.text("form_factor"),
            "memory_gb": row.decimal("memory_gb", required=True, positive=True, places=2),
            "memory_bandwidth_tb_s": row.decimal("memory_bandwidth_tb_s", positive=True, places=3),
            "bf16_dense_tflops": row.decimal("bf16_dense_tflops", positive=True, places=2),
            "fp8_dense_tflops": row.decimal("fp8_dense_tflops", positive=True, places=2),
            "int8_dense_tops": row.decimal("int8_dense_tops", positive=True, places=2),
            "fp4_dense_tflops": row.decimal("fp4_dense_tflops", positive=True, places=2),
            "tdp_w": row.integer("tdp_w"),
            "interconnect_gb_s": row.integer("interconnect_gb_s"),
            "launch_year": row.integer("launch_year"),
            "source_url": row.text("source_url"),
            "date_text": row.text("source_date"),
            "notes": row.text("notes"),
        }
        if row.ok:
            gpus.append(fields)
    return gpus


def parse_figures(path: Path, kind: FigureKind, errors: list[RowError]) -> list[dict]:
    figures = []
    for row in read_rows(path, FIGURE_COLUMNS, errors):
        unit = row.text("unit", required=True)
        currency = _UNIT_CURRENCY.match(unit)
        fields = {
            "kind": kind,
            "item": row.text("item", required=True),
            "region": row.text("region"),
            "value": row.decimal("value", required=True),
            "unit": unit,
            "currency": currency[1] if currency else "",
            "period": row.text("year"),
            **_sourced(row),
        }
        if row.ok:
            figures.append(fields)
    return figures


def parse_fx(path: Path, errors: list[RowError]) -> list[dict]:
    rates = []
    for row in read_rows(path, FX_COLUMNS, errors):
        fields = {
            "base": row.currency("base", required=True),
            "quote": row.currency("quote", required=True),
            "rate": row.decimal("rate", required=True, positive=True, places=8),
            "date": row.date("date", required=True)[0],
            "source_url": row.text("source_url", required=True),
        }
        if fields["base"] and fields["base"] == fields["quote"]:
            row.error("quote", "same currency as base")
        if row.ok:
            rates.append(fields)
    return rates
