"""Signal receivers of the portal, connected in PortalConfig.ready."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from portal.services.tokens import api_tokens_revoke_all


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="portal-revoke-tokens")
def revoke_api_tokens_on_password_change(sender, instance, created, **kwargs) -> None:
    """A new password (changed, reset, or set by an admin or ``changepassword``) revokes the
    user's API tokens: one taken by whoever knew the old password must stop working too.

    ``set_password`` keeps the new password in ``_password`` until the save that stores it;
    the hash upgrade Django does at sign-in clears it first, so that save revokes nothing.
    """
    if not created and getattr(instance, "_password", None) is not None:
        api_tokens_revoke_all(user=instance)
