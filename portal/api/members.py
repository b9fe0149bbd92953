"""Members of an organization and their roles, managed by its admins and owners."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.response import Response

from portal.api.fields import StrictModelSerializer
from portal.api.parsers import OrjsonParser
from portal.api.schema import ORG_SLUG, errors
from portal.models import Membership, Role
from portal.services.organizations import membership_change_role, membership_remove
from portal.tenancy import OrgScopedViewSet


class MemberSerializer(serializers.ModelSerializer):
    """A member: who they are and their role here."""

    email = serializers.EmailField(source="user.email", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="user.get_full_name", read_only=True)
    joined_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "username", "full_name", "role", "joined_at"]
        read_only_fields = fields


class MemberRoleSerializer(StrictModelSerializer):
    """A member's new role (the other fields may be sent back as read)."""

    email = serializers.EmailField(source="user.email", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="user.get_full_name", read_only=True)
    joined_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "username", "full_name", "role", "joined_at"]
        read_only_fields = ["id"]


_LAST_OWNER = OpenApiResponse(
    errors(409)[409].response,
    description="The organization's last owner cannot be demoted or removed.",
)


@extend_schema_view(
    list=extend_schema(
        operation_id="members_list",
        summary="List members (admins)",
        responses={200: MemberSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="members_retrieve",
        summary="Get a member (admins)",
        responses={200: MemberSerializer},
    ),
    partial_update=extend_schema(
        operation_id="members_change_role",
        summary="Change a member's role (admins; owners change owners)",
        request=MemberRoleSerializer,
        responses={200: MemberSerializer, 409: _LAST_OWNER},
    ),
    destroy=extend_schema(
        operation_id="members_remove",
        summary="Remove a member (admins; owners remove owners)",
        responses={204: None, 409: _LAST_OWNER},
    ),
)
@extend_schema(
    tags=["members"],
    parameters=[ORG_SLUG],
    description="Owners and admins only. People join by accepting an invitation (see "
    "`invitations/`); only owners grant, change or remove the owner role, and the last owner "
    "stays (409).",
)
class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    """``/api/v1/orgs/<org_slug>/members/``: for admins and owners only."""

    model = Membership
    parser_classes = [OrjsonParser]
    serializer_class = MemberSerializer
    read_role = Role.ADMIN
    write_role = Role.ADMIN
    http_method_names = ["get", "patch", "delete", "head", "options"]
    filter_backends: list = []

    def scoped_queryset(self, organization):
        return (
            Membership.objects.filter(organization=organization)
            .select_related("user")
            .order_by("user__email", "id")
        )

    def get_serializer_class(self):
        if self.action == "partial_update":
            return MemberRoleSerializer
        return MemberSerializer

    def partial_update(self, request, *args, **kwargs):
        membership = self.get_object()
        serializer = self.get_serializer(membership, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        role = serializer.validated_data.get("role", membership.role)
        membership = membership_change_role(actor=self.membership, membership=membership, role=role)
        return Response(MemberSerializer(membership).data)

    def perform_destroy(self, instance):
        membership_remove(actor=self.membership, membership=instance)
