"""The audit log: who did what to an organization's data, when and from which address."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from portal.models.tenancy import UnscopedQueryError


class AuditAction(models.TextChoices):
    """Every kind of event the log records; the value is the stable key filters and exports use."""

    WORKLOAD_CREATED = "workload.created", "Workload created"
    WORKLOAD_UPDATED = "workload.updated", "Workload changed"
    WORKLOAD_DELETED = "workload.deleted", "Workload deleted"
    WORKLOADS_UPSERTED = "workloads.upserted", "Workloads imported or synced"
    MODEL_CREATED = "model.created", "Model created"
    MODEL_UPDATED = "model.updated", "Model changed"
    MODEL_DELETED = "model.deleted", "Model deleted"
    CATALOG_CREATED = "catalog.created", "Catalog created"
    CATALOG_VERSION_CREATED = "catalog.version_created", "Catalog version created"
    CATALOG_PUBLISHED = "catalog.published", "Catalog published"
    CATALOG_IMPORTED = "catalog.imported", "Prices imported into a catalog"
    PRICE_CREATED = "price.created", "Price added"
    PRICE_UPDATED = "price.updated", "Price changed"
    PRICE_DELETED = "price.deleted", "Price deleted"
    ACCELERATOR_CREATED = "accelerator.created", "Accelerator created"
    ACCELERATOR_UPDATED = "accelerator.updated", "Accelerator changed"
    ACCELERATOR_DELETED = "accelerator.deleted", "Accelerator deleted"
    ORGANIZATION_UPDATED = "organization.updated", "Settings changed"
    ORGANIZATION_EXPORTED = "organization.exported", "Organization exported"
    ORGANIZATION_DELETED = "organization.deleted", "Organization deleted"
    MEMBER_JOINED = "member.joined", "Member joined"
    MEMBER_ROLE_CHANGED = "member.role_changed", "Member's role changed"
    MEMBER_REMOVED = "member.removed", "Member removed"
    INVITATION_CREATED = "invitation.created", "Invitation sent"
    INVITATION_REVOKED = "invitation.revoked", "Invitation withdrawn"
    TOKEN_CREATED = "token.created", "API token created"
    TOKEN_REVOKED = "token.revoked", "API token revoked"
    ASSESSMENT_CREATED = "assessment.created", "Assessment created"
    ASSESSMENT_UPDATED = "assessment.updated", "Assessment changed"
    ASSESSMENT_DELETED = "assessment.deleted", "Assessment deleted"
    RUN_STARTED = "run.started", "Run started"
    REPORT_DOWNLOADED = "report.downloaded", "Report downloaded"
    REPORT_EMAILED = "report.emailed", "Report e-mailed"


class AuditChannel(models.TextChoices):
    """How the actor reached the portal."""

    WEB = "web", "Web"
    API = "api", "API"
    SYSTEM = "system", "System"


class AppendOnlyError(RuntimeError):
    """An audit event cannot be changed or deleted once written."""


class AuditEventQuerySet(models.QuerySet):
    """Reads only: bulk changes and deletions are refused (the database refuses them too)."""

    def update(self, **kwargs):
        raise AppendOnlyError("The audit log is append-only: events are never changed.")

    def delete(self):
        raise AppendOnlyError("The audit log is append-only: events are never deleted.")


class AuditEventManager(models.Manager.from_queryset(AuditEventQuerySet)):
    """``AuditEvent.objects``: an organization's events, or the installation's; never all."""

    def get_queryset(self):
        raise UnscopedQueryError(
            "AuditEvent.objects must be scoped: use .for_organization(org) or .installation()."
        )

    def for_organization(self, organization) -> AuditEventQuerySet:
        if organization is None or getattr(organization, "pk", None) is None:
            raise UnscopedQueryError("AuditEvent: no organization to scope to.")
        return super().get_queryset().filter(organization=organization)

    def append(self, **fields) -> AuditEvent:
        """Write one event (of an organization, or of the installation)."""
        return super().get_queryset().create(**fields)

    def installation(self) -> AuditEventQuerySet:
        """Events of no organization (an organization's deletion): for staff, in the admin."""
        return super().get_queryset().filter(organization__isnull=True)


class AuditEvent(models.Model):
    """One thing someone did, written once and never changed.

    The actor is kept as it was (id and name), not as a link: a user deleted later must neither
    rewrite the log nor be blocked by it. An event without organization belongs to the
    installation (an organization's deletion, whose own log goes with it).
    """

    organization = models.ForeignKey(
        "portal.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
    )
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(
        max_length=254, blank=True, help_text="The user's name as it was; empty for the system."
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    channel = models.CharField(max_length=10, choices=AuditChannel.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventManager()
    dangerously_unscoped = models.Manager()

    class Meta:
        default_manager_name = "dangerously_unscoped"
        base_manager_name = "dangerously_unscoped"
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["organization", "-occurred_at"], name="audit_org_time")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor or 'system'} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("The audit log is append-only: events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only: events are never deleted.")
