"""Where a callback may be sent: public addresses only, each host resolved once.

A callback URL is chosen by a tenant, and the worker that POSTs to it sits inside the
installation's network. Every form a host can take is read to the address it names (IPv4 in
decimal, octal, hex or short forms, IPv6 with IPv4 inside), and a name is resolved once: the
caller connects to that very address, so a second lookup cannot answer differently (DNS
rebinding). Plain Python, no Django: the settings are passed in.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Names that resolvers answer locally with loopback (RFC 6761) or that only exist inside a site.
_LOCAL_SUFFIXES = ("localhost", "localdomain", "local", "internal", "home.arpa")


class CallbackRefused(ValueError):
    """The URL may not be called; the message says why (for the log or the person entering it)."""


class CallbackNotPublic(CallbackRefused):
    """The URL names an address inside a network, which the installation may allow."""


@dataclass(frozen=True)
class CallbackTarget:
    """Where to connect (``address``) and what to ask for there (``host``, ``port``, ``path``)."""

    scheme: str
    host: str  # as written in the URL (lower case, IPv6 without brackets): Host header, TLS name
    port: int
    path: str  # path and query
    address: IPAddress

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def parse_ipv4_host(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a URL host names the way browsers and C libraries read it
    (WHATWG URL "IPv4 parser": ``127.1``, ``2130706433``, ``0x7f.0.0.1``, ``0177.0.0.1``), or
    None when the host is a name. Raises CallbackRefused for a number that is no address."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if not _is_number(parts[-1]):
        return None
    if len(parts) > 4:
        raise CallbackRefused(f"{host!r} is not a valid address.")
    try:
        numbers = [_ipv4_number(part) for part in parts]
    except ValueError as error:
        raise CallbackRefused(f"{host!r} is not a valid address.") from error
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        raise CallbackRefused(f"{host!r} is not a valid address.")
    value = last + sum(n << (8 * (3 - i)) for i, n in enumerate(leading))
    return ipaddress.IPv4Address(value)


def _is_number(part: str) -> bool:
    if part.lower().startswith("0x"):
        return all(c in "0123456789abcdefABCDEF" for c in part[2:])
    return part.isdigit() and part.isascii()


def _ipv4_number(part: str) -> int:
    if part.lower().startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part[1:], 8)
    return int(part, 10)


def address_refusal(address: IPAddress) -> str | None:
    """Why ``address`` is not a public one (e.g. ``"loopback"``), or None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if address.teredo:
            embedded = address.teredo[1]
        if address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            reason = address_refusal(embedded)
            if reason:
                return f"{reason} (inside an IPv6 address)"
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not globally routable", not address.is_global),
    )
    return next((name for name, refused in checks if refused), None)


def _split(url: str) -> tuple[str, str, int, str, IPAddress | None]:
    """Scheme, host, port, path and the literal address of ``url`` (None for a name)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise CallbackRefused(f"Cannot read the URL: {error}.") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise CallbackRefused("An http(s) address: the callback is an HTTP POST.")
    if parts.username is not None or parts.password is not None:
        raise CallbackRefused("A user name or password in the URL is not supported.")
    host = (parts.hostname or "").lower()
    if not host:
        raise CallbackRefused("The URL names no host.")
    port = port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if "[" in parts.netloc:
        if "%" in host:
            raise CallbackRefused("An IPv6 address with a zone is not supported.")
        try:
            return scheme, host, port, path, ipaddress.IPv6Address(host)
        except ValueError as error:
            raise CallbackRefused(f"{host!r} is not a valid IPv6 address.") from error
    address = parse_ipv4_host(host)
    if address is None:
        labels = host.rstrip(".").split(".")
        if not all(_LABEL.match(label) for label in labels):
            raise CallbackRefused(f"{host!r} is not a valid host name.")
    return scheme, host, port, path, address


def _allowed(host: str, allowed_hosts: Iterable[str]) -> bool:
    return host.rstrip(".") in {h.strip().lower().strip("[]").rstrip(".") for h in allowed_hosts}


def callback_url_check(url: str, *, allowed_hosts: Iterable[str] = ()) -> None:
    """Refuse what the URL itself shows is not public (no lookup: for where it is entered).

    A name is checked again, resolved, each time the callback is sent, since what it resolves to
    may change after it is entered."""
    _scheme, host, _port, _path, address = _split(url)
    if _allowed(host, allowed_hosts):
        return
    if address is not None:
        reason = address_refusal(address)
        if reason:
            raise CallbackNotPublic(f"{host} is a {reason} address ({address}), not a public one.")
        return
    name = host.rstrip(".")
    if any(name == s or name.endswith("." + s) for s in _LOCAL_SUFFIXES) or "." not in name:
        raise CallbackNotPublic(f"{host} names a host inside a local network, not a public one.")


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host``."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def callback_target(
    url: str, *, allowed_hosts: Iterable[str] = (), resolve: Resolver | None = None
) -> CallbackTarget:
    """Where to send the callback for ``url``: one lookup, every answer public (or the host is
    one the installation allows), the first answer used."""
    callback_url_check(url, allowed_hosts=allowed_hosts)
    scheme, host, port, path, address = _split(url)
    if address is None:
        resolve = resolve or system_resolve
        try:
            answers = [ipaddress.ip_address(a.split("%")[0]) for a in resolve(host, port)]
        except (OSError, UnicodeError, ValueError) as error:
            raise CallbackRefused(f"{host} could not be resolved: {error}.") from error
        if not answers:
            raise CallbackRefused(f"{host} could not be resolved.")
        if not _allowed(host, allowed_hosts):
            # One inside answer refuses the name: a resolver may rotate which answer comes first.
            for answer in answers:
                reason = address_refusal(answer)
                if reason:
                    raise CallbackNotPublic(f"{host} resolves to {answer}, a {reason} address.")
        address = answers[0]
    return CallbackTarget(scheme=scheme, host=host, port=port, path=path, address=address)
