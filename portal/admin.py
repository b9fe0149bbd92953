"""Django admin for staff: organizations, members, invitations, model specs, the inventory,
imports, tokens, and the audit log.

Tenant models' ``objects`` managers refuse unscoped queries; ``ModelAdmin`` lists through
``_default_manager``, which those models set to the plain ``dangerously_unscoped`` manager,
so staff see every organization here and nowhere else.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from portal.models import (
    ApiToken,
    AuditEvent,
    Invitation,
    Membership,
    ModelSpec,
    Organization,
    Workload,
    WorkloadImport,
)
from portal.models.tenancy import owned_rows
from portal.services.organization_data import organization_purge
from portal.services.organizations import LastOwnerError, membership_owner_guard
from portal.services.two_factor import has_two_factor
from portal.services.workload_rows import WORKLOAD_COLUMNS
from portal.services.workloads import workload_save
from portal.two_factor import session_verified


class OwnerGuardedMembershipForm(forms.ModelForm):
    """Staff edits obey the rule every page obeys: an organization keeps an owner."""

    class Meta:
        model = Membership
        fields = ("organization", "user", "role")

    def clean(self):
        cleaned = super().clean()
        try:
            membership_owner_guard(membership=self.instance, new_role=cleaned.get("role"))
        except LastOwnerError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return cleaned


class OwnerGuardedFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk:
                try:
                    membership_owner_guard(membership=form.instance, new_role=None)
                except LastOwnerError as exc:
                    raise forms.ValidationError(exc.messages) from exc


class MembershipInline(admin.TabularInline):
    model = Membership
    form = OwnerGuardedMembershipForm
    formset = OwnerGuardedFormSet
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "country", "currency", "member_count", "created_at")
    list_filter = ("currency", "country")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")
    inlines = (MembershipInline,)

    @admin.display(description="members")
    def member_count(self, obj: Organization) -> int:
        return obj.memberships.count()

    # Deleting goes through the service, which records it in the installation's audit log and
    # is the only way past the audit log's refusal to delete events.
    def delete_model(self, request, obj: Organization) -> None:
        organization_purge(organization=obj)

    def delete_queryset(self, request, queryset) -> None:
        for organization in queryset:
            organization_purge(organization=organization)

    def get_deleted_objects(self, objs, request):
        summary = [
            f"{organization}: "
            + ", ".join(
                f"{model._meta.verbose_name_plural} ({rows.count()})"
                for model, rows in owned_rows(organization)
                if model is not Organization
            )
            for organization in objs
        ]
        return summary, {}, set(), []


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Every organization's events and the installation's own (an organization's deletion)."""

    list_display = ("occurred_at", "organization", "actor", "ip_address", "action", "object_repr")
    list_filter = ("action", "channel", ("organization", admin.EmptyFieldListFilter))
    search_fields = ("actor", "object_repr", "object_id")
    list_select_related = ("organization",)
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = OwnerGuardedMembershipForm
    list_display = ("user", "organization", "role", "created_at")
    list_filter = ("role", "organization")
    search_fields = ("user__username", "user__email", "organization__name", "organization__slug")
    list_select_related = ("user", "organization")
    autocomplete_fields = ("user", "organization")
    readonly_fields = ("created_at",)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and _is_last_owner(obj):
            return False  # the organization would be left without an owner
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            for membership in queryset:
                try:
                    membership_owner_guard(membership=membership, new_role=None)
                except LastOwnerError as exc:
                    messages.error(request, f"{membership}: {' '.join(exc.messages)}")
                    continue
                membership.delete()


def _is_last_owner(membership: Membership) -> bool:
    try:
        membership_owner_guard(membership=membership, new_role=None)
    except LastOwnerError:
        return True
    return False


class PublicListFilter(admin.SimpleListFilter):
    """Public specs (shared by everyone) apart from an organization's own."""

    title = "visibility"
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return (("public", "Public"), ("private", "An organization's own"))

    def queryset(self, request, queryset):
        if self.value() == "public":
            return queryset.filter(organization__isnull=True)
        if self.value() == "private":
            return queryset.filter(organization__isnull=False)
        return queryset


@admin.register(ModelSpec)
class ModelSpecAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "provider",
        "open_weights",
        "params_b",
        "active_params_b",
        "context_tokens",
        "owner",
    )
    list_filter = (PublicListFilter, "open_weights", "provider")
    search_fields = ("name", "provider", "license")
    list_select_related = ("organization",)
    readonly_fields = ("organization", "created_at")

    @admin.display(description="organization", ordering="organization__name")
    def owner(self, obj: ModelSpec) -> str:
        return obj.organization.name if obj.organization_id else "public"


