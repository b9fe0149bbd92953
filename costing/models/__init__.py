"""Price catalogs: providers, versioned catalogs and their offers, figures, GPU specs, FX rates."""

from costing.models.catalog import Catalog, CatalogParameter, CatalogStatus, ParameterKind
from costing.models.feeds import FeedImport
from costing.models.figures import FigureKind, ReferenceFigure
from costing.models.offers import ApiOffer, ApiUnit, CloudGpuOffer, PriceKind, ServerOffer
from costing.models.provider import Answer, CloudActExposure, Provider
from costing.models.reference import FxRate, GpuSpec

__all__ = [
    "Answer",
    "ApiOffer",
    "ApiUnit",
    "Catalog",
    "CatalogParameter",
    "CatalogStatus",
    "CloudActExposure",
    "CloudGpuOffer",
    "FeedImport",
    "FigureKind",
    "FxRate",
    "GpuSpec",
    "ParameterKind",
    "PriceKind",
    "Provider",
    "ReferenceFigure",
    "ServerOffer",
]

# Catalog row models by kind, as services, selectors and imports name them.
CATALOG_ROW_MODELS = {
    "cloud_gpu": CloudGpuOffer,
    "api": ApiOffer,
    "server": ServerOffer,
    "figure": ReferenceFigure,
    "parameter": CatalogParameter,
}
