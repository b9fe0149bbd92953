"""Sourced reference figures of a catalog: facility (power, PUE, colocation, build) and staff."""

from __future__ import annotations

from django.db import models

from costing.models.base import CatalogRowManager, Sourced, sourced_constraints


class FigureKind(models.TextChoices):
    """Which reference file a figure belongs to."""

    FACILITY = "facility", "Facility"
    STAFF = "staff", "Staff"


class ReferenceFigure(Sourced):
    """One published figure, such as an electricity tariff, a PUE or a loaded salary.

    facility.csv and staff.csv have the same columns and the same use (the engine looks a figure
    up by ``item`` and ``region``), so one model with a ``kind`` holds both; the value stays in
    the unit the source published (e.g. US cents/kWh), with the currency split out when the unit
    names one.
    """

    catalog = models.ForeignKey("costing.Catalog", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=FigureKind.choices)
    item = models.CharField(max_length=120, help_text="e.g. electricity_price_industrial.")
    region = models.CharField(max_length=160, blank=True)
    value = models.DecimalField(max_digits=20, decimal_places=6)
    unit = models.CharField(max_length=120, help_text="As published, e.g. 'EUR/kWh'.")
    period = models.CharField(
        max_length=20, blank=True, help_text="Period the figure covers: '2024-H2', '2023', ..."
    )

    objects = CatalogRowManager()
    dangerously_unscoped = models.Manager()

    class Meta:
        default_manager_name = "dangerously_unscoped"
        base_manager_name = "dangerously_unscoped"
        ordering = ["kind", "item", "region", "period"]
        constraints = [*sourced_constraints("referencefigure")]

    def __str__(self) -> str:
        return f"{self.item} ({self.region}): {self.value} {self.unit}"
