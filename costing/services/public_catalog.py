"""Load the shipped reference data (costing/data/, feeds/ included) into a public catalog."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction

from costing.feeds import FeedError, ecb
from costing.models import (
    ApiOffer,
    Catalog,
    CatalogParameter,
    CloudGpuOffer,
    FigureKind,
    FxRate,
    GpuSpec,
    Provider,
    ReferenceFigure,
    ServerOffer,
)
from costing.services import files_cloud, files_hardware
from costing.services.catalog_io import catalog_import
from costing.services.catalogs import catalog_publish
from costing.services.gpu_specs import SpecNames
from costing.services.rows import RowError
from costing.services.shipped_feeds import (
    ShippedFeed,
    fx_rates_store,
    shipped_feed_rows,
    shipped_feeds,
    shipped_rates,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# Subsets of public price feeds, read by the feed readers (costing/data/feeds/README.md).
FEEDS = "feeds"
PUBLIC_CATALOG_NAME = "Sovra public reference prices"
# costing/data/README.md: "Public figures gathered on 2026-11-25".
DATA_GATHERED = date(2026, 11, 25)
# The product's own addition to the seed: each API offer's published regional uplift, sourced.
UPLIFTS_FILE = "api_regional_uplifts.csv"


class CatalogLoadError(ValueError):
    """Cells that could not be read; nothing was written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(
            f"{len(errors)} cell(s) could not be read:\n" + "\n".join(map(str, errors))
        )


class CatalogVersionConflict(ValueError):
    """A published version exists under that name with other content: versions never change."""


@dataclass
class ParsedData:
    """Every row of every file, as model field values, and the cells that could not be read."""

    providers: list[dict]
    cloud_gpu: list[dict]
    api: list[dict]
    servers: list[dict]
    parameters: list[dict]
    facility: list[dict]
    staff: list[dict]
    gpus: list[dict]
    fx: list[dict]
    errors: list[RowError]
    # Catalog rows per shipped feed, and the FX rows of the shipped ECB file.
    feeds: list[tuple[ShippedFeed, object]] = field(default_factory=list)
    feed_fx: list[tuple[ShippedFeed, list[dict]]] = field(default_factory=list)


@dataclass
class CatalogLoadReport:
    """What a load did: counts per kind, and what the data lacks (prices, GPUs, providers)."""

    catalog: Catalog
    created: bool
    counts: dict[str, int]
    providers_added: list[str] = field(default_factory=list)
    unpriced: list[str] = field(default_factory=list)
    missing_prices: dict[str, int] = field(default_factory=dict)
    unresolved_gpus: list[str] = field(default_factory=list)
    # Per shipped feed file: rows loaded, of which without a price, and records refused.
    feeds: dict[str, dict[str, int]] = field(default_factory=dict)


def data_digest(data_dir: Path) -> str:
    digest = hashlib.sha256()
    shipped = [p for p in sorted((data_dir / FEEDS).glob("*")) if p.suffix != ".md"]
    for path in [*sorted(data_dir.glob("*.csv")), *shipped]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _parse_feeds(data_dir: Path, parsed: ParsedData) -> None:
    """Read every shipped feed file (all of them, so that every error is named at once)."""
    for feed in shipped_feeds(data_dir / FEEDS, parsed.errors):
        try:
            if feed.source == ecb.SOURCE:
                parsed.feed_fx.append((feed, shipped_rates(feed)))
            else:
                parsed.feeds.append((feed, shipped_feed_rows(feed)))
        except FeedError as exc:
            parsed.errors.append(
                RowError(f"{FEEDS}/{feed.path.name}", 0, exc.field or "file", str(exc), exc.where)
            )


