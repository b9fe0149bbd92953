"""Reference data shared by every catalog: accelerator specs and foreign-exchange rates."""

from __future__ import annotations

from django.db import models


class GpuSpec(models.Model):
    """An accelerator's memory, bandwidth, dense throughput by precision and power.

    Throughput is dense (vendors' sparse figures halved, as the source notes say); an empty
    field means the figure was not found, never zero.
    """

    name = models.CharField(max_length=120, unique=True)
    vendor = models.CharField(max_length=60)
    form_factor = models.CharField(max_length=160, blank=True)
    memory_gb = models.DecimalField(max_digits=8, decimal_places=2)
    memory_bandwidth_tb_s = models.DecimalField(
        "memory bandwidth (TB/s)", max_digits=8, decimal_places=3, null=True, blank=True
    )
    bf16_dense_tflops = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    fp8_dense_tflops = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    int8_dense_tops = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    fp4_dense_tflops = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    tdp_w = models.PositiveIntegerField("TDP (W)", null=True, blank=True)
    interconnect_gb_s = models.PositiveIntegerField(
        "scale-up interconnect (GB/s)", null=True, blank=True
    )
    launch_year = models.PositiveIntegerField(null=True, blank=True)
    source_url = models.TextField("source", blank=True)
    date_text = models.CharField("source date as published", max_length=60, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["vendor", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(memory_gb__gt=0), name="gpuspec_memory_gt_0"),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{field}__isnull": True})
                    | models.Q(**{f"{field}__gt": 0}),
                    name=f"gpuspec_{field}_gt_0",
                )
                for field in (
                    "memory_bandwidth_tb_s",
                    "bf16_dense_tflops",
                    "fp8_dense_tflops",
                    "int8_dense_tops",
                    "fp4_dense_tflops",
                    "tdp_w",
                    "interconnect_gb_s",
                )
            ],
        ]

    def __str__(self) -> str:
        return self.name


class FxRate(models.Model):
    """1 ``base`` = ``rate`` ``quote`` on ``date``, as one source published it."""

    base = models.CharField(max_length=3)
    quote = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=18, decimal_places=8)
    date = models.DateField()
    source_url = models.TextField("source")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["base", "quote", "-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["base", "quote", "date", "source_url"], name="uniq_fxrate_per_source"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="fxrate_rate_gt_0"),
            models.CheckConstraint(
                condition=~models.Q(base=models.F("quote")), name="fxrate_two_currencies"
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote} ({self.date})"
