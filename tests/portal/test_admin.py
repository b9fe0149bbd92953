"""The Django admin opens every page for staff, across organizations, and exposes no secret."""

from __future__ import annotations

import json
import time

import pytest
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict
from django.urls import reverse

from portal.models import ApiToken, ModelSpec, Organization, Workload, WorkloadImport
from portal.services.tokens import api_token_create
from portal.services.workload_rows import WORKLOAD_COLUMNS
from tests.factories import ModelSpecFactory, UserFactory, WorkloadFactory
from tests.support.totp import enrolled, totp_code


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(
        username="root", email="root@example.org", password="admin-password"
    )


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def objects(org, other_org, owner, outsider):
    """One row of every admin model, in two organizations."""
    public_spec = ModelSpecFactory(name="Public 8B")
    private_spec = ModelSpecFactory(name="Alice private 8B", organization=org)
    mine = WorkloadFactory(organization=org, model=public_spec, name="Alice chat")
    theirs = WorkloadFactory(organization=other_org, name="Mallory batch", kind="batch")
    upload = WorkloadImport.dangerously_unscoped.create(
        organization=org,
        uploaded_by=owner,
        filename="inventory.csv",
        content=b"external_id,name,kind\n",
        rows_total=1,
    )
    token, secret = api_token_create(user=owner, name="CMDB sync", expires_in_days=30)
    return {
        Organization: org,
        ModelSpec: private_spec,
        Workload: mine,
        WorkloadImport: upload,
        ApiToken: token,
        "theirs": theirs,
        "secret": secret,
    }


ADMIN_MODELS = ["organization", "membership", "modelspec", "workload", "workloadimport", "apitoken"]


@pytest.mark.parametrize("model_name", ADMIN_MODELS)
@pytest.mark.parametrize("query", ["", "?q=alice", "?o=1", "?q=%3D%00"])
def test_changelist_opens_for_staff(staff_client, objects, model_name, query):
    response = staff_client.get(reverse(f"admin:portal_{model_name}_changelist") + query)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("model_name", "query"),
    [
        ("workload", "?kind__exact=chat&data_classification__exact=internal"),
        ("workload", "?personal_data__exact=1"),
        ("modelspec", "?visibility=public"),
        ("modelspec", "?visibility=private"),
        ("membership", "?role__exact=owner"),
        ("workloadimport", "?status__exact=pending"),
    ],
)
def test_changelist_filters_open(staff_client, objects, model_name, query):
    response = staff_client.get(reverse(f"admin:portal_{model_name}_changelist") + query)
    assert response.status_code == 200


@pytest.mark.parametrize("model", [Organization, ModelSpec, Workload, WorkloadImport, ApiToken])
def test_change_page_opens_for_staff(staff_client, objects, model):
    obj = objects[model]
    url = reverse(f"admin:portal_{model._meta.model_name}_change", args=[obj.pk])
    assert staff_client.get(url).status_code == 200


def test_membership_change_page_opens(staff_client, objects, org):
    membership = org.memberships.first()
    url = reverse("admin:portal_membership_change", args=[membership.pk])
    assert staff_client.get(url).status_code == 200


def test_add_pages_open_where_adding_is_allowed(staff_client, objects):
    for model_name in ("organization", "membership", "modelspec"):
        assert staff_client.get(reverse(f"admin:portal_{model_name}_add")).status_code == 200


@pytest.mark.parametrize("model_name", ["workload", "workloadimport", "apitoken"])
def test_no_add_page_where_rows_come_from_the_product(staff_client, objects, model_name):
    assert staff_client.get(reverse(f"admin:portal_{model_name}_add")).status_code == 403


def test_workload_list_shows_every_organization(staff_client, objects):
    response = staff_client.get(reverse("admin:portal_workload_changelist"))
    assert b"Alice chat" in response.content
    assert b"Mallory batch" in response.content


def test_token_pages_show_the_key_prefix_never_the_secret(staff_client, objects):
    token = objects[ApiToken]
    listing = staff_client.get(reverse("admin:portal_apitoken_changelist")).content.decode()
    detail = staff_client.get(
        reverse("admin:portal_apitoken_change", args=[token.pk])
    ).content.decode()
    assert token.token_key in listing
    assert objects["secret"] not in listing
    assert objects["secret"] not in detail


def test_token_cannot_be_edited(staff_client, objects):
    token = objects[ApiToken]
    url = reverse("admin:portal_apitoken_change", args=[token.pk])
    staff_client.post(url, {"name": "renamed"})
    token.refresh_from_db()
    assert token.name == "CMDB sync"


def _workload_form_data(workload: Workload, **changes) -> dict:
    data = model_to_dict(workload, fields=WORKLOAD_COLUMNS)
    data["tags"] = json.dumps(data["tags"])
    data.update(changes)
    # Unticked checkboxes are absent from a real form post.
    return {
        key: ("" if value is None else value) for key, value in data.items() if value is not False
    }


def test_workload_edit_is_saved(staff_client, objects):
    workload = objects[Workload]
    url = reverse("admin:portal_workload_change", args=[workload.pk])
    response = staff_client.post(url, _workload_form_data(workload, name="Renamed chat"))
    assert response.status_code == 302
    workload.refresh_from_db()
    assert workload.name == "Renamed chat"


def test_workload_cannot_point_at_another_organizations_model(staff_client, objects):
    theirs = objects["theirs"]
    alices_model = objects[ModelSpec]
    url = reverse("admin:portal_workload_change", args=[theirs.pk])
    response = staff_client.post(url, _workload_form_data(theirs, model=alices_model.pk))
    assert response.status_code == 200
    assert b"belongs to another organization" in response.content
    theirs.refresh_from_db()
    assert theirs.model_id is None


def test_members_without_staff_status_are_sent_to_the_login(client, owner, objects):
    client.force_login(owner)
    response = client.get(reverse("admin:portal_workload_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_cannot_demote_the_last_owner(staff_client, org, owner):
    membership = org.memberships.get(user=owner)
    url = reverse("admin:portal_membership_change", args=[membership.pk])
    response = staff_client.post(url, {"organization": org.pk, "user": owner.pk, "role": "viewer"})
    assert response.status_code == 200
    assert "The last owner cannot be demoted" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "owner"


def test_admin_offers_no_delete_for_the_last_owner(staff_client, org, owner, admin_user):
    membership = org.memberships.get(user=owner)
    url = reverse("admin:portal_membership_delete", args=[membership.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 403
    assert org.memberships.filter(user=owner).exists()
    other = org.memberships.get(user=admin_user)
    url = reverse("admin:portal_membership_delete", args=[other.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert not org.memberships.filter(user=admin_user).exists()


def test_admin_signs_in_through_the_portal_with_the_second_factor(client, db):
    """GIVEN staff with an authenticator WHEN they open the admin THEN they sign in on the
    portal's page, password then code, and only then see the admin."""
    staff = UserFactory(username="sam", is_staff=True, is_superuser=True, password="s3cret-pw-x")
    secret = enrolled(staff)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    step = client.post(
        reverse("login"), {"username": "sam", "password": "s3cret-pw-x", "next": "/admin/"}
    )
    assert step["Location"] == reverse("login-code")
    assert client.get(reverse("admin:index")).status_code == 302  # not signed in yet
    code = totp_code(secret, at=time.time() + 30)
    assert client.post(reverse("login-code"), {"code": code})["Location"] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_session_without_its_code_enters_it_before_the_admin(client, db):
    staff = UserFactory(username="sam", is_staff=True, is_superuser=True)
    enrolled(staff)
    client.force_login(staff)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("two-factor"))
    assert "Confirm it is you" in response.content.decode()
