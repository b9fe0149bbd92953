"""Django admin for assessments: staff see every organization's runs, read-only.

Runs are immutable once finished and are made by the pipeline, so the admin shows them and
their emails without letting anyone edit them; assessments are edited on the portal's pages.
"""

from __future__ import annotations

from django.contrib import admin

from assessments.models import Assessment, AssessmentRun, ReportEmail


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ("name", "organization", "offer_locations", "updated_at")
    list_filter = ("offer_locations",)
    search_fields = ("name", "organization__name")
    list_select_related = ("organization",)
    exclude = ("callback_secret",)


@admin.register(AssessmentRun)
class AssessmentRunAdmin(ReadOnlyAdmin):
    list_display = (
        "assessment", "number", "organization", "status", "step", "progress_pct",
        "attempts", "created_at", "finished_at",
    )  # fmt: skip
    list_filter = ("status",)
    search_fields = ("assessment__name", "organization__name", "error")
    list_select_related = ("assessment", "organization")
    exclude = ("snapshot", "results")


@admin.register(ReportEmail)
class ReportEmailAdmin(ReadOnlyAdmin):
    list_display = ("run", "organization", "status", "attempts", "sent_at", "last_error")
    list_filter = ("status", "automatic")
    list_select_related = ("run", "run__assessment", "organization")
