"""TXT records, read through the system's resolver or the name servers the settings name."""

from __future__ import annotations

import dns.exception
import dns.nameserver
import dns.resolver
from django.conf import settings

LOOKUP_SECONDS = 5.0


class DnsLookupFailed(Exception):
    """No name server answered (as opposed to an answer without the record)."""


def _nameserver(entry: str) -> dns.nameserver.Do53Nameserver:
    """``address``, ``address:port``, ``[IPv6]`` or ``[IPv6]:port``; a bare IPv6 address too."""
    entry = entry.strip()
    if entry.startswith("["):
        address, _, rest = entry[1:].partition("]")
        port = rest.lstrip(":")
    elif entry.count(":") == 1:
        address, port = entry.split(":")
    else:
        address, port = entry, ""
    return dns.nameserver.Do53Nameserver(address, int(port) if port else 53)


def _resolver() -> dns.resolver.Resolver:
    configured = settings.SOVRA_DNS_NAMESERVERS
    resolver = dns.resolver.Resolver(configure=not configured)
    if configured:
        resolver.nameservers = [_nameserver(entry) for entry in configured]
    resolver.lifetime = LOOKUP_SECONDS
    return resolver


def txt_records(name: str) -> list[str]:
    """The TXT strings published at ``name`` (each record's parts joined); none: empty list."""
    try:
        answer = _resolver().resolve(name, "TXT", search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.resolver.NoNameservers, dns.exception.Timeout) as exc:
        raise DnsLookupFailed(f"No name server answered for {name}.") from exc
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]
