"""RFC 6238 codes computed from the secret a user types into an authenticator app."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time


def totp_code(secret: str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The code an authenticator app shows for ``secret`` (base32, spaces allowed) at ``at``."""
    text = secret.replace(" ", "").upper()
    key = base64.b32decode(text + "=" * (-len(text) % 8))
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 10**digits:0{digits}d}"


def enrolled(user) -> str:
    """Give ``user`` a confirmed authenticator, as the set-up page does; returns its secret.

    The code confirming it is the current one: the next sign-in gives the next step's code
    (``at=time.time() + 30``), since a code is never accepted twice.
    """
    from portal.services.two_factor import (
        totp_enrolment_confirm,
        totp_enrolment_start,
        totp_secret_text,
    )

    secret = totp_secret_text(totp_enrolment_start(user=user))
    totp_enrolment_confirm(user=user, code=totp_code(secret))
    return secret
