"""factory-boy factories for the suite."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from costing.models import GpuSpec
from portal.models import (
    Invitation,
    Membership,
    ModelSpec,
    Organization,
    Role,
    VerifiedDomain,
    Workload,
)
from portal.models.invitation import invitation_token_hash


class ScopedModelFactory(factory.django.DjangoModelFactory):
    """Tenant models' ``objects`` fail closed; factories write through the plain manager."""

    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class):
        return model_class._default_manager


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct-horse-battery")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    country = "FR"
    currency = "EUR"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.VIEWER


class ModelSpecFactory(ScopedModelFactory):
    class Meta:
        model = ModelSpec

    organization = None
    name = factory.Sequence(lambda n: f"Test model {n}")
    open_weights = True
    params_b = Decimal("8")
    active_params_b = factory.SelfAttribute("params_b")
    layers = 32
    kv_heads = 8
    head_dim = 128
    context_tokens = 131072


class WorkloadFactory(ScopedModelFactory):
    class Meta:
        model = Workload

    organization = factory.SubFactory(OrganizationFactory)
    external_id = factory.Sequence(lambda n: f"WL-{n:05d}")
    name = factory.Sequence(lambda n: f"Workload {n}")
    owner_team = "Platform"
    kind = "chat"
    avg_input_tokens = 1500
    avg_output_tokens = 300
    requests_per_day = 20000
    peak_factor = Decimal("3.00")
    data_classification = "internal"

    class Params:
        # GPU work entered as hours of a GPU class, with no model and no tokens.
        gpu_hours = factory.Trait(
            kind="other_gpu",
            model=None,
            avg_input_tokens=0,
            avg_output_tokens=0,
            requests_per_day=0,
        )


class GpuSpecFactory(ScopedModelFactory):
    """A public accelerator unless given an organization; sizeable either way."""

    class Meta:
        model = GpuSpec

    organization = None
    name = factory.Sequence(lambda n: f"Test accelerator {n}")
    vendor = "NVIDIA"
    memory_gb = Decimal("80")
    memory_bandwidth_tb_s = Decimal("3.35")
    bf16_dense_tflops = Decimal("989.5")


class InvitationFactory(ScopedModelFactory):
    """A pending invitation; pass ``token=...`` for a link that opens it."""

    class Meta:
        model = Invitation

    class Params:
        token = None

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.VIEWER
    invited_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda invitation: invitation.invited_at + timedelta(days=7))
    token_hash = factory.LazyAttribute(
        lambda invitation: invitation_token_hash(invitation.token) if invitation.token else None
    )


class VerifiedDomainFactory(ScopedModelFactory):
    """An e-mail domain of an organization, verified unless ``verified_at=None``."""

    class Meta:
        model = VerifiedDomain

    organization = factory.SubFactory(OrganizationFactory)
    domain = factory.Sequence(lambda n: f"domain{n}.example")
    role = Role.VIEWER
    verified_at = factory.LazyFunction(timezone.now)