def parse_reference_files(data_dir: Path = DATA_DIR) -> ParsedData:
    """Read every file without touching the database."""
    errors: list[RowError] = []
    servers, parameters = files_hardware.parse_servers(data_dir / "servers.csv", errors)
    api = files_cloud.parse_api_offers(data_dir / "api_offers.csv", errors)
    uplifts = files_cloud.parse_regional_uplifts(data_dir / UPLIFTS_FILE, errors)
    files_cloud.with_regional_uplifts(api, uplifts, UPLIFTS_FILE, errors)
    parsed = ParsedData(
        providers=files_cloud.parse_providers(data_dir / "providers.csv", errors),
        cloud_gpu=files_cloud.parse_cloud_offers(data_dir / "cloud_gpu_offers.csv", errors),
        api=api,
        servers=servers,
        parameters=parameters,
        facility=files_hardware.parse_figures(
            data_dir / "facility.csv", FigureKind.FACILITY, errors
        ),
        staff=files_hardware.parse_figures(data_dir / "staff.csv", FigureKind.STAFF, errors),
        gpus=files_hardware.parse_gpus(data_dir / "gpus.csv", errors),
        fx=files_hardware.parse_fx(data_dir / "fx.csv", errors),
        errors=errors,
    )
    _parse_feeds(data_dir, parsed)
    return parsed


def _missing(parsed: ParsedData) -> tuple[list[str], dict[str, int]]:
    """Rows with no price at all, and how many cells each price field misses."""
    unpriced, counts = [], Counter()
    # (kind, rows, model, the fields of which one must be present to be priced, row label)
    checks = (
        ("cloud_gpu", parsed.cloud_gpu, CloudGpuOffer, CloudGpuOffer.PRICE_FIELDS, "instance"),
        ("api", parsed.api, ApiOffer, ("input_price", "output_price"), "model_name"),
        ("server", parsed.servers, ServerOffer, ServerOffer.PRICE_FIELDS, "system"),
    )
    for kind, rows, model, main, label in checks:
        for row in rows:
            counts.update(f"{kind}.{name}" for name in model.PRICE_FIELDS if row[name] is None)
            if all(row[name] is None for name in main):
                unpriced.append(f"{row['source_row']} {row[label]}: no price")
    # Not money, but a price all the same: an offer without one cannot bill regional work.
    counts.update("api.regional_uplift_pct" for r in parsed.api if r["regional_uplift_pct"] is None)
    return unpriced, dict(sorted(counts.items()))


def _upsert_reference(parsed: ParsedData) -> None:
    for fields in parsed.providers:
        provider = Provider.objects.public().filter(name=fields["name"]).first()
        if provider is None:
            Provider.dangerously_unscoped.create(organization=None, **fields)
        else:
            for name, value in fields.items():
                setattr(provider, name, value)
            provider.save()
    for fields in parsed.gpus:
        GpuSpec.objects.public().update_or_create(name=fields["name"], defaults=fields)
    for fields in parsed.fx:
        key = {name: fields[name] for name in ("base", "quote", "date", "source_url")}
        FxRate.objects.update_or_create(**key, defaults={"rate": fields["rate"]})


def _providers_for(
    rows: list[dict], file: str, added: list[str], key: str = "provider_name"
) -> dict[str, Provider]:
    providers = {p.name: p for p in Provider.objects.public()}
    for name in sorted({row[key] for row in rows} - providers.keys()):
        providers[name] = Provider.dangerously_unscoped.create(
            organization=None,
            name=name,
            notes=f"Named in {file} but absent from providers.csv: attributes not established.",
        )
        added.append(f"{name} (named in {file})")
    return providers


def _resolve_gpus(rows: list[dict], context: str, unresolved: set[str]) -> None:
    specs = SpecNames(GpuSpec.objects.public())
    for row in rows:
        if not row["gpu_name"]:
            row["gpu"] = None
            continue
        row["gpu"], reason = specs.resolve(row["gpu_name"], context=row.get(context, ""))
        if row["gpu"] is None:
            unresolved.add(f"{row['gpu_name']}: {reason}")


def _counts(catalog: Catalog) -> dict[str, int]:
    figures = ReferenceFigure.objects.in_catalog(catalog)
    return {
        "cloud_gpu_offers": CloudGpuOffer.objects.in_catalog(catalog).count(),
        "api_offers": ApiOffer.objects.in_catalog(catalog).count(),
        "server_offers": ServerOffer.objects.in_catalog(catalog).count(),
        "catalog_parameters": CatalogParameter.objects.in_catalog(catalog).count(),
        "facility_figures": figures.filter(kind=FigureKind.FACILITY).count(),
        "staff_figures": figures.filter(kind=FigureKind.STAFF).count(),
        "providers": Provider.objects.public().count(),
        "gpu_specs": GpuSpec.objects.public().count(),
        "fx_rates": FxRate.objects.count(),
    }


