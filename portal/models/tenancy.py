"""Tenant scoping in one place: managers that fail closed unless told which organization."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from portal.models.organization import Organization


class UnscopedQueryError(RuntimeError):
    """Raised when tenant data is queried without naming the organization."""


class TenantManager(models.Manager):
    """``Model.objects``: every query must say ``for_organization(org)``.

    A plain ``Model.objects.all()`` or ``.filter()`` raises, so a forgotten scope is a crash in
    the tests, never a leak in production. ``unscoped()`` is the loud escape hatch for the Django
    admin, management commands and migrations.
    """

    def get_queryset(self):
        raise UnscopedQueryError(
            f"{self.model.__name__}.objects must be scoped: use "
            f".for_organization(org) (or .unscoped() in admin and commands)."
        )

    def for_organization(self, organization: Organization) -> models.QuerySet:
        if organization is None or getattr(organization, "pk", None) is None:
            raise UnscopedQueryError(f"{self.model.__name__}: no organization to scope to.")
        return self._scoped(organization)

    def _scoped(self, organization: Organization) -> models.QuerySet:
        return super().get_queryset().filter(organization=organization)

    def create_in(self, organization: Organization, **fields) -> models.Model:
        """Create a row owned by ``organization`` (``objects.create`` would be unscoped)."""
        self.for_organization(organization)  # refuses a missing organization
        return super().get_queryset().create(organization=organization, **fields)

    def unscoped(self) -> models.QuerySet:
        return super().get_queryset()


class SharedOrTenantManager(TenantManager):
    """For rows that are either public (no organization) or owned by one organization."""

    def _scoped(self, organization: Organization) -> models.QuerySet:
        return models.Manager.get_queryset(self).filter(
            models.Q(organization__isnull=True) | models.Q(organization=organization)
        )

    def public(self) -> models.QuerySet:
        return models.Manager.get_queryset(self).filter(organization__isnull=True)


class TenantModel(models.Model):
    """Base of every tenant-owned row: an organization and a manager that fails closed.

    Django's own machinery (admin, unique checks, deletion) uses ``_default_manager``, which is
    a plain manager named ``dangerously_unscoped``; project code never touches it (a test checks).
    """

    organization = models.ForeignKey(
        "portal.Organization", on_delete=models.CASCADE, related_name="+", editable=False
    )

    objects = TenantManager()
    dangerously_unscoped = models.Manager()

    class Meta:
        abstract = True
        default_manager_name = "dangerously_unscoped"
        base_manager_name = "dangerously_unscoped"


def unique_per_owner(*fields: str, per_org_name: str, public_name: str) -> list:
    """``fields`` unique within each organization's rows and, separately, among public rows.

    One constraint cannot say both: NULL organizations never compare equal in a unique index.
    """
    return [
        models.UniqueConstraint(fields=["organization", *fields], name=per_org_name),
        models.UniqueConstraint(
            fields=list(fields), condition=models.Q(organization__isnull=True), name=public_name
        ),
    ]


class SharedOrTenantModel(models.Model):
    """Base of rows that are public (no organization) or owned by one organization.

    Subclasses redeclare ``organization`` only to say in its help text what "public" means
    for them; the managers, their fail-closed scoping and ``is_public`` come from here.
    """

    organization = models.ForeignKey(
        "portal.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        help_text="Empty for public rows.",
    )

    objects = SharedOrTenantManager()
    dangerously_unscoped = models.Manager()

    class Meta:
        abstract = True
        default_manager_name = "dangerously_unscoped"
        base_manager_name = "dangerously_unscoped"

    @property
    def is_public(self) -> bool:
        return self.organization_id is None


def owned_models() -> list[tuple[type[models.Model], str]]:
    """Every model whose rows an organization owns, with the lookup from it to its owner.

    Derived from the models themselves: a row is owned when a chain of cascading foreign keys
    leads from it to an organization (``organization``, ``catalog__organization``...), so a
    new tenant model is exported and deleted with its organization without being listed
    anywhere. Users are not owned (they may belong to several organizations); memberships are.
    The shortest chain wins. The organization itself comes first, with the lookup ``pk``.
    """
    from django.apps import apps

    from portal.models.organization import Organization

    lookups: dict[type[models.Model], str] = {Organization: "pk"}
    candidates = [m for m in apps.get_models(include_auto_created=True) if m is not Organization]
    changed = True
    while changed:
        changed = False
        for model in candidates:
            for field in model._meta.concrete_fields:
                target = field.related_model if field.many_to_one or field.one_to_one else None
                if target not in lookups or field.remote_field.on_delete is not models.CASCADE:
                    continue
                via = lookups[target]
                lookup = field.name if via == "pk" else f"{field.name}__{via}"
                if model not in lookups or lookup.count("__") < lookups[model].count("__"):
                    lookups[model] = lookup
                    changed = True
    return list(lookups.items())


def owned_rows(organization) -> list[tuple[type[models.Model], models.QuerySet]]:
    """The rows of every owned model that belong to ``organization``, model by model.

    For exporting and deleting a whole organization only: these querysets bypass the
    fail-closed managers, which is why this lives here, beside them.
    """
    if organization is None or getattr(organization, "pk", None) is None:
        raise UnscopedQueryError("owned_rows: no organization.")
    return [
        (model, model._base_manager.filter(**{lookup: organization.pk}).order_by("pk"))
        for model, lookup in owned_models()
    ]
