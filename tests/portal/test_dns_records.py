"""The name servers SOVRA_DNS_NAMESERVERS names, as dnspython is given them."""

from __future__ import annotations

import pytest

from portal.dns_records import _nameserver


@pytest.mark.parametrize(
    ("entry", "address", "port"),
    [
        ("10.0.0.53", "10.0.0.53", 53),
        (" 127.0.0.1:5353 ", "127.0.0.1", 5353),
        ("::1", "::1", 53),
        ("[2001:db8::53]", "2001:db8::53", 53),
        ("[2001:db8::53]:5353", "2001:db8::53", 5353),
    ],
)
def test_address_and_port_are_read_from_each_form(entry, address, port):
    server = _nameserver(entry)
    assert (server.address, server.port) == (address, port)
