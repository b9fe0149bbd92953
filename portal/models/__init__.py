"""Models of the tenancy core and the workload inventory."""

from portal.models.audit import AuditAction, AuditEvent
from portal.models.identity import SsoIdentity, VerifiedDomain
from portal.models.invitation import Invitation, InvitationState
from portal.models.modelspec import ModelSpec
from portal.models.organization import Membership, Organization, Role
from portal.models.token import ApiToken
from portal.models.workload import Workload
from portal.models.workload_import import WorkloadImport

__all__ = [
    "ApiToken",
    "AuditAction",
    "AuditEvent",
    "Invitation",
    "InvitationState",
    "Membership",
    "ModelSpec",
    "Organization",
    "Role",
    "SsoIdentity",
    "VerifiedDomain",
    "Workload",
    "WorkloadImport",
]
