"""Web routes; every tenant page sits under ``/o/<org_slug>/``."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from assessments.web.views.dashboard import DashboardView as OrganizationDashboardView
from costing.web import urls as catalog_urls
from portal.web.views import (
    audit,
    home,
    imports,
    invitations,
    members,
    model_specs,
    org_data,
    org_security,
    org_settings,
    sign_in,
    tokens,
    two_factor,
    workloads,
)
from portal.web.views.common import PAGE_METHODS

account_patterns = [
    path("login/", sign_in.SignInView.as_view(), name="login"),
    # The second factor, for whoever passed the first in this session.
    path("login/code/", sign_in.LoginCodeView.as_view(), name="login-code"),
    path("sso/start/", sign_in.SsoStartView.as_view(), name="sso-start"),
    path("sso/callback/", sign_in.SsoCallbackView.as_view(), name="sso-callback"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            http_method_names=PAGE_METHODS, template_name="accounts/password_change.html"
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            http_method_names=PAGE_METHODS, template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            http_method_names=PAGE_METHODS,
            template_name="accounts/password_reset.html",
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            http_method_names=PAGE_METHODS, template_name="accounts/password_reset_sent.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            http_method_names=PAGE_METHODS, template_name="accounts/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            http_method_names=PAGE_METHODS, template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]

two_factor_patterns = [
    path("", two_factor.TwoFactorView.as_view(), name="two-factor"),
    path("enrol/", two_factor.TwoFactorEnrolView.as_view(), name="two-factor-enrol"),
    path(
        "recovery-codes/",
        two_factor.RecoveryCodesView.as_view(),
        name="two-factor-recovery-codes",
    ),
    path("disable/", two_factor.TwoFactorDisableView.as_view(), name="two-factor-disable"),
]

token_patterns = [
    path("", tokens.TokenListView.as_view(), name="tokens"),
    path("new/", tokens.TokenCreateView.as_view(), name="token-create"),
    path("<str:token_key>/revoke/", tokens.TokenRevokeView.as_view(), name="token-revoke"),
]

workload_patterns = [
    path("", workloads.WorkloadListView.as_view(), name="workload-list"),
    path("new/", workloads.WorkloadCreateView.as_view(), name="workload-create"),
    path(
        "export.csv",
        imports.WorkloadExportView.as_view(file_format="csv"),
        name="workload-export-csv",
    ),
    path(
        "export.xlsx",
        imports.WorkloadExportView.as_view(file_format="xlsx"),
        name="workload-export-xlsx",
    ),
    path("import/", imports.ImportUploadView.as_view(), name="import-upload"),
    path(
        "import/template.csv",
        imports.ImportTemplateView.as_view(file_format="csv"),
        name="import-template-csv",
    ),
    path(
        "import/template.xlsx",
        imports.ImportTemplateView.as_view(file_format="xlsx"),
        name="import-template-xlsx",
    ),
    path("import/<int:pk>/", imports.ImportPreviewView.as_view(), name="import-preview"),
    path("import/<int:pk>/apply/", imports.ImportApplyView.as_view(), name="import-apply"),
    path("import/<int:pk>/discard/", imports.ImportDiscardView.as_view(), name="import-discard"),
    path("<int:pk>/", workloads.WorkloadDetailView.as_view(), name="workload-detail"),
    path("<int:pk>/edit/", workloads.WorkloadUpdateView.as_view(), name="workload-update"),
    path("<int:pk>/delete/", workloads.WorkloadDeleteView.as_view(), name="workload-delete"),
]

model_patterns = [
    path("", model_specs.ModelSpecListView.as_view(), name="model-list"),
    path("new/", model_specs.ModelSpecCreateView.as_view(), name="model-create"),
    path("<int:pk>/", model_specs.ModelSpecDetailView.as_view(), name="model-detail"),
]

member_patterns = [
    path("", members.MemberListView.as_view(), name="member-list"),
    path("invite/", invitations.InvitationCreateView.as_view(), name="invitation-create"),
    path("invitations/", invitations.InvitationListView.as_view(), name="invitation-list"),
    path(
        "invitations/<int:pk>/revoke/",
        invitations.InvitationRevokeView.as_view(),
        name="invitation-revoke",
    ),
    path("<int:pk>/role/", members.MemberRoleView.as_view(), name="member-role"),
    path("<int:pk>/remove/", members.MemberRemoveView.as_view(), name="member-remove"),
]

tenant_patterns = [
    # The organization's home sums up its inventory and its assessments' latest runs.
    path("", OrganizationDashboardView.as_view(), name="dashboard"),
    path("assessments/", include("assessments.web.urls")),
    path("workloads/", include(workload_patterns)),
    path("models/", include(model_patterns)),
    path("accelerators/", include(catalog_urls.accelerator_urlpatterns)),
    path("members/", include(member_patterns)),
    path("catalogs/", include(catalog_urls)),
    path("settings/", org_settings.OrganizationSettingsView.as_view(), name="org-settings"),
    path(
        "settings/security/",
        org_security.OrganizationSecurityView.as_view(),
        name="org-security",
    ),
    path(
        "settings/domains/<int:pk>/verify/",
        org_security.DomainVerifyView.as_view(),
        name="domain-verify",
    ),
    path(
        "settings/domains/<int:pk>/remove/",
        org_security.DomainRemoveView.as_view(),
        name="domain-remove",
    ),
    path("settings/export/", org_data.OrganizationExportView.as_view(), name="org-export"),
    path("settings/delete/", org_data.OrganizationDeleteView.as_view(), name="org-delete"),
    path("audit/", audit.AuditLogView.as_view(), name="audit-list"),
    path("audit/export.csv", audit.AuditExportView.as_view(), name="audit-export-csv"),
]

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("accounts/", include(account_patterns)),
    path("account/tokens/", include(token_patterns)),
    path("account/two-factor/", include(two_factor_patterns)),
    # The link of an invitation e-mail: its secret is the only key, no organization in the URL.
    path(
        "invitations/<slug:token>/",
        invitations.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    path("orgs/", home.OrganizationListView.as_view(), name="org-list"),
    path("orgs/switch/", home.OrganizationSwitchView.as_view(), name="org-switch"),
    path("o/<slug:org_slug>/", include(tenant_patterns)),
]
