"""Personal API tokens: stored as a hash, with a name, an expiry and the time of last use."""

from django.db import models
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    """A token an integration (CMDB, asset inventory) uses; it acts with its user's roles."""

    name = models.CharField(max_length=80, help_text="What uses this token, e.g. 'CMDB sync'.")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key}…)"
