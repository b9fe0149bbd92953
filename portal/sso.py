"""Single sign-on through an OpenID Connect provider (mozilla-django-oidc), off unless configured.

The authorization code flow with state, nonce and PKCE. Endpoints come from the settings or,
where left empty, from the issuer's discovery document, read once per process. The ID token
must be signed with the configured algorithm by a key of the provider's JWKS, issued by the
configured issuer to this client, and unexpired; the userinfo must name the same subject.
"""

from __future__ import annotations

import logging
import threading

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from portal.services.sso import SsoRefused, sso_user_for_claims

logger = logging.getLogger(__name__)

ENDPOINT_KEYS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
_discovered: dict[str, dict] = {}
_discovery_lock = threading.Lock()


class SsoUnavailable(Exception):
    """The provider could not be reached or described itself wrongly."""


def sso_enabled() -> bool:
    return bool(settings.SOVRA_OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


def sso_provider_name() -> str | None:
    """The name on the sign-in button, or None when single sign-on is off."""
    return settings.SOVRA_OIDC_PROVIDER_NAME if sso_enabled() else None


def discovery(issuer: str) -> dict:
    """The issuer's OpenID configuration, fetched once per process and issuer."""
    with _discovery_lock:
        if issuer in _discovered:
            return _discovered[issuer]
        url = f"{issuer}/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise SsoUnavailable(f"Could not read {url}: {exc}") from exc
        if str(document.get("issuer", "")).rstrip("/") != issuer:
            raise SsoUnavailable(f"{url} describes another issuer: {document.get('issuer')!r}.")
        _discovered[issuer] = document
        return document


def sso_setting(attr: str, *default):
    """mozilla-django-oidc's settings, with the provider's endpoints discovered when not set."""
    if attr in ENDPOINT_KEYS and not getattr(settings, attr, ""):
        value = discovery(settings.SOVRA_OIDC_ISSUER).get(ENDPOINT_KEYS[attr])
        if not value:
            raise SsoUnavailable(f"The provider's discovery document has no {ENDPOINT_KEYS[attr]}.")
        return value
    return import_from_settings(attr, *default)


class SsoBackend(OIDCAuthenticationBackend):
    """Signs in the provider's user that the callback brings back, matched by our rules."""

    get_settings = staticmethod(sso_setting)

    def __init__(self, *args, **kwargs):
        # Django builds every backend for every sign-in, passwords included: the provider's
        # endpoints are read only when a callback arrives.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce; nothing else ever reaches the provider.
        if request is None or "nonce" not in kwargs or not sso_enabled():
            return None
        super().__init__()
        return super().authenticate(request, **kwargs)

    def _verify_jws(self, payload, key):
        """Signature, algorithm, audience, expiry, and the issuer (which the library skips)."""
        try:
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=30,
            )
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"Token refused: {exc}") from exc
        if str(claims["iss"]).rstrip("/") != settings.SOVRA_OIDC_ISSUER:
            raise SuspiciousOperation(f"Token of another issuer: {claims['iss']!r}.")
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if str(userinfo.get("sub")) != str(payload["sub"]):
            raise SuspiciousOperation("The userinfo names another subject than the ID token.")
        try:
            return sso_user_for_claims(
                issuer=settings.SOVRA_OIDC_ISSUER, claims={**payload, **userinfo}
            )
        except SsoRefused as refusal:
            logger.info("Single sign-on refused for %s: %s", payload["sub"], refusal.reason)
            self.request.sso_refusal = refusal
            return None
