"""How people sign in: lockout after failed attempts, two-factor codes, single sign-on.

Imported by ``portal.settings.base`` (after it has read ``.env``), whose names these become."""

from __future__ import annotations

from datetime import timedelta

import environ

_env = environ.Env()

# Sign-in lockout (django-axes): after SOVRA_LOGIN_FAILURE_LIMIT failed sign-ins for one account
# from one address, that pair is refused until SOVRA_LOGIN_COOLOFF_MINUTES pass. The pair, not
# the account alone, so that nobody can lock a colleague out from elsewhere.
AUTHENTICATION_BACKENDS = [
    "portal.lockout.SignInLockoutBackend",
    "portal.lockout.UsernameOrEmailBackend",
    # The code step after the password (or SSO): counted by the lockout like a password.
    "portal.two_factor.TwoFactorCodeBackend",
    # OpenID Connect: answers only the callback of a sign-in it started, and only when configured.
    "portal.sso.SsoBackend",
]
AXES_FAILURE_LIMIT = _env.int("SOVRA_LOGIN_FAILURE_LIMIT", default=5)
_LOGIN_COOLOFF_MINUTES = _env.int("SOVRA_LOGIN_COOLOFF_MINUTES", default=15)
# 0: locked until an administrator lifts it, which axes spells None (a zero delta would mean
# that failures expire at once, so nobody would ever be locked).
AXES_COOLOFF_TIME = timedelta(minutes=_LOGIN_COOLOFF_MINUTES) if _LOGIN_COOLOFF_MINUTES else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "portal.lockout.lockout_username"
# Proxies in front that append the client's address to X-Forwarded-For (0: none, as in the
# embedded default); behind a proxy, the lockout needs it to tell clients apart.
SOVRA_TRUSTED_PROXY_COUNT = _env.int("SOVRA_TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "portal.lockout.client_address"
# Failed attempts only: a row per successful sign-in would grow without bound.
AXES_DISABLE_ACCESS_LOG = True
# Two-factor sign-in (django-otp): the issuer name authenticator apps show beside the account;
# the code step after the password waits this long before the password must be given again.
OTP_TOTP_ISSUER = _env.str("SOVRA_TOTP_ISSUER", default="Sovra")
SOVRA_TWO_FACTOR_STEP_SECONDS = _env.int("SOVRA_TWO_FACTOR_STEP_SECONDS", default=300)

# Single sign-on through an OpenID Connect provider: off unless the issuer and the client id are
# set. Endpoints not given are read from the issuer's discovery document on first use.
SOVRA_OIDC_ISSUER = _env.str("SOVRA_OIDC_ISSUER", default="").rstrip("/")
SOVRA_OIDC_PROVIDER_NAME = _env.str("SOVRA_OIDC_PROVIDER_NAME", default="single sign-on")
OIDC_RP_CLIENT_ID = _env.str("SOVRA_OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = _env.str("SOVRA_OIDC_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = _env.str("SOVRA_OIDC_SCOPES", default="openid email profile")
OIDC_RP_SIGN_ALGO = _env.str("SOVRA_OIDC_SIGN_ALGO", default="RS256")
OIDC_OP_AUTHORIZATION_ENDPOINT = _env.str("SOVRA_OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = _env.str("SOVRA_OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = _env.str("SOVRA_OIDC_USERINFO_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = _env.str("SOVRA_OIDC_JWKS_ENDPOINT", default="")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = _env.int("SOVRA_OIDC_TIMEOUT_SECONDS", default=10)
OIDC_AUTHENTICATION_CALLBACK_URL = "sso-callback"
# Name servers asked for the TXT record proving a domain ("address" or "address:port");
# empty: the system's resolver.
SOVRA_DNS_NAMESERVERS = _env.list("SOVRA_DNS_NAMESERVERS", default=[])
