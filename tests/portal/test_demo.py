"""The demo command: Northlight Studios, its users and a dozen workloads, idempotently."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.forms.models import model_to_dict

from portal.models import Membership, ModelSpec, Organization, Role, Workload
from portal.services.demo import DEMO_WORKLOADS

PASSWORD = "northlight-demo"
# The demo's GPU work names the L40S, which the public catalog's accelerators hold.
pytestmark = pytest.mark.usefixtures("l40s")


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Every row the demo writes, field by field, timestamps and password hashes included."""
    organization = Organization.objects.get(slug="northlight")
    return {
        "organization": model_to_dict(organization) | {"updated_at": organization.updated_at},
        "users": sorted(get_user_model().objects.values_list("username", "password", "email")),
        "memberships": sorted(Membership.objects.values_list("user__username", "role", "pk")),
        "workloads": sorted(
            Workload.objects.for_organization(organization).values_list(
                "external_id", "pk", "updated_at", "requests_per_day", "model__name", "notes"
            )
        ),
        "model_specs": ModelSpec.objects.public().count(),
    }


@pytest.fixture
def demo(db) -> Organization:
    run_demo()
    return Organization.objects.get(slug="northlight")


def test_demo_creates_the_production_house(demo):
    assert demo.name == "Northlight Studios"
    assert demo.country == "FR"
    assert demo.currency == "EUR"


def test_demo_creates_a_dozen_workloads_of_every_kind_it_runs(demo):
    workloads = Workload.objects.for_organization(demo)
    assert workloads.count() == 12 == len(DEMO_WORKLOADS)
    assert set(workloads.values_list("kind", flat=True)) == {
        "speech",
        "chat",
        "fine_tuning",
        "image_video",
        "embeddings",
        "batch",
        "other_gpu",
    }


def test_demo_workloads_point_at_seeded_open_and_closed_models(demo):
    models = {
        w.external_id: w.model for w in Workload.objects.for_organization(demo).select_related()
    }
    assert models["NL-CHAT-04"].name == "Llama 3.3 70B"
    assert models["NL-STT-03"].name == "Whisper large-v3"
    assert models["NL-TRN-10"].open_weights is False
    assert models["NL-PR-11"].open_weights is False
    assert all(spec is None or spec.is_public for spec in models.values())


def test_voice_cloning_is_restricted_biometric_data_kept_in_the_eu(demo):
    dubbing = Workload.objects.for_organization(demo).get(external_id="NL-DUB-02")
    assert dubbing.data_classification == "restricted"
    assert dubbing.personal_data and dubbing.special_category_data
    assert dubbing.residency_requirement == "eu_eea"


def test_demo_users_are_owner_and_analyst_and_can_log_in(demo, client):
    roles = dict(Membership.objects.filter(organization=demo).values_list("user__username", "role"))
    assert roles == {"demo": Role.OWNER, "analyst": Role.ANALYST}
    assert get_user_model().objects.get(username="demo").email == "demo@northlight.example"
    assert client.login(username="demo", password=PASSWORD)
    assert client.login(username="analyst", password=PASSWORD)


def test_demo_prints_the_url_and_the_login(db):
    output = run_demo()
    assert "http://127.0.0.1:8000/" in output
    assert f"username demo  password {PASSWORD}" in output
    assert f"username analyst  password {PASSWORD}" in output
    assert "make run" in output


def test_second_run_changes_nothing(demo):
    before = snapshot()
    run_demo()
    assert snapshot() == before


def test_second_run_keeps_edits_and_restores_deleted_workloads(demo):
    workloads = Workload.objects.for_organization(demo)
    workloads.filter(external_id="NL-CHAT-04").update(requests_per_day=999)
    workloads.get(external_id="NL-UPS-12").delete()
    run_demo()
    assert workloads.get(external_id="NL-CHAT-04").requests_per_day == 999
    assert workloads.filter(external_id="NL-UPS-12").exists()


def test_a_changed_password_is_repaired_so_the_printed_login_works(demo, client):
    user = get_user_model().objects.get(username="demo")
    user.set_password("something-else")
    user.save()
    run_demo()
    assert client.login(username="demo", password=PASSWORD)


def test_username_and_password_can_be_chosen(db, client):
    output = run_demo("--username", "claire", "--password", "another-secret")
    assert "claire" in output
    assert client.login(username="claire", password="another-secret")
    organization = Organization.objects.get(slug="northlight")
    assert Membership.objects.get(organization=organization, user__username="claire").role == (
        Role.OWNER
    )


def test_without_the_public_accelerators_the_demo_says_what_to_load_first(db, settings):
    """The demo's GPU work names the L40S: on a database without the public catalog the
    command stops with the row, the field and the command to run first, having written nothing
    of the workloads."""
    from django.core.management.base import CommandError

    from costing.models import GpuSpec

    GpuSpec.objects.public().delete()
    with pytest.raises(CommandError) as refused:
        run_demo()
    message = str(refused.value)
    assert "gpu_class" in message and "'L40S' is no accelerator" in message
    assert "manage.py load_public_catalog" in message
    assert not Workload.objects.unscoped().filter(organization__slug="northlight").exists()
