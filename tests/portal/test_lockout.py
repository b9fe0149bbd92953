"""Sign-in lockout: repeated failures lock one account from one address for a cool-off."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.lockout import client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
ALICE_ADDRESS = "203.0.113.7"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


@pytest.fixture
def alice():
    return UserFactory(username="alice", password=PASSWORD)


def sign_in(password: str, username: str = "alice", address: str = ALICE_ADDRESS):
    return Client(REMOTE_ADDR=address).post(
        reverse("login"), {"username": username, "password": password}
    )


def fail(times: int, **kwargs):
    """Sign in with a wrong password ``times`` times; the last response."""
    responses = [sign_in("wrong-password", **kwargs) for _ in range(times)]
    assert [r.status_code for r in responses[:-1]] == [200] * (times - 1)
    return responses[-1]


def test_the_limit_of_failures_locks_even_the_right_password_out(alice):
    """GIVEN three failed sign-ins (the third already answered 429) WHEN the right password
    comes from the same address THEN 429 with the wait on the page and in Retry-After, and no
    session."""
    assert fail(3).status_code == 429
    response = sign_in(PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    body = response.content.decode()
    assert "Too many failed sign-ins" in body and "Try again in 15 minutes." in body
    assert "_auth_user_id" not in response.client.session


def test_failures_below_the_limit_do_not_lock(alice):
    assert fail(2).status_code == 200
    assert sign_in(PASSWORD).status_code == 302


def test_the_lock_holds_one_account_from_one_address(alice):
    UserFactory(username="bob", password=PASSWORD)
    fail(3)
    assert sign_in(PASSWORD, address="198.51.100.20").status_code == 302
    assert sign_in(PASSWORD, username="bob").status_code == 302


def test_the_lock_lifts_after_the_cool_off(alice):
    fail(3)
    assert sign_in(PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in(PASSWORD).status_code == 302


def test_without_a_cool_off_the_lock_holds_until_an_administrator_lifts_it(settings, alice):
    settings.AXES_COOLOFF_TIME = None
    fail(3)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(days=30))
    response = sign_in(PASSWORD)
    assert response.status_code == 429
    assert "Retry-After" not in response
    assert "Ask an administrator to unlock it." in response.content.decode()
    call_command("axes_reset_username", "alice", stdout=StringIO())
    assert sign_in(PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_count(alice):
    fail(2)
    assert sign_in(PASSWORD).status_code == 302
    fail(2)
    assert sign_in(PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.2"),
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (2, "198.51.100.1", "10.0.0.2"),
        (1, "", "10.0.0.2"),
    ],
)
def test_client_address_is_taken_from_the_trusted_proxies_entries(
    settings, rf, count, forwarded, expected
):
    """Entries left of what the trusted proxies appended are the client's own claims."""
    settings.SOVRA_TRUSTED_PROXY_COUNT = count
    request = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_behind_a_proxy_the_lock_holds_the_client_not_the_proxy(settings, alice):
    settings.SOVRA_TRUSTED_PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.66")
    for _ in range(3):
        attacker.post(reverse("login"), {"username": "alice", "password": "wrong-password"})
    assert (
        attacker.post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code
        == 429
    )
    alice_browser = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=ALICE_ADDRESS)
    assert (
        alice_browser.post(
            reverse("login"), {"username": "alice", "password": PASSWORD}
        ).status_code
        == 302
    )


def test_an_account_signs_in_with_its_e_mail_address_too(alice):
    alice.email = "alice@alice-media.example"
    alice.save()
    assert sign_in(PASSWORD, username="Alice@Alice-Media.example").status_code == 302
    page = Client().get(reverse("login")).content.decode()
    assert "Username or e-mail" in page


def test_an_address_two_accounts_share_signs_in_neither(alice):
    """An e-mail address is not unique among accounts: one held twice names no one."""
    alice.email = "team@alice-media.example"
    alice.save()
    UserFactory(username="bob", password=PASSWORD, email="team@alice-media.example")
    assert sign_in(PASSWORD, username="team@alice-media.example").status_code == 200
    assert sign_in(PASSWORD, username="bob").status_code == 302


def test_the_e_mail_address_and_the_username_share_one_count_of_failures(alice):
    """GIVEN failures alternating the account's e-mail address and its username THEN the
    third locks the account, as three with either name would."""
    alice.email = "alice@alice-media.example"
    alice.save()
    assert sign_in("wrong", username="alice@alice-media.example").status_code == 200
    assert sign_in("wrong", username="alice").status_code == 200
    assert sign_in("wrong", username="ALICE@alice-media.example").status_code == 429
    assert sign_in(PASSWORD).status_code == 429
