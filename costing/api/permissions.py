"""Which catalogs a tenant may change: its own drafts; public ones are 403, published ones 409."""

from __future__ import annotations

from rest_framework import exceptions, permissions

from portal.api.errors import Conflict

PUBLIC_READ_ONLY = (
    "Public catalogs are shared and read-only; create a private draft (or a new version of "
    "your own catalog) to record negotiated prices."
)


def published_message(catalog) -> str:
    return (
        f"{catalog.name} {catalog.version} is published and cannot change: "
        "create a new version to change a price."
    )


def check_writable(catalog, *, draft: bool = True) -> None:
    """403 for a public catalog; 409 for a published one when a draft is needed."""
    if catalog.is_public:
        raise exceptions.PermissionDenied(PUBLIC_READ_ONLY)
    if draft and catalog.is_published:
        raise Conflict(published_message(catalog))


class OwnDraftRowsOnly(permissions.BasePermission):
    """Rows of public catalogs are read-only (403); rows of published ones are frozen (409)."""

    def has_object_permission(self, request, view, obj):
        if request.method not in permissions.SAFE_METHODS:
            check_writable(obj.catalog)
        return True
