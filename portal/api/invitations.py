"""Invitations to an organization, sent, listed and withdrawn by its admins and owners.

The answer to an invitation never says whether the address has an account: the invitee, and
only the invitee, finds out from the link.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from portal.api.errors import Conflict
from portal.api.fields import StrictSerializer
from portal.api.parsers import OrjsonParser
from portal.api.schema import ORG_SLUG, errors
from portal.models import Invitation, InvitationState, Role
from portal.models.outbox import EmailStatus
from portal.selectors import invitations_of
from portal.services.invitations import (
    InvitationAlreadyAccepted,
    invitation_create,
    invitation_revoke,
)
from portal.tenancy import OrgScopedAPIView, OrgScopedViewSet


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation: the address, the role it grants, where it stands and its e-mail."""

    state = serializers.ChoiceField(
        choices=InvitationState.choices,
        read_only=True,
        help_text="pending until accepted, revoked or past `expires_at`.",
    )
    email_status = serializers.ChoiceField(
        choices=EmailStatus.choices,
        read_only=True,
        help_text="Delivery of the invitation e-mail (retried by a worker until sent or failed).",
    )
    invited_by = serializers.EmailField(
        source="invited_by.email",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Who sent it (last); null once their account is deleted.",
    )

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "state",
            "email_status",
            "invited_by",
            "created_at",
            "invited_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
        ]
        read_only_fields = fields


class InvitationCreateSerializer(StrictSerializer):
    """Whom to invite and the role they get on accepting."""

    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)


_ACCEPTED_409 = OpenApiResponse(
    errors(409)[409].response,
    description="The invitation was accepted: remove the member instead.",
)


@extend_schema_view(
    list=extend_schema(
        operation_id="invitations_list",
        summary="List invitations, newest first (admins)",
        responses={200: InvitationSerializer(many=True)},
    ),
    create=extend_schema(
        operation_id="invitations_create",
        summary="Invite an address, or send its open invitation again (admins; owners invite "
        "owners)",
        description="Sends the address a link to accept (the invitee signs in, or creates an "
        "account, with that address). The answer is the same whether or not the address has "
        "an account. Inviting an address that has an open invitation refreshes it (role, "
        "expiry, a new e-mail) instead of adding one; an address that is already a member "
        "is refused (400).",
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer},
    ),
    retrieve=extend_schema(
        operation_id="invitations_retrieve",
        summary="Get an invitation (admins)",
        responses={200: InvitationSerializer},
    ),
)
@extend_schema(
    tags=["invitations"],
    parameters=[ORG_SLUG],
    description="Owners and admins only. Members join by accepting an invitation sent by "
    "e-mail; its link works once, until `expires_at`.",
)
class InvitationViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet
):
    """``/api/v1/orgs/<org_slug>/invitations/``: for admins and owners only."""

    model = Invitation
    parser_classes = [OrjsonParser]
    serializer_class = InvitationSerializer
    read_role = Role.ADMIN
    write_role = Role.ADMIN
    http_method_names = ["get", "post", "head", "options"]
    filter_backends: list = []

    def scoped_queryset(self, organization):
        return invitations_of(organization=organization)

    def get_serializer_class(self):
        if self.action == "create":
            return InvitationCreateSerializer
        return InvitationSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = invitation_create(
            organization=self.organization, actor=self.membership, **serializer.validated_data
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationRevokeView(OrgScopedAPIView):
    """``POST invitations/<pk>/revoke/``: the link stops working; the row stays as a record."""

    model = Invitation
    read_role = Role.ADMIN
    write_role = Role.ADMIN
    serializer_class = InvitationSerializer

    def scoped_queryset(self, organization):
        return invitations_of(organization=organization)

    @extend_schema(
        tags=["invitations"],
        operation_id="invitations_revoke",
        summary="Withdraw an invitation (admins; owners withdraw owners' invitations)",
        description="Revoking a revoked invitation changes nothing and answers 200.",
        parameters=[ORG_SLUG],
        request=None,
        responses={200: InvitationSerializer, **errors(400), 409: _ACCEPTED_409},
    )
    def post(self, request, *args, **kwargs):
        invitation = self.get_object()
        try:
            invitation = invitation_revoke(actor=self.membership, invitation=invitation)
        except InvitationAlreadyAccepted as exc:
            raise Conflict(" ".join(exc.messages)) from exc
        return Response(InvitationSerializer(invitation).data)
