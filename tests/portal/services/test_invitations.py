"""Invitations: consent before membership, one open invitation per address, links that work once."""

from __future__ import annotations

import re
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import Invitation, InvitationState, Membership, Role
from portal.models.invitation import invitation_token_hash
from portal.models.outbox import EmailStatus
from portal.services.invitations import (
    InvitationAccountExists,
    InvitationAlreadyAccepted,
    InvitationForAnotherAddress,
    InvitationUnusable,
    invitation_accept,
    invitation_create,
    invitation_email_send,
    invitation_revoke,
    invitation_sign_up,
)
from tests.factories import InvitationFactory, UserFactory

LINK = re.compile(r"https?://\S+/invitations/([A-Za-z0-9_-]+)/")
TOKEN = "k" * 43


def _membership(org, user) -> Membership:
    return Membership.objects.get(organization=org, user=user)


def _invitations(org):
    return list(Invitation.objects.for_organization(org))


def _sent_token(message) -> str:
    return LINK.search(message.body).group(1)


@pytest.fixture
def admin(org, admin_user):
    return _membership(org, admin_user)


@pytest.fixture
def send_on_commit(django_capture_on_commit_callbacks):
    """Run the e-mail task the service queues on commit (in-process, as Celery is eager)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_an_invitation_is_a_row_and_an_email_never_a_membership(org, admin, send_on_commit):
    with send_on_commit():
        invitation = invitation_create(
            organization=org, actor=admin, email=" Nadia@Example.org ", role=Role.ANALYST
        )
    assert invitation.email == "Nadia@Example.org"
    assert invitation.state == InvitationState.PENDING
    assert invitation.invited_by == admin.user
    assert Membership.objects.filter(organization=org).count() == 1  # the admin alone
    assert [message.to for message in mail.outbox] == [["Nadia@Example.org"]]
    invitation.refresh_from_db()
    assert invitation.email_status == EmailStatus.SENT
    assert invitation.email_attempts == 1


def test_the_email_carries_a_link_whose_secret_is_stored_only_as_a_hash(
    org, admin, send_on_commit, settings
):
    settings.SITE_URL = "https://sovra.example"
    with send_on_commit():
        invitation = invitation_create(
            organization=org, actor=admin, email="nadia@example.org", role=Role.VIEWER
        )
    message = mail.outbox[0]
    assert message.subject == "You are invited to Alice Media on Sovra"
    assert "as viewer" in message.body
    token = _sent_token(message)
    assert f"https://sovra.example/invitations/{token}/" in message.body
    invitation.refresh_from_db()
    assert invitation.token_hash == invitation_token_hash(token)
    assert token not in invitation.token_hash
    assert len(token) >= 43  # 256 random bits


def _normalized_queries(action) -> list[str]:
    """The SQL an action runs, with literals and numbers blanked out."""
    with CaptureQueriesContext(connection) as context:
        action()
    return [
        re.sub(r"\b\d+\b", "N", re.sub(r"'[^']*'|\"s\d+_x\d+\"", "'?'", query["sql"]))
        for query in context.captured_queries
    ]


def test_inviting_works_alike_whether_or_not_the_address_has_an_account(org, admin):
    """GIVEN an address with an account and one without WHEN each is invited THEN the service
    runs the same queries and gives the same answer: nothing tells the admin which is which."""
    UserFactory(username="existing", email="existing@example.org")
    assert admin.user  # loaded once, before either invitation
    results, queries = [], []
    for address in ("existing@example.org", "nobody@example.org"):
        queries.append(
            _normalized_queries(
                lambda address=address: results.append(
                    invitation_create(
                        organization=org, actor=admin, email=address, role=Role.VIEWER
                    )
                )
            )
        )
    assert queries[0] == queries[1]
    assert [(i.state, i.email_status, i.role) for i in results] == [
        (InvitationState.PENDING, EmailStatus.QUEUED, Role.VIEWER)
    ] * 2


def test_inviting_again_refreshes_the_open_invitation(org, owner, admin, send_on_commit):
    with send_on_commit():
        first = invitation_create(
            organization=org, actor=admin, email="nadia@example.org", role=Role.VIEWER
        )
    Invitation.objects.for_organization(org).filter(pk=first.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    with send_on_commit():
        again = invitation_create(
            organization=org,
            actor=_membership(org, owner),
            email="NADIA@example.org",
            role=Role.ANALYST,
        )
    assert again.pk == first.pk
    assert _invitations(org) == [again]
    again.refresh_from_db()
    assert (again.role, again.invited_by, again.state) == (
        Role.ANALYST,
        owner,
        InvitationState.PENDING,
    )
    assert len(mail.outbox) == 2
    # The newest e-mail's link is the one that works.
    assert again.token_hash == invitation_token_hash(_sent_token(mail.outbox[1]))


def test_a_revoked_or_accepted_invitation_stays_as_a_record_and_a_new_one_is_made(org, admin):
    revoked = InvitationFactory(
        organization=org, email="nadia@example.org", revoked_at=timezone.now()
    )
    fresh = invitation_create(
        organization=org, actor=admin, email="nadia@example.org", role=Role.VIEWER
    )
    assert fresh.pk != revoked.pk
    assert {i.pk for i in _invitations(org)} == {revoked.pk, fresh.pk}


def test_a_member_cannot_be_invited_again(org, admin, viewer):
    with pytest.raises(ValidationError) as error:
        invitation_create(
            organization=org, actor=admin, email=viewer.email.upper(), role=Role.VIEWER
        )
    assert "already a member" in error.value.message_dict["email"][0]


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [("not-an-address", Role.VIEWER, "email"), ("x@example.org", "boss", "role")],
)
def test_bad_input_names_its_field(org, admin, email, role, field):
    with pytest.raises(ValidationError) as error:
        invitation_create(organization=org, actor=admin, email=email, role=role)
    assert list(error.value.message_dict) == [field]


def test_only_admins_invite_and_only_owners_invite_owners(org, admin, analyst, owner):
    with pytest.raises(PermissionDenied):
        invitation_create(
            organization=org, actor=_membership(org, analyst), email="x@example.org", role="viewer"
        )
    with pytest.raises(PermissionDenied, match="owner"):
        invitation_create(organization=org, actor=admin, email="x@example.org", role=Role.OWNER)
    invitation = invitation_create(
        organization=org, actor=_membership(org, owner), email="x@example.org", role=Role.OWNER
    )
    # An admin may not turn an owner's invitation into something else either.
    with pytest.raises(PermissionDenied):
        invitation_create(organization=org, actor=admin, email="x@example.org", role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        invitation_revoke(actor=admin, invitation=invitation)


def test_an_admin_of_another_organization_cannot_invite_here(org, other_org, outsider):
    with pytest.raises(PermissionDenied):
        invitation_create(
            organization=org,
            actor=_membership(other_org, outsider),
            email="x@example.org",
            role=Role.VIEWER,
        )
    assert _invitations(org) == []


def test_accepting_makes_exactly_one_membership_with_the_invited_role(org):
    invitation = InvitationFactory(
        organization=org, email="Nadia@Example.org", role=Role.ANALYST, token=TOKEN
    )
    nadia = UserFactory(username="nadia", email="nadia@EXAMPLE.org")
    membership = invitation_accept(token=TOKEN, user=nadia)
    assert (membership.organization, membership.user, membership.role) == (
        org,
        nadia,
        Role.ANALYST,
    )
    assert Membership.objects.filter(user=nadia).count() == 1
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.ACCEPTED
    assert invitation.accepted_by == nadia


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"expires_at": timezone.now() - timedelta(seconds=1)}, InvitationState.EXPIRED),
        ({"revoked_at": timezone.now()}, InvitationState.REVOKED),
        ({"accepted_at": timezone.now()}, InvitationState.ACCEPTED),
    ],
)
def test_an_expired_revoked_or_used_link_is_refused(org, fields, reason):
    InvitationFactory(organization=org, email="nadia@example.org", token=TOKEN, **fields)
    nadia = UserFactory(username="nadia", email="nadia@example.org")
    with pytest.raises(InvitationUnusable) as error:
        invitation_accept(token=TOKEN, user=nadia)
    assert error.value.reason == reason
    assert not Membership.objects.filter(user=nadia).exists()


def test_a_link_works_once(org):
    InvitationFactory(organization=org, email="nadia@example.org", token=TOKEN)
    nadia = UserFactory(username="nadia", email="nadia@example.org")
    invitation_accept(token=TOKEN, user=nadia)
    with pytest.raises(InvitationUnusable) as error:
        invitation_accept(token=TOKEN, user=nadia)
    assert error.value.reason == InvitationState.ACCEPTED
    assert Membership.objects.filter(user=nadia).count() == 1


@pytest.mark.parametrize("token", ["", "k" * 42, "not-the-token"])
def test_an_unknown_link_is_refused(org, token):
    InvitationFactory(organization=org, email="nadia@example.org", token=TOKEN)
    with pytest.raises(InvitationUnusable) as error:
        invitation_accept(token=token, user=UserFactory(email="nadia@example.org"))
    assert error.value.reason == "unknown"


def test_another_address_cannot_accept(org, outsider):
    """GIVEN mallory holds a link meant for nadia WHEN she accepts THEN she is refused."""
    invitation = InvitationFactory(organization=org, email="nadia@example.org", token=TOKEN)
    with pytest.raises(InvitationForAnotherAddress, match=r"nadia@example\.org"):
        invitation_accept(token=TOKEN, user=outsider)
    assert not Membership.objects.filter(organization=org, user=outsider).exists()
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.PENDING


def test_someone_already_member_keeps_their_role_and_the_link_is_used(org, viewer):
    InvitationFactory(organization=org, email=viewer.email, role=Role.ADMIN, token=TOKEN)
    membership = invitation_accept(token=TOKEN, user=viewer)
    assert membership.role == Role.VIEWER
    assert Membership.objects.filter(organization=org, user=viewer).count() == 1


def test_a_newcomer_signs_up_and_joins_in_one_step(org):
    InvitationFactory(organization=org, email="Nadia@Example.org", role=Role.ANALYST, token=TOKEN)
    user, membership = invitation_sign_up(
        token=TOKEN,
        username="nadia",
        password="a-long-new-passphrase",
        first_name="Nadia",
        last_name="Haddad",
    )
    assert user.email == "Nadia@Example.org"
    assert user.check_password("a-long-new-passphrase")
    assert user.get_full_name() == "Nadia Haddad"
    assert (membership.user, membership.role) == (user, Role.ANALYST)


def test_sign_up_refuses_an_address_that_has_an_account(org):
    InvitationFactory(organization=org, email="nadia@example.org", token=TOKEN)
    UserFactory(username="nadia", email="NADIA@example.org")
    with pytest.raises(InvitationAccountExists):
        invitation_sign_up(token=TOKEN, username="nadia2", password="a-long-new-passphrase")


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [
        ("Olivia", "a-long-new-passphrase", "username"),  # taken, whatever the case
        ("bad name!", "a-long-new-passphrase", "username"),
        ("nadia", "short", "password"),
        ("nadia", "nadia@example.org", "password"),  # too close to the address
    ],
)
def test_sign_up_checks_the_username_and_password_and_changes_nothing(
    org, owner, username, password, field
):
    InvitationFactory(organization=org, email="nadia@example.org", token=TOKEN)
    with pytest.raises(ValidationError) as error:
        invitation_sign_up(token=TOKEN, username=username, password=password)
    assert field in error.value.message_dict
    assert not Membership.objects.filter(organization=org, user__email="nadia@example.org")


def test_sign_up_with_a_dead_link_makes_no_account(org, django_user_model):
    InvitationFactory(
        organization=org, email="nadia@example.org", token=TOKEN, revoked_at=timezone.now()
    )
    with pytest.raises(InvitationUnusable):
        invitation_sign_up(token=TOKEN, username="nadia", password="a-long-new-passphrase")
    assert not django_user_model.objects.filter(username="nadia").exists()


def test_revoking_stops_the_link_and_is_idempotent(org, admin):
    invitation = InvitationFactory(organization=org, email="nadia@example.org", token=TOKEN)
    revoked = invitation_revoke(actor=admin, invitation=invitation)
    assert revoked.state == InvitationState.REVOKED
    assert revoked.revoked_by == admin.user
    first_time = revoked.revoked_at
    assert invitation_revoke(actor=admin, invitation=invitation).revoked_at == first_time
    with pytest.raises(InvitationUnusable):
        invitation_accept(token=TOKEN, user=UserFactory(email="nadia@example.org"))


def test_an_accepted_invitation_cannot_be_revoked(org, admin):
    invitation = InvitationFactory(organization=org, accepted_at=timezone.now())
    with pytest.raises(InvitationAlreadyAccepted):
        invitation_revoke(actor=admin, invitation=invitation)


def test_another_organizations_invitation_cannot_be_revoked(org, other_org, admin):
    theirs = InvitationFactory(organization=other_org)
    with pytest.raises(PermissionDenied):
        invitation_revoke(actor=admin, invitation=theirs)
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_an_invitation_withdrawn_before_its_email_left_is_not_sent(org):
    invitation = InvitationFactory(organization=org, revoked_at=timezone.now())
    result = invitation_email_send(organization_id=org.pk, invitation_id=invitation.pk)
    assert result == InvitationState.REVOKED
    assert mail.outbox == []


def test_a_sent_invitation_is_not_sent_twice(org):
    invitation = InvitationFactory(organization=org)
    assert invitation_email_send(organization_id=org.pk, invitation_id=invitation.pk) == "sent"
    assert invitation_email_send(organization_id=org.pk, invitation_id=invitation.pk) == "sent"
    assert len(mail.outbox) == 1


def test_a_failed_send_is_recorded_for_the_retry(org, monkeypatch):
    invitation = InvitationFactory(organization=org)

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        invitation_email_send(organization_id=org.pk, invitation_id=invitation.pk)
    invitation.refresh_from_db()
    assert invitation.email_status == EmailStatus.RETRYING
    assert "went away" in invitation.email_last_error
    with pytest.raises(smtplib.SMTPServerDisconnected):
        invitation_email_send(
            organization_id=org.pk, invitation_id=invitation.pk, final_attempt=True
        )
    invitation.refresh_from_db()
    assert invitation.email_status == EmailStatus.FAILED


def test_a_refresh_during_sending_keeps_its_own_email_queued(org, monkeypatch):
    """GIVEN an e-mail being sent WHEN the admin invites the address again meanwhile THEN the
    first send does not mark the refreshed invitation sent, so the refresh's e-mail goes out."""
    invitation = InvitationFactory(organization=org)
    real_send = mail.EmailMessage.send

    def send_then_refresh(message, *args, **kwargs):
        Invitation.objects.for_organization(org).filter(pk=invitation.pk).update(
            invited_at=timezone.now() + timedelta(seconds=1)
        )
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", send_then_refresh)
    invitation_email_send(organization_id=org.pk, invitation_id=invitation.pk)
    invitation.refresh_from_db()
    assert invitation.email_status == EmailStatus.QUEUED
