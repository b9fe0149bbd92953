"""The product's URLs plus the baseline a benchmark compares against (never deployed)."""

from django.http import JsonResponse
from django.urls import include, path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.models import Membership, ModelSpec, Workload


class NaiveWorkloadSerializer(serializers.ModelSerializer):
    """The plain DRF way: a ModelSerializer per row."""

    model = serializers.SlugRelatedField(
        slug_field="name",
        queryset=ModelSpec.dangerously_unscoped.all(),
        allow_null=True,
        required=False,
    )

    class Meta:
        model = Workload
        exclude = ["organization", "created_at", "updated_at"]
        validators = []


class NaiveBulkCreate(APIView):
    """``ModelSerializer(many=True)`` + ``save()``: the baseline of the bulk upsert benchmark."""

    def post(self, request, org_slug):
        membership = Membership.objects.select_related("organization").get(
            user=request.user, organization__slug=org_slug
        )
        serializer = NaiveWorkloadSerializer(data=request.data, many=True)
        serializer.is_valid(raise_exception=True)
        serializer.save(organization=membership.organization)
        return Response({"created": len(serializer.validated_data)})


def ping(request):
    """No database, no authentication: the web stack's own cost, the load benchmark's baseline."""
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/ping/", ping),
    path("bench/naive-bulk/<slug:org_slug>/", NaiveBulkCreate.as_view()),
    path("", include("portal.urls")),
]
