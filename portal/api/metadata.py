"""What ``OPTIONS`` answers on the API."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.metadata import SimpleMetadata


class MethodsMetadata(SimpleMetadata):
    """The view's name, description, methods and formats, and where its fields are described.

    DRF's default also lists each serializer's fields, which fails on views that take a document
    rather than a serializer (scenario evaluation) and repeats what the OpenAPI schema says.
    """

    def determine_metadata(self, request, view):
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "allowed_methods": list(view.allowed_methods),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
            "schema": request.build_absolute_uri(reverse("api-schema")),
        }
