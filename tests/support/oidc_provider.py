"""A small OpenID Connect provider on loopback, for tests of single sign-on.

It serves the standard endpoints (discovery, authorize, token, JWKS, userinfo), signs ID tokens
with RS256 (PyJWT, which mozilla-django-oidc verifies them with), checks the client's secret,
the redirect URI and the PKCE verifier, and hands out each code once. Whoever visits
``authorize`` is signed in as ``provider.claims``; ``provider.id_token_extra`` overrides ID
token claims, so a test can forge a nonce, an audience or an issuer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class LoopbackProvider:
    def __init__(self, *, client_id: str, client_secret: str):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(4)
        self.claims: dict = {}
        self.id_token_extra: dict = {}
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def jwks(self) -> dict:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def authorize(self, query: dict) -> tuple[int, dict]:
        """Sign ``self.claims`` in and send the browser back with a code (or an error)."""
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return 400, {"error": "unauthorized_client"}
        if "openid" not in query.get("scope", "").split():
            return 400, {"error": "invalid_scope"}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "claims": dict(self.claims),
            "nonce": query.get("nonce"),
            "redirect_uri": query["redirect_uri"],
            "challenge": query.get("code_challenge"),
            "method": query.get("code_challenge_method"),
        }
        back = {"code": code, "state": query.get("state", "")}
        return 302, {"Location": f"{query['redirect_uri']}?{urlencode(back)}"}

    def token(self, form: dict) -> tuple[int, dict]:
        self.token_requests.append(form)
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if form.get("grant_type") != "authorization_code" or grant is None:
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        if grant["method"] != "S256" or (
            base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]
        ):
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        now = int(time.time())
        claims = grant["claims"]
        id_token = {
            "iss": self.issuer,
            "sub": claims["sub"],
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            "email": claims.get("email"),
            "email_verified": claims.get("email_verified"),
            **self.id_token_extra,
        }
        access_token = secrets.token_urlsafe(16)
        self.access_tokens[access_token] = claims
        signed = jwt.encode(id_token, self.key, algorithm="RS256", headers={"kid": self.kid})
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": signed,
        }

    def userinfo(self, authorization: str) -> tuple[int, dict]:
        scheme, _, token = authorization.partition(" ")
        claims = self.access_tokens.get(token) if scheme == "Bearer" else None
        if claims is None:
            return 401, {"error": "invalid_token"}
        return 200, claims

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, status: int, body: dict) -> None:
                if status == 302:
                    self.send_response(302)
                    self.send_header("Location", body["Location"])
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._answer(200, provider.discovery())
                elif url.path == "/jwks":
                    self._answer(200, provider.jwks())
                elif url.path == "/authorize":
                    self._answer(*provider.authorize(query))
                elif url.path == "/userinfo":
                    self._answer(*provider.userinfo(self.headers.get("Authorization", "")))
                else:
                    self._answer(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path == "/token":
                    self._answer(*provider.token(form))
                else:
                    self._answer(404, {"error": "not_found"})

        return Handler
