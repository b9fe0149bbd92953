"""Catalog versions: create private ones, publish, copy into a new version, edit drafts only."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from costing.api_candidates import api_names_read
from costing.cloud_candidates import cloud_offers_compare
from costing.models import CATALOG_ROW_MODELS, Catalog, CatalogStatus, FeedImport, Provider
from costing.services.gpu_specs import catalog_spec_names, link_gpu
from portal.models import AuditAction, Organization
from portal.services.audit import audit_change, audit_record


class CatalogImmutable(ValidationError):
    """A published version never changes: a new price goes into a new version."""


class FeedNeedsConfirmation(ValidationError):
    """A feed import into this draft changed more prices than SOVRA_FEED_MAX_CHANGED_SHARE:
    publishing it needs an explicit confirmation."""


def check_owner(*, catalog: Catalog, organization: Organization | None) -> None:
    """Public catalogs are changed only by staff tools (organization None); private ones by
    their own organization. Another organization's catalog is refused, never joined."""
    owner_id = organization.pk if organization is not None else None
    if catalog.organization_id != owner_id:
        raise PermissionDenied("This catalog belongs to someone else.")


def _scope(organization: Organization | None) -> models.QuerySet:
    if organization is None:
        return Catalog.objects.public()
    return Catalog.objects.for_organization(organization).filter(organization=organization)


def locked_draft(catalog: Catalog) -> Catalog:
    """The catalog as stored, locked until the transaction ends, and refused once published
    (an object in memory may predate its publication)."""
    stored = _scope(catalog.organization).select_for_update().get(pk=catalog.pk)
    if stored.status == CatalogStatus.PUBLISHED:
        raise CatalogImmutable(
            f"{stored.name} {stored.version} is published and cannot change: "
            "create a new version to change a price."
        )
    return stored


def _check_version_free(*, organization: Organization | None, name: str, version: str) -> None:
    if _scope(organization).filter(name=name, version=version).exists():
        raise ValidationError({"version": f"{name} {version} already exists."})


def private_catalog_create(
    *,
    organization: Organization,
    name: str,
    version: str,
    currency: str,
    effective_date: date,
    source: str = "",
    notes: str = "",
) -> Catalog:
    """Start an organization's own catalog of negotiated prices, as a draft."""
    fields = {
        "name": name,
        "version": version,
        "currency": currency,
        "effective_date": effective_date,
        "source": source,
        "notes": notes,
    }
    Catalog(organization=organization, **fields).full_clean(exclude=["organization"])
    _check_version_free(organization=organization, name=name, version=version)
    with transaction.atomic():
        catalog = Catalog.objects.create_in(organization, **fields)
        audit_record(organization=organization, action=AuditAction.CATALOG_CREATED, obj=catalog)
    return catalog


def catalog_publish(
    *,
    catalog: Catalog,
    organization: Organization | None = None,
    confirm_large_change: bool = False,
    confirmed_by=None,
) -> Catalog:
    """Freeze a draft: from its effective date its prices are what computations cite, and the
    version in force before it holds until that date.

    A draft holding a flagged feed import (too many prices changed at once) is refused unless
    ``confirm_large_change``; the confirmation is recorded on the import.
    """
    check_owner(catalog=catalog, organization=organization)
    with transaction.atomic():
        catalog = locked_draft(catalog)
        flagged = FeedImport.objects.filter(catalog=catalog, flagged=True, confirmed_at=None)
        if flagged.exists():
            if not confirm_large_change:
                shares = ", ".join(
                    f"{item.source} {item.changed_share * 100:.1f}%" for item in flagged
                )
                raise FeedNeedsConfirmation(
                    f"This draft changes many prices at once ({shares} of a feed's prices, "
                    "above the share set by SOVRA_FEED_MAX_CHANGED_SHARE): review the diff "
                    "and confirm the large change to publish."
                )
            flagged.update(
                confirmed_at=timezone.now(),
                confirmed_by=confirmed_by if getattr(confirmed_by, "pk", None) else None,
            )
        # What a scenario build would otherwise work out from the rows each time.
        cloud_offers_compare(catalog)
        api_names_read(catalog)
        catalog.status = CatalogStatus.PUBLISHED
        catalog.published_at = timezone.now()
        catalog.save(
            update_fields=[
                "status",
                "published_at",
                "cloud_offers_compared",
                "api_names_read_with",
            ]
        )
        _supersede(catalog)
        catalog.refresh_from_db(fields=["valid_until"])
        audit_record(
            organization=catalog.organization, action=AuditAction.CATALOG_PUBLISHED, obj=catalog
        )
    return catalog


