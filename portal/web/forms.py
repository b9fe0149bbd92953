"""Forms of the web pages: they shape input; the rules live in the models and services."""

from __future__ import annotations

import re
from types import SimpleNamespace

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from portal.models import ModelSpec, Organization, Role, Workload
from portal.models.modelspec import EDITABLE_FIELDS
from portal.models.organization import (
    CLASSIFICATIONS,
    SEAL_LEVELS,
    SETTINGS_FIELDS,
    library_seal_minimums,
)
from portal.models.workload import KIND_FIELDS, workload_sizing_errors
from portal.ranges import WORKLOAD_RANGES
from portal.selectors import model_specs_for, workloads_for

# The workload form and the detail page show the fields in these groups, in this order.
WORKLOAD_SECTIONS: list[tuple[str, list[str]]] = [
    ("Identity", ["external_id", "name", "owner_team", "kind", "model"]),
    (
        "Demand",
        [
            "precision",
            "avg_input_tokens",
            "avg_output_tokens",
            "requests_per_day",
            "peak_factor",
            "growth_pct_per_year",
            "ttft_target_ms",
            "output_tokens_per_second_target",
        ],
    ),
    (
        "Training and GPU work",
        [
            "fine_tuning_method",
            "training_tokens_per_month",
            "gpu_hours_per_month",
            "peak_gpus",
            "gpu_class",
        ],
    ),
    ("What an API bills", ["audio_minutes_per_month", "images_per_month", "cached_input_pct"]),
    (
        "Data and compliance",
        [
            "data_classification",
            "personal_data",
            "special_category_data",
            "sector_regulation",
            "residency_requirement",
        ],
    ),
    ("Labels", ["tags", "notes"]),
]
WORKLOAD_FORM_FIELDS = [name for _, names in WORKLOAD_SECTIONS for name in names]


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError beside the fields it names, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class TagsField(forms.CharField):
    """Tags typed as ``a; b; c`` and stored as a list (the model validates each tag)."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return "; ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return list(dict.fromkeys(tag.strip() for tag in re.split(r"[;,]", text) if tag.strip()))


class ModelSpecChoiceField(forms.ModelChoiceField):
    """The models an organization can see (public and its own), grouped by how they run."""

    def __init__(self, organization: Organization, **kwargs):
        queryset = model_specs_for(organization=organization)
        super().__init__(queryset=queryset, **kwargs)
        labelled = [
            (spec.open_weights, (spec.pk, spec.name + (" (yours)" if spec.organization_id else "")))
            for spec in queryset
        ]
        open_weights = [choice for is_open, choice in labelled if is_open]
        closed = [choice for is_open, choice in labelled if not is_open]
        # Grouping changes the rendering only; validation still looks the pk up in the queryset.
        self.choices = [
            ("", "No model: sized in GPU-hours"),
            ("Open weights (self-hostable)", open_weights),
            ("Closed models (API only)", closed),
        ]


class WorkloadForm(forms.ModelForm):
    """Create or edit one workload; saving goes through ``workload_save``."""

    tags = TagsField(
        required=False,
        help_text="Labels separated by ';', e.g. 'archive; voice; eu'.",
    )

    class Meta:
        model = Workload
        fields = WORKLOAD_FORM_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        model_field = Workload._meta.get_field("model")
        self.fields["model"] = ModelSpecChoiceField(
            organization, required=False, label="Model", help_text=model_field.help_text
        )
        for name in ("peak_factor", "growth_pct_per_year", "gpu_hours_per_month"):
            self.fields[name].widget.attrs["step"] = "0.01"
        # The model's validators judge the value; the form shows the same range beside it.
        for name, allowed in WORKLOAD_RANGES.items():
            field = self.fields[name]
            field.widget.attrs.update(min=str(allowed.minimum), max=str(allowed.maximum))
            field.help_text = f"{field.help_text} Range: {allowed.describe()}.".lstrip()

    def clean_external_id(self):
        external_id = self.cleaned_data["external_id"]
        # The unique constraint includes the organization, which a ModelForm cannot check.
        taken = (
            workloads_for(organization=self.organization)
            .filter(external_id=external_id)
            .exclude(pk=self.instance.pk)
            .exists()
        )
        if taken:
            raise ValidationError("Another workload already has this external ID.")
        return external_id

    def clean(self):
        cleaned = super().clean()
        # The instance takes the cleaned values only after clean(): judge what was entered.
        entered = SimpleNamespace(
            **{name: cleaned.get(name) for name in (*KIND_FIELDS, "kind")},
            model_id=getattr(cleaned.get("model"), "pk", None),
        )
        for field, why in workload_sizing_errors(entered).items():
            if field not in self.errors and field in self.fields:
                self.add_error(field, why)
        return cleaned

    def sections(self):
        """The bound fields grouped as on the detail page, each with the kinds of work it
        applies to (space-separated; '' for every kind), so the page can show a kind's own."""
        return [
            (legend, [(self[name], " ".join(sorted(KIND_FIELDS.get(name, ())))) for name in names])
            for legend, names in WORKLOAD_SECTIONS
        ]


