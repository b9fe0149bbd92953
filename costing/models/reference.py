"""Reference data shared by every catalog: accelerator specs and foreign-exchange rates."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from portal.models.tenancy import SharedOrTenantModel, unique_per_owner

# What sizing reads from an accelerator, and what to say when an organization leaves it out.
# BF16 is the one peak asked for: the engine falls back to it for every precision.
SIZING_FIELDS = {
    "memory_gb": "An accelerator needs its memory (GB): it decides how many hold a model.",
    "memory_bandwidth_tb_s": (
        "An accelerator needs its memory bandwidth (TB/s): it bounds how fast tokens decode."
    ),
    "bf16_dense_tflops": (
        "An accelerator needs its dense BF16/FP16 peak (TFLOPS): prefill and training are sized "
        "on it, and on it alone where no other precision is given."
    ),
}
# What a user may set on an organization's own accelerator (pages and API agree on it).
EDITABLE_FIELDS = (
    "name",
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
    "date_text",
    "notes",
)


def _dense_peak(label: str, help_text: str = "") -> models.DecimalField:
    """A datasheet's dense tensor peak: empty where not published, never zero."""
    return models.DecimalField(
        label,
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_above_zero(2),
        help_text=help_text,
    )


def _above_zero(places: int) -> list:
    """Refuses 0 and below beside the field (the check constraints would only say which one)."""
    return [MinValueValidator(Decimal(1).scaleb(-places))]


class GpuSpec(SharedOrTenantModel):
    """An accelerator's memory, bandwidth, dense throughput by precision and power.

    ``organization`` is empty for the public rows seeded from the reference data; an
    organization's own accelerators (any vendor) are visible to it alone. Throughput is dense
    (vendors' sparse figures halved, as the source notes say); an empty field means the figure
    was not found, never zero.
    """

    organization = models.ForeignKey(
        "portal.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        help_text="Empty for public accelerators.",
    )
    name = models.CharField(
        max_length=120, help_text="As offers name it, e.g. 'NVIDIA H100 SXM' or 'Acme X1 96GB'."
    )
    vendor = models.CharField(max_length=60, help_text="Any vendor: NVIDIA, AMD, Intel, Acme...")
    form_factor = models.CharField(
        max_length=160, blank=True, help_text="SXM, PCIe, OAM, NVL... where it matters."
    )
    # Blank in forms so that clean() names what sizing misses; never NULL in the database.
    memory_gb = models.DecimalField(
        "memory (GB)", max_digits=8, decimal_places=2, blank=True, validators=_above_zero(2)
    )
    memory_bandwidth_tb_s = models.DecimalField(
        "memory bandwidth (TB/s)",
        max_digits=8,
        decimal_places=3,
        null=True,
        blank=True,
        validators=_above_zero(3),
    )
    bf16_dense_tflops = _dense_peak(
        "BF16 dense (TFLOPS)",
        "Dense 16-bit peak; used for every precision no other peak is given for.",
    )
    fp8_dense_tflops = _dense_peak("FP8 dense (TFLOPS)")
    int8_dense_tops = _dense_peak("INT8 dense (TOPS)")
    fp4_dense_tflops = _dense_peak("FP4 dense (TFLOPS)")
    tdp_w = models.PositiveIntegerField(
        "TDP (W)", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    interconnect_gb_s = models.PositiveIntegerField(
        "scale-up interconnect (GB/s)", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    launch_year = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    source_url = models.TextField(
        "source", blank=True, help_text="Where the figures come from (one or more addresses)."
    )
    date_text = models.CharField("source date as published", max_length=60, blank=True)
    notes = models.TextField(blank=True)

    class Meta(SharedOrTenantModel.Meta):
        ordering = ["vendor", "name"]
        constraints = [
            *unique_per_owner(
                "name",
                per_org_name="uniq_gpuspec_name_per_org",
                public_name="uniq_public_gpuspec_name",
            ),
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

    def clean(self):
        """An organization's own accelerator is refused at entry unless it can be sized, and
        under a public accelerator's name (one name, one accelerator, for that organization).

        Public rows keep the gaps their sources leave: they are seeded, not entered.
        """
        super().clean()
        if self.is_public:
            return
        errors = {
            name: message for name, message in SIZING_FIELDS.items() if getattr(self, name) is None
        }
        taken = (
            self.name and GpuSpec.objects.public().filter(name__iexact=self.name.strip()).exists()
        )
        if taken:
            errors["name"] = (
                f"{self.name!r} is a public accelerator's name: use it, or name yours apart."
            )
        if errors:
            raise ValidationError(errors)


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
