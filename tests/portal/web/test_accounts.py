"""Sign in and out, password change and password reset by email, on our own templates."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

PASSWORD = "correct-horse-battery"


def test_login_page_renders_our_template(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "accounts/login.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert 'for="id_username"' in body
    assert 'for="id_password"' in body


def test_sign_in_goes_home_then_to_the_dashboard(client, org, viewer):
    response = client.post(reverse("login"), {"username": "victor", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get("/")["Location"] == reverse("dashboard", args=[org.slug])


def test_sign_in_lasts_the_configured_session_age(client, settings, viewer):
    """GIVEN DJANGO_SESSION_COOKIE_AGE of 8 hours WHEN victor signs in THEN his session cookie
    and the stored session both end after 8 hours."""
    settings.SESSION_COOKIE_AGE = 8 * 3600
    response = client.post(reverse("login"), {"username": "victor", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 8 * 3600
    assert client.session.get_expiry_age() == 8 * 3600


def test_wrong_password_shows_an_error_and_signs_nobody_in(client, viewer):
    response = client.post(reverse("login"), {"username": "victor", "password": "nope"})
    assert response.status_code == 200
    assert "alert-error" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_needs_a_post(client_for, viewer):
    client = client_for(viewer)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_password_change(client_for, viewer):
    client = client_for(viewer)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-passphrase-9",
            "new_password2": "a-much-longer-passphrase-9",
        },
    )
    assert response["Location"] == reverse("password_change_done")
    viewer.refresh_from_db()
    assert viewer.check_password("a-much-longer-passphrase-9")
    assert client.get(reverse("password_change_done")).status_code == 200


def test_password_change_errors_show_beside_the_field(client_for, viewer):
    response = client_for(viewer).post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_old_password_error"' in body
    assert 'id="id_new_password2_error"' in body


def test_password_reset_mails_a_link_that_sets_a_new_password(client, viewer):
    response = client.post(reverse("password_reset"), {"email": "victor@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["victor@example.org"]
    assert message.subject == "Reset your Sovra password"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)

    response = client.get(link)  # Django swaps the token for a session marker and redirects
    assert response.status_code == 302
    set_url = response["Location"]
    response = client.get(set_url)
    assert response.context["validlink"] is True
    response = client.post(
        set_url,
        {"new_password1": "fresh-passphrase-42", "new_password2": "fresh-passphrase-42"},
    )
    assert response["Location"] == reverse("password_reset_complete")
    user = get_user_model().objects.get(pk=viewer.pk)
    assert user.check_password("fresh-passphrase-42")
    assert client.get(reverse("password_reset_complete")).status_code == 200


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []
    assert client.get(reverse("password_reset_done")).status_code == 200


def test_a_bad_reset_link_says_so(client, db):
    response = client.get(reverse("password_reset_confirm", args=["MQ", "bad-token"]))
    assert response.status_code == 200
    assert "no longer works" in response.content.decode()
