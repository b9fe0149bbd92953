"""Organizations: the caller's list with their role, and one organization's settings."""

from __future__ import annotations

from django.http import HttpResponse
from django_countries.serializer_fields import CountryField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status
from rest_framework.response import Response

from portal.api.fields import StrictModelSerializer
from portal.api.parsers import OrjsonParser
from portal.api.schema import ORG_SLUG, errors
from portal.downloads import organization_export_response
from portal.models import Membership, Organization, Role
from portal.models.organization import SETTINGS_FIELDS
from portal.selectors import memberships_for_user
from portal.services.organization_data import organization_delete
from portal.services.organizations import organization_update
from portal.tenancy import OrgScopedAPIView, OrgScopedViewSet


class MyOrganizationSerializer(serializers.ModelSerializer):
    """An organization the caller belongs to, with the caller's role in it."""

    slug = serializers.CharField(source="organization.slug", read_only=True)
    name = serializers.CharField(source="organization.name", read_only=True)
    country = CountryField(source="organization.country", read_only=True)
    currency = serializers.CharField(source="organization.currency", read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)

    class Meta:
        model = Membership
        fields = ["slug", "name", "country", "currency", "role"]


class OrganizationDeleteSerializer(serializers.Serializer):
    """The organization's name, typed again to confirm its deletion."""

    confirm_name = serializers.CharField(help_text="The organization's name, exactly.")


class OrganizationSerializer(StrictModelSerializer):
    """An organization and the default assumptions its assessments start from."""

    country = CountryField()

    class Meta:
        model = Organization
        fields = [
            "slug",
            *SETTINGS_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["slug", "created_at", "updated_at"]


@extend_schema_view(
    get=extend_schema(
        tags=["organizations"],
        operation_id="organizations_list",
        summary="List your organizations",
        description="Every organization you belong to, with your role in it. Tenant routes "
        "take the organization's `slug`.",
        responses={200: MyOrganizationSerializer(many=True)},
    )
)
class MyOrganizationListView(generics.ListAPIView):
    """``GET /api/v1/orgs/``: not tenant-scoped, it lists the caller's own memberships."""

    serializer_class = MyOrganizationSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return memberships_for_user(user=self.request.user).order_by("organization__name")


@extend_schema_view(
    retrieve=extend_schema(
        operation_id="organization_retrieve",
        summary="Get the organization",
        responses={200: OrganizationSerializer},
    ),
    update=extend_schema(
        operation_id="organization_update",
        summary="Replace the organization's settings (admins)",
        responses={200: OrganizationSerializer},
    ),
    partial_update=extend_schema(
        operation_id="organization_partial_update",
        summary="Change some of the organization's settings (admins)",
        responses={200: OrganizationSerializer},
    ),
    destroy=extend_schema(
        operation_id="organization_destroy",
        summary="Delete the organization and everything it holds (owners)",
        description="Every row the organization owns (workloads, catalogs, assessments, runs "
        "and their PDFs, members, its audit log...) is deleted for good. The body repeats the "
        "organization's name to confirm. The deletion is written to the installation's audit "
        "log.",
        request=OrganizationDeleteSerializer,
        responses={204: None, **errors(400)},
    ),
)
@extend_schema(
    tags=["organizations"],
    parameters=[ORG_SLUG],
    description="Any member reads the organization; owners and admins change it. The slug "
    "is fixed.",
)
class OrganizationViewSet(
    mixins.RetrieveModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, OrgScopedViewSet
):
    """``/api/v1/orgs/<org_slug>/``: any member reads it, admins change it, owners delete it."""

    model = Organization
    parser_classes = [OrjsonParser]
    serializer_class = OrganizationSerializer
    write_role = Role.ADMIN
    method_roles = {"DELETE": Role.OWNER}
    lookup_field = "slug"
    lookup_url_kwarg = "org_slug"
    filter_backends: list = []

    def scoped_queryset(self, organization):
        return Organization.objects.filter(pk=organization.pk)

    def perform_update(self, serializer):
        serializer.instance = organization_update(
            organization=serializer.instance, **serializer.validated_data
        )

    def destroy(self, request, *args, **kwargs):
        organization = self.get_object()
        confirmation = OrganizationDeleteSerializer(data=request.data)
        confirmation.is_valid(raise_exception=True)
        organization_delete(
            organization=organization,
            actor=self.membership,
            confirm_name=confirmation.validated_data["confirm_name"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrganizationExportView(OrgScopedAPIView):
    """``GET /api/v1/orgs/<org_slug>/export/``: everything the organization holds, zipped."""

    model = Organization
    read_role = Role.OWNER
    filter_backends: list = []

    @extend_schema(
        tags=["organizations"],
        operation_id="organization_export",
        summary="Download everything the organization holds as one zip archive (owners)",
        description="`manifest.json` (rows per model), `data/<app>.<model>.json` (every row "
        "of every model the organization owns: model, pk, fields) and `files/` (each run's "
        "PDF and other stored files, named by the row that holds them). Streamed as it is "
        "written.",
        parameters=[ORG_SLUG],
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The archive, as an attachment."
            )
        },
    )
    def get(self, request, *args, **kwargs) -> HttpResponse:
        return organization_export_response(request, self.organization, self.membership)
