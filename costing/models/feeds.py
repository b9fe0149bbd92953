"""What one feed import brought into a draft catalog: the diff staff review before publishing."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class FeedImport(models.Model):
    """One import of a public price feed into a draft catalog version, and its diff against the
    version the draft was copied from. A diff changing more than the configured share of the
    feed's prices is flagged: publishing it needs an explicit confirmation, recorded here."""

    catalog = models.ForeignKey("costing.Catalog", on_delete=models.CASCADE, related_name="+")
    compared_with = models.ForeignKey(
        "costing.Catalog",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The published version the diff is against (none for a first catalog).",
    )
    source = models.CharField(max_length=40, help_text="The feed, e.g. 'litellm'.")
    file_name = models.CharField(max_length=300, blank=True, help_text="File or URL imported.")
    file_sha256 = models.CharField(max_length=64)
    as_of = models.DateField(help_text="Date the feed's prices were taken as of.")
    diff = models.JSONField(help_text="Added, removed, changed, missing, refused, providers.")
    changed_share = models.DecimalField(
        max_digits=7, decimal_places=4, help_text="Share of the feed's previous prices changed."
    )
    flagged = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.source} into {self.catalog_id} ({self.created_at:%Y-%m-%d})"

    @property
    def needs_confirmation(self) -> bool:
        return self.flagged and self.confirmed_at is None
