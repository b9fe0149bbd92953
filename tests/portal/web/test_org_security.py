"""An owner's sign-in rules: verified e-mail domains (a DNS TXT record on loopback) and 2FA."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal import dns_records
from portal.models import Organization, VerifiedDomain
from portal.services.domains import domain_clean
from tests.factories import VerifiedDomainFactory
from tests.support.dns_server import LoopbackDns


@pytest.fixture
def dns_server(settings):
    with LoopbackDns() as server:
        settings.SOVRA_DNS_NAMESERVERS = [server.address]
        yield server


def _page(client, org) -> str:
    return client.get(reverse("org-security", kwargs={"org_slug": org.slug})).content.decode()


def test_owner_proves_a_domain_with_the_txt_record_sovra_shows(client_for, org, owner, dns_server):
    client = client_for(owner)
    url = reverse("org-security", kwargs={"org_slug": org.slug})
    response = client.post(url, {"domain": "@Alice.Example", "role": "analyst"})
    assert response.status_code == 302
    domain = VerifiedDomain.objects.for_organization(org).get()
    assert (domain.domain, domain.role, domain.verified_at) == ("alice.example", "analyst", None)
    page = _page(client, org)
    assert "_sovra-verification.alice.example" in page
    assert f"sovra-verification={domain.token}" in page

    verify = reverse("domain-verify", kwargs={"org_slug": org.slug, "pk": domain.pk})
    client.post(verify)
    assert "No TXT record" in _page(client, org)
    assert dns_server.queries == ["_sovra-verification.alice.example"]
    domain.refresh_from_db()
    assert domain.verified_at is None

    dns_server.records["_sovra-verification.alice.example"] = [
        "v=spf1 -all",
        "sovra-verification=wrong",
    ]
    client.post(verify)
    domain.refresh_from_db()
    assert domain.verified_at is None

    dns_server.records["_sovra-verification.alice.example"].append(domain.record_value)
    client.post(verify)
    domain.refresh_from_db()
    assert domain.verified_at is not None
    assert "alice.example is verified" in _page(client, org)

    client.post(reverse("domain-remove", kwargs={"org_slug": org.slug, "pk": domain.pk}))
    assert not VerifiedDomain.objects.for_organization(org).exists()


def test_a_domain_verified_elsewhere_is_not_verified_twice(
    org, other_org, owner, client_for, dns_server
):
    VerifiedDomainFactory(organization=other_org, domain="shared.example")
    mine = VerifiedDomainFactory(organization=org, domain="shared.example", verified_at=None)
    dns_server.records["_sovra-verification.shared.example"] = [mine.record_value]
    client = client_for(owner)
    client.post(reverse("domain-verify", kwargs={"org_slug": org.slug, "pk": mine.pk}))
    mine.refresh_from_db()
    assert mine.verified_at is None
    assert "already verified by another organization" in _page(client, org)


def test_silent_name_server_is_a_clear_error(org, owner, client_for, settings, monkeypatch):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    settings.SOVRA_DNS_NAMESERVERS = [f"127.0.0.1:{silent.getsockname()[1]}"]
    domain = VerifiedDomainFactory(organization=org, domain="slow.example", verified_at=None)
    monkeypatch.setattr(dns_records, "LOOKUP_SECONDS", 0.3)
    client = client_for(owner)
    try:
        client.post(reverse("domain-verify", kwargs={"org_slug": org.slug, "pk": domain.pk}))
    finally:
        silent.close()
    assert "No name server answered for _sovra-verification.slow.example" in _page(client, org)


@pytest.mark.parametrize(
    "text", ["", "localhost", "exa mple.org", "-bad.example", "a..b.org", "x" * 64 + ".org"]
)
def test_what_is_not_a_domain_name_is_refused_naming_the_field(text):
    with pytest.raises(ValidationError) as caught:
        domain_clean(text)
    assert list(caught.value.message_dict) == ["domain"]


def test_owner_requires_and_releases_two_factor_sign_in(org, owner, admin_user, client_for):
    url = reverse("org-security", kwargs={"org_slug": org.slug})
    assert client_for(admin_user).post(url, {"two_factor": "required"}).status_code == 403
    assert not Organization.objects.get(pk=org.pk).require_two_factor
    assert client_for(owner).post(url, {"two_factor": "required"}).status_code == 302
    assert Organization.objects.get(pk=org.pk).require_two_factor
    # The owner is a member too: without an authenticator, the page now sends them to set it up.
    assert client_for(owner).get(url)["Location"].startswith(reverse("two-factor"))