class ModelSpecForm(forms.ModelForm):
    """An organization's own model; ``model_spec_create`` stores it."""

    class Meta:
        model = ModelSpec
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "source_url": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


def seal_level_label(level: int | None, *, default: int | None = None) -> str:
    """'SEAL-3: digital resilience: ...', or for an empty level the library default it means."""
    if level is not None:
        return f"SEAL-{level}: {SEAL_LEVELS[level]}"
    return "The criteria library's default" + (f" (SEAL-{default})" if default is not None else "")


class OrganizationSettingsForm(forms.ModelForm):
    """The organization's name, home, default assumptions and sovereignty minimums."""

    class Meta:
        model = Organization
        fields = list(SETTINGS_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        defaults = library_seal_minimums()
        for classification in CLASSIFICATIONS:
            name = f"min_seal_{classification}"
            model_field = Organization._meta.get_field(name)
            self.fields[name] = forms.TypedChoiceField(
                label=f"Minimum SEAL for {classification} data",
                choices=[("", seal_level_label(None, default=defaults.get(classification)))]
                + [(level, seal_level_label(level)) for level in SEAL_LEVELS],
                coerce=int,
                empty_value=None,
                required=False,
                initial=getattr(self.instance, name),
                help_text=model_field.help_text,
            )


def grantable_roles(actor_role: Role) -> list[tuple[str, str]]:
    """Roles offered in the member controls; the service has the final word."""
    if actor_role.at_least(Role.OWNER):
        return list(Role.choices)
    return [(value, label) for value, label in Role.choices if value != Role.OWNER]


class SignInForm(AuthenticationForm):
    """Django's sign-in form, taking the username or the account's e-mail address."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Username or e-mail"
        self.fields["username"].widget.attrs["autocomplete"] = "username"


class InvitationForm(forms.Form):
    """An address to invite, with the role it will have once the invitation is accepted."""

    email = forms.EmailField(
        max_length=254, help_text="The person receives a link to accept (or to create an account)."
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)

    def __init__(self, *args, actor_role: Role = Role.ADMIN, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = grantable_roles(actor_role)


class InvitationSignUpForm(forms.Form):
    """A new account for an invited address (the address itself comes from the invitation)."""

    username = forms.CharField(
        max_length=150, help_text="What you sign in with: letters, digits and @ . + - _ only."
    )
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only digits, not a common password.",
    )
    password_again = forms.CharField(
        label="Password (again)",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        first, again = cleaned.get("password"), cleaned.get("password_again")
        if first and again and first != again:
            self.add_error("password_again", "The two passwords differ.")
        return cleaned


class MemberRoleForm(forms.Form):
    """A member's new role."""

    role = forms.ChoiceField(choices=Role.choices)


EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("none", "No expiry")]


class TokenCreateForm(forms.Form):
    """A new personal API token: what uses it and how long it lives."""

    name = forms.CharField(
        max_length=80, help_text="What will use the token, e.g. 'CMDB sync' or 'laptop script'."
    )
    expires_in_days = forms.ChoiceField(
        label="Expires after",
        choices=EXPIRY_CHOICES,
        help_text="A token without expiry must be rotated by hand.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default_days = str(settings.SOVRA_API_TOKEN_DEFAULT_DAYS)
        values = [value for value, _ in EXPIRY_CHOICES]
        self.fields["expires_in_days"].initial = default_days if default_days in values else "90"

    def clean_expires_in_days(self) -> int | None:
        value = self.cleaned_data["expires_in_days"]
        return None if value == "none" else int(value)


class ImportUploadForm(forms.Form):
    """An inventory file to check before it is imported."""

    file = forms.FileField(
        label="Inventory file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_mb = settings.SOVRA_IMPORT_MAX_BYTES / (1024 * 1024)
        self.fields["file"].help_text = (
            f"CSV (UTF-8, comma or semicolon separated) or XLSX, up to {limit_mb:g} MB. "
            f"Rows are matched to existing workloads by external ID."
        )


class TwoFactorCodeForm(forms.Form):
    """A code from the authenticator app, or one of the recovery codes."""

    code = forms.CharField(
        max_length=32,
        label="Code",
        help_text="The six digits your authenticator app shows, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class VerifiedDomainForm(forms.Form):
    """An e-mail domain to claim for the organization, and the role of who joins through it."""

    domain = forms.CharField(max_length=253, help_text="The part after @ in your addresses.")
    role = forms.ChoiceField(
        choices=[(Role.VIEWER, Role.VIEWER.label), (Role.ANALYST, Role.ANALYST.label)],
        initial=Role.VIEWER,
        help_text="The role of people who join through this domain.",
    )


class OrganizationDeleteForm(forms.Form):
    """The owner types the organization's name to confirm its deletion."""

    confirm_name = forms.CharField(
        label="Organization name",
        max_length=120,
        help_text="Type the organization's name exactly as shown to confirm.",
    )
