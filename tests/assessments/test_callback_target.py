"""Where a callback may go: every notation of an inside address refused, each name resolved once,
the installation's own hosts allowed by name."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from assessments.callback_target import (
    CallbackNotPublic,
    CallbackRefused,
    callback_target,
    callback_url_check,
    parse_ipv4_host,
)

PUBLIC = "93.184.215.14"


def no_lookup(host, port):
    raise AssertionError(f"{host} was looked up, though the URL names its address")


class Resolver:
    """Answers every name with fixed addresses and counts the lookups."""

    def __init__(self, *answers: str):
        self.answers, self.calls = list(answers), []

    def __call__(self, host, port):
        self.calls.append((host, port))
        return self.answers


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.0.0.1:6379/",  # Redis
        "http://127.0.0.1:5432/",  # PostgreSQL
        "http://127.0.0.1:8000/api/v1/",  # the app itself
        "https://127.255.255.254/",
        "http://0.0.0.0/",
        "http://0/",
        "http://[::1]/",
        "http://[::1]:8000/",
        "http://[::]/",
        "http://2130706433/",  # decimal
        "http://127.1/",  # short forms
        "http://127.0.1/",
        "http://0177.0.0.1/",  # octal
        "http://017700000001/",
        "http://0x7f.0.0.1/",  # hex
        "http://0x7f000001/",
        "http://0x7F.1/",
        "http://127.0.0.1./",  # trailing dot
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
        "http://[::ffff:7f00:1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
        "http://[2002:7f00:1::1]/",  # 6to4 of 127.0.0.1
        "http://10.0.0.5/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",  # shared address space (carrier-grade NAT)
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata: link-local
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[fd12:3456::1]/",
        "http://224.0.0.1/",
        "http://[ff02::1]/",
        "http://240.0.0.1/",  # reserved
        "http://255.255.255.255/",
        "http://192.0.2.1/",  # documentation: not globally routable
        "http://localhost/",
        "http://LOCALHOST:8000/",
        "http://localhost./",
        "http://app.localhost/",
        "http://metadata.google.internal/",
        "http://printer.local/",
        "http://intranet/",  # one label: only a local search domain completes it
    ],
)
def test_inside_addresses_are_refused_in_every_notation_without_a_lookup(url):
    with pytest.raises(CallbackNotPublic):
        callback_target(url, resolve=no_lookup)
    with pytest.raises(CallbackNotPublic):
        callback_url_check(url)


@pytest.mark.parametrize(
    "answers",
    [
        ["127.0.0.1"],
        ["::1"],
        ["0.0.0.0"],  # noqa: S104 - an answer to refuse
        ["10.1.2.3"],
        ["169.254.169.254"],
        ["::ffff:127.0.0.1"],
        ["fe80::1%eth0"],
        ["224.0.0.251"],
        [PUBLIC, "192.168.0.10"],  # one inside answer is enough: resolvers rotate them
    ],
)
def test_a_name_that_resolves_inside_is_refused(answers):
    resolver = Resolver(*answers)
    with pytest.raises(CallbackNotPublic, match=r"hooks\.example\.org resolves to"):
        callback_target("https://hooks.example.org/sovra", resolve=resolver)
    assert resolver.calls == [("hooks.example.org", 443)]


def test_a_public_name_is_resolved_once_and_its_address_kept():
    resolver = Resolver(PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    target = callback_target("https://Hooks.Example.org/sovra?run=1", resolve=resolver)
    assert resolver.calls == [("hooks.example.org", 443)]
    assert target.address == ipaddress.ip_address(PUBLIC)
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "hooks.example.org",
        443,
        "/sovra?run=1",
    )
    assert target.host_header == "hooks.example.org"


def test_a_public_address_needs_no_lookup():
    target = callback_target(f"http://{PUBLIC}:8080", resolve=no_lookup)
    assert target.address == ipaddress.ip_address(PUBLIC)
    assert target.path == "/" and target.host_header == f"{PUBLIC}:8080"


def test_hosts_the_installation_allows_may_be_inside():
    resolver = Resolver("10.0.0.7")
    allowed = ["cmdb.internal", "127.0.0.1", "[::1]"]
    target = callback_target("http://CMDB.internal:8080/h", allowed_hosts=allowed, resolve=resolver)
    assert target.address == ipaddress.ip_address("10.0.0.7")
    assert target.host_header == "cmdb.internal:8080"
    for url in ("http://127.0.0.1:9000/", "http://[::1]/"):
        callback_url_check(url, allowed_hosts=allowed)
        assert callback_target(url, allowed_hosts=allowed, resolve=no_lookup).address.is_loopback
    # Allowing a name does not allow the other spellings of its address.
    with pytest.raises(CallbackNotPublic):
        callback_target("http://2130706433/", allowed_hosts=allowed, resolve=no_lookup)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/x",
        "file:///etc/passwd",
        "gopher://example.org/",
        "http://user:secret@example.org/",
        "http://example.org@127.0.0.1/",
        "http:///path",
        "http://256.0.0.1/",
        "http://1.2.3.4.5/",
        "http://0x100.0.0.1/",
        "http://08.0.0.1/",
        "http://exa_mple..org/",
        "http://-bad-.example.org/",
        "http://[fe80::1%25eth0]/",
        "http://[::1/",
        "http://example.org:99999/",
    ],
)
def test_what_is_no_http_url_of_a_host_is_refused(url):
    with pytest.raises(CallbackRefused):
        callback_target(url, resolve=Resolver(PUBLIC))


def test_a_name_that_does_not_resolve_is_refused():
    def fails(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(CallbackRefused, match="could not be resolved"):
        callback_target("https://nowhere.example.org/", resolve=fails)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "0x7f.1",
     "017700000001", "0", "1.2.3.4", "0x1.0x2.0x3.0x4", "010.010.010.010", "255.255.255.255",
     "192.168.65535", "10.16777215"],
)  # fmt: skip
def test_numeric_hosts_read_as_the_c_library_reads_them(host):
    """The address a numeric host names is the one inet_aton (what connect() would use) gives."""
    assert parse_ipv4_host(host) == ipaddress.IPv4Address(socket.inet_aton(host))


def test_names_are_not_read_as_addresses():
    assert parse_ipv4_host("example.org") is None
    assert parse_ipv4_host("1.2.3.example") is None
