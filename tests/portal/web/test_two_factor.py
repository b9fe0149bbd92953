"""Two-factor sign-in with real TOTP codes computed from the secret the set-up page shows."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import Role
from portal.services.tokens import api_token_create
from portal.services.two_factor import RECOVERY_CODE_COUNT, recovery_codes_issue
from tests.factories import MembershipFactory, UserFactory
from tests.support.totp import enrolled, totp_code

PASSWORD = "correct-horse-battery"
ADDRESS = "203.0.113.9"


@pytest.fixture
def ida(org):
    user = UserFactory(username="ida", email="ida@alice.example", password=PASSWORD)
    MembershipFactory(organization=org, user=user, role=Role.ANALYST)
    return user


def _password(client: Client, username="ida", password=PASSWORD, next_url=""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_codes_match_the_rfc_6238_reference():
    """The test's own code generator against RFC 6238's SHA-1 vectors (8 digits)."""
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert totp_code(secret, at=59, digits=8) == "94287082"
    assert totp_code(secret, at=1111111109, digits=8) == "07081804"


def test_enrolment_shows_a_qr_code_and_the_secret_and_needs_a_real_code(client_for, ida):
    client = client_for(ida)
    page = client.get(reverse("two-factor-enrol")).content.decode()
    assert re.search(r"<svg[^>]*class=\"qr-code\"", page)
    assert "http" not in page.split('class="qr"')[1].split("</div>")[0]  # drawn here, no CDN
    secret = re.search(r'id="totp-secret"[^>]*value="([A-Z2-7 ]+)"', page).group(1)
    assert len(secret.replace(" ", "")) == 32  # 160 bits
    # The same secret until it is confirmed: reloading the page must not break a scan.
    assert secret in client.get(reverse("two-factor-enrol")).content.decode()

    wrong = client.post(reverse("two-factor-enrol"), {"code": "000000"})
    assert "not the one the app shows now" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=ida, confirmed=True).exists()

    done = client.post(reverse("two-factor-enrol"), {"code": totp_code(secret)})
    assert done.status_code == 200
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", done.content.decode())
    assert len(set(codes)) == RECOVERY_CODE_COUNT
    assert TOTPDevice.objects.get(user=ida).confirmed
    assert "On." in client.get(reverse("two-factor")).content.decode()


def test_password_then_code_signs_in(ida, org):
    secret = enrolled(ida)
    client = Client(REMOTE_ADDR=ADDRESS)
    first = _password(client, next_url=f"/o/{org.slug}/")
    assert first.status_code == 302 and first["Location"] == reverse("login-code")
    assert not _signed_in(client)
    assert client.get(f"/o/{org.slug}/").status_code == 302  # still signed out

    wrong = client.post(reverse("login-code"), {"code": "123456"})
    assert wrong.status_code == 200 and "not valid" in wrong.content.decode()
    assert not _signed_in(client)
    time.sleep(1.1)  # django-otp makes the device wait a second after a wrong code

    right = client.post(reverse("login-code"), {"code": totp_code(secret, at=time.time() + 30)})
    assert right.status_code == 302 and right["Location"] == f"/o/{org.slug}/"
    assert _signed_in(client)
    assert client.get(f"/o/{org.slug}/").status_code == 200


def test_the_same_code_never_signs_in_twice(ida):
    secret = enrolled(ida)
    code = totp_code(secret, at=time.time() + 30)
    first = Client(REMOTE_ADDR=ADDRESS)
    _password(first)
    assert first.post(reverse("login-code"), {"code": code}).status_code == 302
    second = Client(REMOTE_ADDR=ADDRESS)
    _password(second)
    assert second.post(reverse("login-code"), {"code": code}).status_code == 200
    assert not _signed_in(second)


def test_a_recovery_code_works_once(ida):
    enrolled(ida)
    codes = recovery_codes_issue(user=ida)
    client = Client(REMOTE_ADDR=ADDRESS)
    _password(client)
    assert client.post(reverse("login-code"), {"code": codes[0].upper()}).status_code == 302
    again = Client(REMOTE_ADDR=ADDRESS)
    _password(again)
    assert again.post(reverse("login-code"), {"code": codes[0]}).status_code == 200
    assert not _signed_in(again)
    time.sleep(1.1)
    assert again.post(reverse("login-code"), {"code": codes[1]}).status_code == 302


def test_the_code_step_expires(ida, settings):
    enrolled(ida)
    settings.SOVRA_TWO_FACTOR_STEP_SECONDS = 0
    client = Client(REMOTE_ADDR=ADDRESS)
    _password(client)
    time.sleep(0.01)
    response = client.post(reverse("login-code"), {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == reverse("login")


def test_wrong_codes_lock_the_account_out_like_wrong_passwords(ida, settings):
    """GIVEN a right password and then wrong codes up to the limit WHEN the right code comes
    THEN the lockout page answers, and nobody is signed in."""
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    secret = enrolled(ida)
    client = Client(REMOTE_ADDR=ADDRESS)
    _password(client)
    statuses = [client.post(reverse("login-code"), {"code": "000000"}).status_code for _ in "abc"]
    assert statuses == [200, 200, 429]
    right = client.post(reverse("login-code"), {"code": totp_code(secret, at=time.time() + 30)})
    assert right.status_code == 429
    assert "Too many failed sign-ins" in right.content.decode()
    assert not _signed_in(client)
    # The password step is locked too: the count is the account's, whichever step failed.
    assert _password(Client(REMOTE_ADDR=ADDRESS)).status_code == 429


def test_organization_requiring_two_factors_sends_members_to_enrol_first(ida, org, owner):
    org.require_two_factor = True
    org.save()
    client = Client(REMOTE_ADDR=ADDRESS)
    response = _password(client, next_url=f"/o/{org.slug}/workloads/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor-enrol"))
    # Every page of the organization sends them there until they have an authenticator.
    page = client.get(f"/o/{org.slug}/workloads/")
    assert page.status_code == 302 and page["Location"].startswith(reverse("two-factor"))
    enrol_page = client.get(reverse("two-factor"), {"next": f"/o/{org.slug}/workloads/"})
    assert enrol_page["Location"].startswith(reverse("two-factor-enrol"))
    page = client.get(enrol_page["Location"]).content.decode()
    secret = re.search(r'id="totp-secret"[^>]*value="([A-Z2-7 ]+)"', page).group(1)
    assert "requires two-factor sign-in" in page
    client.post(enrol_page["Location"], {"code": totp_code(secret)})
    assert client.get(f"/o/{org.slug}/workloads/").status_code == 200
    # It cannot be turned off while the organization requires it.
    response = client.post(reverse("two-factor-disable"), {"code": totp_code(secret)})
    assert "cannot be turned off" in response.content.decode()
    assert TOTPDevice.objects.filter(user=ida).exists()


def test_session_from_before_the_authenticator_enters_a_code_once(ida, org, client_for):
    org.require_two_factor = True
    org.save()
    secret = enrolled(ida)
    client = client_for(ida)  # signed in without the code step
    assert client.get(f"/o/{org.slug}/")["Location"].startswith(reverse("two-factor"))
    response = client.post(
        reverse("two-factor"),
        {"code": totp_code(secret, at=time.time() + 30), "next": f"/o/{org.slug}/"},
    )
    assert response["Location"] == f"/o/{org.slug}/"
    assert client.get(f"/o/{org.slug}/").status_code == 200


def test_api_tokens_need_an_authenticator_where_two_factors_are_required(ida, org, other_org):
    MembershipFactory(organization=other_org, user=ida, role=Role.VIEWER)
    _, secret = api_token_create(user=ida, name="CMDB", expires_in_days=30)
    api = Client(HTTP_AUTHORIZATION=f"Token {secret}")
    org.require_two_factor = True
    org.save()
    refused = api.get(f"/api/v1/orgs/{org.slug}/workloads/")
    assert refused.status_code == 403
    assert "requires two-factor sign-in" in refused.json()["detail"]
    assert api.get(f"/api/v1/orgs/{other_org.slug}/workloads/").status_code == 200
    enrolled(ida)
    assert api.get(f"/api/v1/orgs/{org.slug}/workloads/").status_code == 200


def test_member_turns_two_factors_off_with_a_code(ida, client_for):
    secret = enrolled(ida)
    client = client_for(ida)
    assert (
        "not valid"
        in client.post(reverse("two-factor-disable"), {"code": "000000"}).content.decode()
    )
    time.sleep(1.1)
    response = client.post(
        reverse("two-factor-disable"), {"code": totp_code(secret, at=time.time() + 30)}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=ida).exists()
