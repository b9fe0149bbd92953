"""Writes to the audit log; every service that changes an organization's data calls it.

The actor and the address come from the request being served (``portal.request_context``),
so both the pages and the API, which call the same services, are recorded the same way. A
service called outside any request (a task, a command) records the system as actor, unless it
names the actor itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models, transaction

from portal.lockout import client_address
from portal.models import AuditAction, AuditEvent, Membership, Organization
from portal.models.audit import AuditChannel
from portal.request_context import current_request

API_PREFIX = "/api/"


def _actor_of(request, actor) -> tuple[int | None, str]:
    user = actor if actor is not None else getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None, ""
    return user.pk, (user.get_username() or getattr(user, "email", ""))[:254]


def _object_fields(obj: models.Model | None, object_type: str | None) -> dict[str, str]:
    if obj is None:
        return {"object_type": object_type or "", "object_id": "", "object_repr": ""}
    # A token is known by its key's prefix; its primary key is the hash of its secret.
    object_id = getattr(obj, "token_key", None) or obj.pk
    return {
        "object_type": object_type or obj._meta.model_name,
        "object_id": str(object_id or ""),
        "object_repr": str(obj)[:200],
    }


def audit_record(
    *,
    organization: Organization | None,
    action: AuditAction,
    obj: models.Model | None = None,
    object_type: str | None = None,
    details: dict[str, Any] | None = None,
    actor=None,
    object_repr: str | None = None,
) -> AuditEvent:
    """Append one event to ``organization``'s log (None: the installation's log).

    ``obj`` is what was acted upon (its id and name are kept, for a deleted one too);
    ``details`` what a reader needs beyond that (changed fields, counts, recipients);
    ``object_type`` and ``object_repr`` name what was acted upon when it is not one row.
    """
    fields = _object_fields(obj, object_type)
    if object_repr is not None:
        fields["object_repr"] = object_repr[:200]
    request = current_request()
    actor_user_id, actor_name = _actor_of(request, actor)
    if request is None:
        channel, address = AuditChannel.SYSTEM, None
    else:
        api = request.path.startswith(API_PREFIX)
        channel = AuditChannel.API if api else AuditChannel.WEB
        address = client_address(request) or None
    return AuditEvent.objects.append(
        organization=organization,
        action=action,
        actor_user_id=actor_user_id,
        actor=actor_name,
        ip_address=address,
        channel=channel,
        details=details or {},
        **fields,
    )


def audit_record_for_user(*, user, action: AuditAction, obj=None, details=None) -> None:
    """An event about a user's own things (API tokens), in the log of every organization the
    user belongs to: a token acts with the user's role in each of them."""
    memberships = Membership.objects.filter(user=user).select_related("organization")
    for membership in memberships:
        audit_record(
            organization=membership.organization,
            action=action,
            obj=obj,
            details=details,
            actor=user,
        )


_NOT_A_CHANGE = frozenset({"updated_at"})


def stored_values(obj: models.Model) -> dict[str, Any]:
    """The row of ``obj`` as stored (empty for a new one): forms and serializers have already
    set the new values on the instance by the time a service sees it. ``obj`` was loaded
    through its organization's scope; this reads that same row again by its key."""
    if obj.pk is None:
        return {}
    names = [field.attname for field in obj._meta.concrete_fields]
    return type(obj)._base_manager.filter(pk=obj.pk).values(*names).first() or {}


def changed_fields(before: dict[str, Any], obj: models.Model) -> list[str]:
    """Names of the fields of ``obj`` whose value differs from ``before`` (``stored_values``)."""
    return sorted(
        name
        for name, value in before.items()
        if name not in _NOT_A_CHANGE and getattr(obj, name) != value
    )


@contextmanager
def audit_change(
    *, organization: Organization | None, obj: models.Model, kind: str
) -> Iterator[None]:
    """Record the save done inside the block as ``<kind>.created`` or ``<kind>.updated`` (with
    the fields it changed), in one transaction with it: a change is never stored without its
    event."""
    before = stored_values(obj)
    with transaction.atomic():
        yield
        audit_record(
            organization=organization,
            action=AuditAction(f"{kind}.updated" if before else f"{kind}.created"),
            obj=obj,
            details={"fields": changed_fields(before, obj)} if before else {},
        )
