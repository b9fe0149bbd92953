"""Writes to the price catalogs: the public load, private catalogs, versions and their rows."""

from costing.services.catalog_io import (
    CatalogImportError,
    catalog_export,
    catalog_export_csv,
    catalog_import,
    catalog_import_csv,
)
from costing.services.catalogs import (
    CatalogImmutable,
    FeedNeedsConfirmation,
    catalog_publish,
    catalog_row_add,
    catalog_row_delete,
    catalog_row_save,
    catalog_row_update,
    catalog_version_create,
    private_catalog_create,
)
from costing.services.public_catalog import (
    CatalogLoadError,
    CatalogLoadReport,
    CatalogVersionConflict,
    public_catalog_load,
)

__all__ = [
    "CatalogImmutable",
    "CatalogImportError",
    "CatalogLoadError",
    "CatalogLoadReport",
    "CatalogVersionConflict",
    "FeedNeedsConfirmation",
    "catalog_export",
    "catalog_export_csv",
    "catalog_import",
    "catalog_import_csv",
    "catalog_publish",
    "catalog_row_add",
    "catalog_row_delete",
    "catalog_row_save",
    "catalog_row_update",
    "catalog_version_create",
    "private_catalog_create",
    "public_catalog_load",
]
