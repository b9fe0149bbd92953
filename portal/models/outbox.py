"""Delivery states shared by every e-mail the portal queues (report e-mails, invitations)."""

from django.db import models


class EmailStatus(models.TextChoices):
    """Where a queued e-mail stands: the row is the truth, a worker moves it forward."""

    QUEUED = "queued", "Queued"
    RETRYING = "retrying", "Retrying"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