class WorkloadAdminForm(forms.ModelForm):
    class Meta:
        model = Workload
        fields = WORKLOAD_COLUMNS

    def clean_model(self):
        spec = self.cleaned_data.get("model")
        organization_id = self.instance.organization_id
        if spec is not None and spec.organization_id not in (None, organization_id):
            raise forms.ValidationError("This model belongs to another organization.")
        return spec


@admin.register(Workload)
class WorkloadAdmin(admin.ModelAdmin):
    form = WorkloadAdminForm
    list_display = (
        "name",
        "external_id",
        "organization",
        "kind",
        "model",
        "requests_per_day",
        "gpu_hours_per_month",
        "data_classification",
        "updated_at",
    )
    list_filter = (
        "kind",
        "data_classification",
        "personal_data",
        "special_category_data",
        "residency_requirement",
        "sector_regulation",
        "organization",
    )
    search_fields = ("name", "external_id", "owner_team", "organization__name", "model__name")
    list_select_related = ("organization", "model")
    autocomplete_fields = ("model",)
    readonly_fields = ("organization", "created_at", "updated_at")
    date_hierarchy = "updated_at"

    def has_add_permission(self, request) -> bool:
        # A workload belongs to an organization's inventory: it is added there (page, import
        # or API), where the organization is known.
        return False

    def save_model(self, request, obj, form, change) -> None:
        workload_save(organization=obj.organization, workload=obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff may look and delete (revoke a token, drop a stale upload), never add or edit.

    Deleting stays allowed so that deleting an organization or a user in the admin is not
    blocked by its imports or tokens.
    """

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


WORKLOAD_IMPORT_FIELDS = (
    "organization",
    "filename",
    "status",
    "rows_total",
    "rows_created",
    "rows_updated",
    "error_count",
    "uploaded_by",
    "created_at",
    "applied_at",
)


@admin.register(WorkloadImport)
class WorkloadImportAdmin(ReadOnlyAdmin):
    list_display = (
        "filename",
        "organization",
        *(f for f in WORKLOAD_IMPORT_FIELDS if f not in ("organization", "filename")),
    )
    list_filter = ("status", "organization")
    search_fields = ("filename", "organization__name", "uploaded_by__username")
    list_select_related = ("organization", "uploaded_by")
    # The uploaded file itself stays out of the page: it may be large and is the tenant's data.
    fields = WORKLOAD_IMPORT_FIELDS
    readonly_fields = fields


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    # Only the key's first characters and a hash are stored: no page can show a secret.
    list_display = ("user", "name", "token_key", "created", "expiry", "last_used_at")
    list_filter = ("created", "expiry")
    search_fields = ("user__username", "user__email", "name", "token_key")
    list_select_related = ("user",)
    fields = ("user", "name", "token_key", "created", "expiry", "last_used_at")
    readonly_fields = fields


INVITATION_FIELDS = (
    "email",
    "organization",
    "role",
    "invited_by",
    "created_at",
    "invited_at",
    "expires_at",
    "accepted_at",
    "accepted_by",
    "revoked_at",
    "revoked_by",
    "email_status",
    "email_attempts",
    "email_last_error",
    "email_sent_at",
)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    # Only a hash of the link's secret is stored, and it stays off the page.
    list_display = (
        "email",
        "organization",
        "role",
        "invited_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
        "email_status",
    )
    list_filter = ("role", "email_status", "organization")
    search_fields = ("email", "organization__name", "organization__slug")
    list_select_related = ("organization",)
    fields = INVITATION_FIELDS
    readonly_fields = fields


def _admin_sign_in(request, extra_context=None):
    """The admin's sign-in is the portal's, so that the second factor and the lockout apply.

    A staff session that has not entered its code yet enters it first; a signed-in user who is
    not staff is refused (sending them to sign in again would loop).
    """
    next_url = request.GET.get("next") or reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(next_url, reverse("login"))
    if has_two_factor(user=request.user) and not session_verified(request):
        return redirect(reverse("two-factor") + "?" + urlencode({"next": next_url}))
    raise PermissionDenied("Only staff use the administration.")


def _staff_with_second_factor(request) -> bool:
    """Staff, and if they have an authenticator, a session that entered its code."""
    return admin.AdminSite.has_permission(admin.site, request) and (
        session_verified(request) or not has_two_factor(user=request.user)
    )


admin.site.login = _admin_sign_in
admin.site.has_permission = _staff_with_second_factor