def public_catalog_load(
    *, version: str | None = None, data_dir: Path = DATA_DIR
) -> CatalogLoadReport:
    """Load every row of every reference file into one published public catalog version.

    Idempotent: the version defaults to the data's date and digest, and a version that exists
    with the same digest is left as it is. Any unreadable cell refuses the whole load
    (``CatalogLoadError`` lists file, line and field): a published version must be complete.
    """
    digest = data_digest(data_dir)
    parsed = parse_reference_files(data_dir)
    if parsed.errors:
        raise CatalogLoadError(parsed.errors)
    version = version or f"{DATA_GATHERED.isoformat()}-{digest[:8]}"
    unpriced, missing = _missing(parsed)
    with transaction.atomic():
        existing = Catalog.objects.public().filter(name=PUBLIC_CATALOG_NAME, version=version)
        catalog = existing.first()
        if catalog is not None:
            if catalog.content_sha256 != digest:
                raise CatalogVersionConflict(
                    f"Public catalog {version} exists with other content; load a new version."
                )
            return CatalogLoadReport(catalog, False, _counts(catalog), [], unpriced, missing)
        _upsert_reference(parsed)
        added: list[str] = []
        unresolved: set[str] = set()
        cloud_providers = _providers_for(parsed.cloud_gpu, "cloud_gpu_offers.csv", added)
        api_providers = _providers_for(parsed.api, "api_offers.csv", added)
        _resolve_gpus(parsed.cloud_gpu, "instance", unresolved)
        _resolve_gpus(parsed.servers, "system", unresolved)
        catalog = Catalog.dangerously_unscoped.create(
            organization=None,
            name=PUBLIC_CATALOG_NAME,
            version=version,
            currency="USD",
            effective_date=DATA_GATHERED,
            source="costing/data/ (README.md, README-cloud.md, README-hardware.md); "
            "every row cites its own source.",
            notes="Every row of the shipped reference files, dated history and disagreeing "
            "sources included.",
            content_sha256=digest,
        )
        CloudGpuOffer.objects.bulk_create_in(
            catalog,
            [
                CloudGpuOffer(provider=cloud_providers[row.pop("provider_name")], **row)
                for row in parsed.cloud_gpu
            ],
        )
        ApiOffer.objects.bulk_create_in(
            catalog,
            [
                ApiOffer(provider=api_providers[row.pop("provider_name")], **row)
                for row in parsed.api
            ],
        )
        ServerOffer.objects.bulk_create_in(catalog, [ServerOffer(**row) for row in parsed.servers])
        CatalogParameter.objects.bulk_create_in(
            catalog, [CatalogParameter(**row) for row in parsed.parameters]
        )
        ReferenceFigure.objects.bulk_create_in(
            catalog, [ReferenceFigure(**row) for row in parsed.facility + parsed.staff]
        )
        feeds = _load_feeds(catalog, parsed, added)
        catalog = catalog_publish(catalog=catalog)
        return CatalogLoadReport(
            catalog, True, _counts(catalog), added, unpriced, missing, sorted(unresolved), feeds
        )


def _load_feeds(catalog: Catalog, parsed: ParsedData, added: list[str]) -> dict:
    """The shipped feeds' rows into the draft, through the import every feed goes through."""
    loaded = {}
    for feed, rows in parsed.feeds:
        _providers_for(rows.rows, f"{FEEDS}/{feed.path.name}", added, key="provider")
        catalog_import(catalog=catalog, rows={rows.kind: rows.rows}, replacing=rows.prefix)
        loaded[feed.path.name] = {
            "rows": len(rows.rows),
            "without_price": len(rows.missing),
            "refused": len(rows.refused),
        }
    for feed, rates in parsed.feed_fx:
        fx_rates_store(rates)
        loaded[feed.path.name] = {"fx_rates": len(rates)}
    return loaded
