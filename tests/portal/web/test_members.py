"""Members page: everyone reads it; owners and admins manage; the last owner stays."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import Membership, Role
from portal.web.current import SESSION_KEY
from tests.factories import MembershipFactory


def _role(org, user) -> str | None:
    membership = Membership.objects.filter(organization=org, user=user).first()
    return membership.role if membership else None


def _membership(org, user) -> Membership:
    return Membership.objects.get(organization=org, user=user)


def test_every_member_sees_the_list_but_only_admins_get_controls(
    client_for, org, owner, admin_user, viewer, outsider
):
    response = client_for(viewer).get(reverse("member-list", args=[org.slug]))
    body = response.content.decode()
    assert [m.user.username for m in response.context["members"]] == ["adam", "olivia", "victor"]
    assert "mallory" not in body
    assert reverse("invitation-create", args=[org.slug]) not in body
    assert reverse("member-role", args=[org.slug, _membership(org, owner).pk]) not in body
    assert "Leave" in body  # a viewer may leave

    body = client_for(admin_user).get(reverse("member-list", args=[org.slug])).content.decode()
    assert reverse("invitation-create", args=[org.slug]) in body
    assert reverse("member-role", args=[org.slug, _membership(org, viewer).pk]) in body
    # Admins cannot touch owners, so they get no control for one.
    assert reverse("member-role", args=[org.slug, _membership(org, owner).pk]) not in body
    assert '<option value="owner"' not in body


def test_change_role(client_for, org, owner, viewer):
    response = client_for(owner).post(
        reverse("member-role", args=[org.slug, _membership(org, viewer).pk]), {"role": "admin"}
    )
    assert response["Location"] == reverse("member-list", args=[org.slug])
    assert _role(org, viewer) == Role.ADMIN


def test_the_last_owner_cannot_be_demoted_and_is_told_why(client_for, org, owner):
    client = client_for(owner)
    response = client.post(
        reverse("member-role", args=[org.slug, _membership(org, owner).pk]),
        {"role": "viewer"},
        follow=True,
    )
    assert response.status_code == 200
    assert "last owner cannot be demoted" in response.content.decode()
    assert _role(org, owner) == Role.OWNER


def test_admin_changing_an_owners_role_gets_a_message_not_a_500(client_for, org, owner, admin_user):
    response = client_for(admin_user).post(
        reverse("member-role", args=[org.slug, _membership(org, owner).pk]),
        {"role": "viewer"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Only an owner can change an owner" in response.content.decode()
    assert _role(org, owner) == Role.OWNER


def test_an_unknown_role_is_refused(client_for, org, owner, viewer):
    client_for(owner).post(
        reverse("member-role", args=[org.slug, _membership(org, viewer).pk]), {"role": "god"}
    )
    assert _role(org, viewer) == Role.VIEWER


def test_admin_removes_a_member_after_confirming(client_for, org, admin_user, viewer):
    client = client_for(admin_user)
    url = reverse("member-remove", args=[org.slug, _membership(org, viewer).pk])
    assert "victor@example.org" in client.get(url).content.decode()
    response = client.post(url)
    assert response["Location"] == reverse("member-list", args=[org.slug])
    assert _role(org, viewer) is None


def test_admin_cannot_remove_an_owner(client_for, org, owner, admin_user):
    url = reverse("member-remove", args=[org.slug, _membership(org, owner).pk])
    response = client_for(admin_user).post(url, follow=True)
    assert response.status_code == 200
    assert "Only an owner can remove an owner" in response.content.decode()
    assert _role(org, owner) == Role.OWNER


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANALYST])
def test_viewers_and_analysts_cannot_remove_others(client_for, org, make_member, viewer, role):
    actor = make_member(org, role)
    target = _membership(org, viewer) if role != Role.VIEWER else None
    target = target or MembershipFactory(organization=org, role=Role.VIEWER)
    response = client_for(actor).post(reverse("member-remove", args=[org.slug, target.pk]))
    assert response.status_code == 403
    assert Membership.objects.filter(pk=target.pk).exists()


def test_any_member_may_leave(client_for, org, owner, viewer):
    client = client_for(viewer)
    session = client.session
    session[SESSION_KEY] = org.slug
    session.save()
    url = reverse("member-remove", args=[org.slug, _membership(org, viewer).pk])
    assert "Leave Alice Media?" in client.get(url).content.decode()
    response = client.post(url)
    assert response["Location"] == reverse("home")
    assert _role(org, viewer) is None
    assert SESSION_KEY not in client.session
    assert client.get(reverse("dashboard", args=[org.slug])).status_code == 404


def test_the_last_owner_cannot_leave(client_for, org, owner):
    url = reverse("member-remove", args=[org.slug, _membership(org, owner).pk])
    response = client_for(owner).post(url, follow=True)
    assert "last owner cannot be removed" in response.content.decode()
    assert _role(org, owner) == Role.OWNER


def test_another_organizations_member_is_404(client_for, org, owner, outsider, other_org):
    theirs = _membership(other_org, outsider)
    client = client_for(owner)
    assert (
        client.post(
            reverse("member-role", args=[org.slug, theirs.pk]), {"role": "viewer"}
        ).status_code
        == 404
    )
    assert client.post(reverse("member-remove", args=[org.slug, theirs.pk])).status_code == 404
    assert _role(other_org, outsider) == Role.OWNER


def test_member_list_query_count_does_not_grow(
    client_for, org, viewer, django_assert_max_num_queries
):
    client = client_for(viewer)
    url = reverse("member-list", args=[org.slug])
    for total in (2, 50):
        while Membership.objects.filter(organization=org).count() < total:
            MembershipFactory(organization=org)
        with django_assert_max_num_queries(5):
            response = client.get(url)
        assert len(response.context["members"]) == total