def _supersede(catalog: Catalog) -> None:
    """Date the end of each published version of the catalog's name and owner: the effective
    date of the next one (by effective date, then publication), as ``current_catalogs`` picks
    them. A version published back-dated between two others shortens the earlier one only."""
    versions = list(
        _scope(catalog.organization)
        .filter(name=catalog.name, status=CatalogStatus.PUBLISHED)
        .select_for_update()
        .order_by("effective_date", "published_at", "pk")
    )
    following = [*[v.effective_date for v in versions[1:]], None]
    for version, until in zip(versions, following, strict=True):
        if version.valid_until != until:
            version.valid_until = until
            version.save(update_fields=["valid_until"])


def catalog_version_create(
    *,
    catalog: Catalog,
    version: str,
    organization: Organization | None = None,
    effective_date: date | None = None,
) -> Catalog:
    """Copy a catalog, rows and all, into a new draft version of the same name and owner."""
    check_owner(catalog=catalog, organization=organization)
    with transaction.atomic():
        new = Catalog(
            organization=catalog.organization,
            name=catalog.name,
            version=version,
            currency=catalog.currency,
            effective_date=effective_date or catalog.effective_date,
            source=catalog.source,
            notes=catalog.notes,
            based_on=catalog,
        )
        new.full_clean(exclude=["organization", "based_on"])
        _check_version_free(organization=organization, name=catalog.name, version=version)
        new.save()
        for model in CATALOG_ROW_MODELS.values():
            rows = list(model.objects.in_catalog(catalog))
            for row in rows:
                row.pk = None
            model.objects.bulk_create_in(new, rows)
        audit_record(
            organization=new.organization,
            action=AuditAction.CATALOG_VERSION_CREATED,
            obj=new,
            details={"based_on": catalog.pk, "based_on_version": catalog.version},
        )
    return new


def _check_provider(*, provider: Provider | None, catalog: Catalog) -> None:
    if provider is not None and provider.organization_id not in (None, catalog.organization_id):
        raise ValidationError({"provider": "This provider belongs to another organization."})


def _link_gpu(row, catalog: Catalog) -> None:
    """An offer entered by hand (form, API) names its GPU as a catalog file does: the same
    resolver links it (a name it cannot resolve keeps an accelerator the caller chose)."""
    if getattr(row, "gpu_name", ""):
        link_gpu(row, catalog_spec_names(catalog))


def catalog_row_add(
    *, catalog: Catalog, kind: str, fields: dict, organization: Organization | None = None
) -> models.Model:
    """Add an offer, figure or parameter to a draft catalog of the caller's own."""
    check_owner(catalog=catalog, organization=organization)
    model = CATALOG_ROW_MODELS[kind]
    with transaction.atomic():
        catalog = locked_draft(catalog)
        row = model(**fields)
        row.catalog = catalog
        _link_gpu(row, catalog)
        _check_provider(provider=getattr(row, "provider", None), catalog=catalog)
        row.full_clean()
        model.objects.bulk_create_in(catalog, [row])
        _record_row(row, AuditAction.PRICE_CREATED)
    return row


def catalog_row_update(
    *, row: models.Model, fields: dict, organization: Organization | None = None
) -> models.Model:
    """Change a row of a draft catalog; a published version's rows are refused."""
    check_owner(catalog=row.catalog, organization=organization)
    for name, value in fields.items():
        if name in ("catalog", "catalog_id", "id", "pk"):
            raise ValidationError({name: "A row cannot move to another catalog."})
        setattr(row, name, value)
    return catalog_row_save(row=row, organization=organization)


def catalog_row_save(
    *, row: models.Model, organization: Organization | None = None
) -> models.Model:
    """Validate and store a new or changed row of a draft catalog (forms and admin use this)."""
    check_owner(catalog=row.catalog, organization=organization)
    with transaction.atomic():
        catalog = locked_draft(row.catalog)
        if row.pk is not None:
            stored = type(row).objects.in_catalog(catalog).filter(pk=row.pk).exists()
            if not stored:
                raise ValidationError({"catalog": "A row cannot move to another catalog."})
        _link_gpu(row, catalog)
        _check_provider(provider=getattr(row, "provider", None), catalog=catalog)
        row.full_clean()
        with audit_change(organization=catalog.organization, obj=row, kind="price"):
            row.save()
    return row


def catalog_row_delete(*, row: models.Model, organization: Organization | None = None) -> None:
    """Remove a row from a draft catalog; a published version's rows are refused."""
    check_owner(catalog=row.catalog, organization=organization)
    with transaction.atomic():
        locked_draft(row.catalog)
        _record_row(row, AuditAction.PRICE_DELETED)
        row.delete()


def _record_row(row: models.Model, action: AuditAction) -> None:
    """A price's event, in its catalog's organization's log (the installation's for a public
    catalog, which only staff tools change)."""
    catalog = row.catalog
    details = {"catalog": catalog.pk, "catalog_name": f"{catalog.name} {catalog.version}"}
    audit_record(organization=catalog.organization, action=action, obj=row, details=details)
