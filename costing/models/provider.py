"""Providers of cloud GPUs and model APIs, with the attributes that sovereignty is scored on."""

from __future__ import annotations

from django.db import models

from portal.models.tenancy import SharedOrTenantModel, unique_per_owner


class CloudActExposure(models.TextChoices):
    """Whether US authorities can compel the provider to hand over data held abroad."""

    YES = "yes", "Yes"
    NO = "no", "No"
    UNCLEAR = "unclear", "Unclear (sources disagree or call it open)"
    UNKNOWN = "unknown", "Not established"


class Answer(models.TextChoices):
    """A yes/no term of service, where 'unknown' (not established) is kept apart from 'no'."""

    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_APPLICABLE = "na", "Not applicable"
    UNKNOWN = "unknown", "Not established"


class Provider(SharedOrTenantModel):
    """A company that rents GPUs or serves model APIs, and where its legal exposure lies.

    Public providers (``organization`` empty) are reference data shared by everyone; an
    organization may record its own (a local integrator, a colocation site) for its catalogs.
    """

    organization = models.ForeignKey(
        "portal.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        help_text="Empty for public providers.",
    )
    name = models.CharField(max_length=120)
    headquarters_country = models.CharField(max_length=120, blank=True)
    parent_company_country = models.CharField(max_length=160, blank=True)
    us_cloud_act_exposure = models.CharField(
        "US CLOUD Act exposure",
        max_length=10,
        choices=CloudActExposure.choices,
        default=CloudActExposure.UNKNOWN,
    )
    eu_residency_offer = models.TextField(
        "EU residency or data-boundary offer", blank=True, help_text="As the sources describe it."
    )
    certifications = models.TextField(blank=True, help_text="Empty: none captured, not none held.")
    customer_managed_keys = models.CharField(
        max_length=10, choices=Answer.choices, default=Answer.UNKNOWN
    )
    zero_data_retention = models.CharField(
        "zero data retention available",
        max_length=10,
        choices=Answer.choices,
        default=Answer.UNKNOWN,
    )
    trains_on_api_data_by_default = models.CharField(
        max_length=10, choices=Answer.choices, default=Answer.UNKNOWN
    )
    source_urls = models.TextField("sources", blank=True, help_text="One address per line.")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(SharedOrTenantModel.Meta):
        ordering = ["name"]
        constraints = [
            *unique_per_owner(
                "name",
                per_org_name="uniq_provider_name_per_org",
                public_name="uniq_public_provider_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name
