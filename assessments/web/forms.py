"""Forms of the assessment pages: they shape input; the rules live in the services."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields

from django import forms
from django.core.exceptions import ValidationError

from assessments.models import OPTION_CHOICES, Assessment
from assessments.services.assessments import (
    ASSUMPTION_TYPES,
    COMMITMENT_TERMS,
    clean_callback_url,
    clean_recipients,
)
from costing.engine.scenario import Assumptions
from portal.models import Organization
from portal.selectors import workloads_for
from portal.web.forms import TagsField, add_service_errors

ASSUMPTION_PREFIX = "assume_"
# What each overridable assumption means to the person filling the form (fractions stay
# fractions, as the API and the engine take them).
ASSUMPTION_LABELS = {
    "demand_growth_per_year": ("Demand growth per year", "fraction: 0.25 is +25% a year"),
    "cloud_price_trend_per_year": ("Cloud GPU price trend per year", "fraction: -0.1 is -10%"),
    "api_price_trend_per_year": ("API price trend per year", "fraction: -0.25 is -25%"),
    "electricity_price_trend_per_year": ("Electricity price trend per year", "fraction"),
    "owned_utilisation_target": (
        "Owned fleet utilisation target",
        "share of a GPU's hours batch work may fill; below 1 keeps headroom",
    ),
    "idle_power_fraction": ("Idle power fraction", "share of typical power drawn when idle"),
    "peak_hours_per_day": ("Peak hours per day", "hours"),
    "residual_value_fraction": ("Residual value fraction", "resale share of the purchase price"),
    "commitment_term": ("Cloud commitment term", "for the committed option"),
    "refresh_at_end_of_life": ("Refresh hardware at end of life", "buy again when servers age out"),
    "batch_peaks_coincide": (
        "Batch peaks coincide with serving peaks",
        "yes: owned fleets hold every job's peak at once; no: batch fills idle hours",
    ),
}
BOOLEAN_CHOICES = [("", "Engine default"), ("true", "Yes"), ("false", "No")]

# The wizard's steps: (slug, legend, field names); the review step has no fields.
STEPS: list[tuple[str, str, list[str]]] = [
    ("workloads", "1. Workloads", ["name", "description", "workloads", "workload_tags"]),
    (
        "options",
        "2. Options and prices",
        ["options", "horizon_years", "prices_as_of", "offer_locations"],
    ),
    (
        "assumptions",
        "3. Assumptions",
        [f"{ASSUMPTION_PREFIX}{key}" for key in ASSUMPTION_TYPES]
        + ["monte_carlo_samples", "random_seed"],
    ),
    (
        "sovereignty",
        "4. Sovereignty and constraints",
        [
            "sovereignty_weight_pct",
            "sovereign_min_seal",
            "min_sovereign_share_pct",
            "budget_cap",
            "power_limit_kw",
            "rack_units_limit",
        ],
    ),
    ("recipients", "5. Recipients and callback", ["recipients", "email_message", "callback_url"]),
]
MODEL_FIELDS = [
    name for _, _, names in STEPS for name in names if not name.startswith(ASSUMPTION_PREFIX)
]


def engine_defaults() -> dict[str, object]:
    """The engine's own value of each overridable assumption (``Assumptions`` field defaults)."""
    return {f.name: f.default for f in dataclass_fields(Assumptions) if f.name in ASSUMPTION_TYPES}


def describe_default(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _assumption_field(key: str, default) -> forms.Field:
    label, unit = ASSUMPTION_LABELS.get(key, (key.replace("_", " ").capitalize(), ""))
    shown = describe_default(default)
    if key == "residual_value_fraction":
        shown += " (runs use the catalog's resale value of the oldest published age)"
    help_text = f"{unit}; empty: the default, {shown}." if unit else f"Empty: the default, {shown}."
    kind = ASSUMPTION_TYPES[key]
    common = {"label": label, "required": False, "help_text": help_text}
    if kind is bool:
        return forms.ChoiceField(choices=BOOLEAN_CHOICES, **common)
    if key == "commitment_term":
        choices = [("", "Engine default")] + [(term, term) for term in COMMITMENT_TERMS]
        return forms.ChoiceField(choices=choices, **common)
    field = forms.FloatField(**common)
    field.widget.attrs["step"] = "any"
    return field


class RecipientsField(forms.CharField):
    """Addresses typed one per line (or separated by commas) and kept as a list."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def clean(self, value):
        text = super().clean(value)
        try:
            return clean_recipients(text or "")
        except ValidationError as error:
            raise ValidationError(error.message_dict["recipients"]) from error


class AssessmentForm(forms.ModelForm):
    """Every setting of an assessment, in the wizard's five steps; saved by ``assessment_save``."""

    workloads = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick workloads one by one; with the tags, their union is assessed. "
        "Neither given: every workload of the organization.",
    )
    workload_tags = TagsField(
        label="Workload tags",
        required=False,
        help_text="Workloads carrying any of these tags, separated by ';' (e.g. 'archive; voice').",
    )
    options = forms.MultipleChoiceField(
        choices=OPTION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one deployment option."},
        help_text="The deployment options compared.",
    )
    recipients = RecipientsField(
        required=False,
        help_text="Addresses that receive each finished run's report, one per line (at most 50).",
    )
    callback_url = forms.URLField(
        label="Callback URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=Assessment._meta.get_field("callback_url").help_text,
    )

    class Meta:
        model = Assessment
        fields = MODEL_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "email_message": forms.Textarea(attrs={"rows": 3}),
            "prices_as_of": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["workloads"].queryset = workloads_for(organization=organization).order_by(
            "external_id"
        )
        if self.instance.pk is None:
            # A new form takes no initial from its instance: offer every option, as the model does.
            self.initial.setdefault("options", list(self.instance.options))
        overrides = self.instance.assumption_overrides or {}
        for key, default in engine_defaults().items():
            name = f"{ASSUMPTION_PREFIX}{key}"
            self.fields[name] = _assumption_field(key, default)
            if key in overrides:
                value = overrides[key]
                self.initial[name] = str(value).lower() if isinstance(value, bool) else value
        self.fields[
            "horizon_years"
        ].help_text = f"Empty: the organization's horizon, {organization.horizon_years} years."
        self.fields["sovereignty_weight_pct"].help_text = (
            "Weight of sovereignty against cost in the ranking; empty: the organization's, "
            f"{organization.sovereignty_weight_pct}%."
        )
        currency = organization.currency
        self.fields["budget_cap"].label = f"Budget cap (NPV, {currency})"
        for name in ("budget_cap", "power_limit_kw", "min_sovereign_share_pct"):
            self.fields[name].widget.attrs["step"] = "0.01"

    def clean_callback_url(self) -> str:
        return clean_callback_url(self.cleaned_data["callback_url"])

    def steps(self) -> list[dict]:
        """The fields of each step, bound, for the template; ``errors`` marks steps to open."""
        return [
            {
                "slug": slug,
                "legend": legend,
                "fields": [self[name] for name in names],
                "errors": any(self[name].errors for name in names),
            }
            for slug, legend, names in STEPS
        ]

    def assumption_overrides(self) -> dict:
        """The assumptions filled in, typed as the service expects; empty fields are dropped."""
        overrides = {}
        for key, kind in ASSUMPTION_TYPES.items():
            value = self.cleaned_data.get(f"{ASSUMPTION_PREFIX}{key}")
            if value in (None, ""):
                continue
            overrides[key] = (value == "true") if kind is bool else value
        return overrides

    def add_service_errors(self, error: ValidationError) -> None:
        """Service errors beside their fields; an assumption's error beside that assumption."""
        if hasattr(error, "error_dict") and "assumption_overrides" in error.error_dict:
            messages = error.message_dict
            for message in messages.pop("assumption_overrides"):
                key, _, text = message.partition(": ")
                name = f"{ASSUMPTION_PREFIX}{key}"
                self.add_error(name if name in self.fields else None, text or message)
            if not messages:
                return
            error = ValidationError(messages)
        add_service_errors(self, error)


class RunEmailForm(forms.Form):
    """Send a finished run's report to some addresses, with a note."""

    recipients = RecipientsField(
        help_text="One address per line, or separated by commas (at most 50)."
    )
    message = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Printed above the summary in the email.",
    )


class CompareForm(forms.Form):
    """Two runs of an assessment to compare, picked from its run history."""

    run = forms.TypedChoiceField(coerce=int, label="Run")
    other = forms.TypedChoiceField(coerce=int, label="Compare with")

    def __init__(self, *args, runs, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(run.pk, f"#{run.number} ({run.get_status_display().lower()})") for run in runs]
        self.fields["run"].choices = choices
        self.fields["other"].choices = choices
        if len(choices) >= 2:
            self.initial.setdefault("run", choices[0][0])
            self.initial.setdefault("other", choices[1][0])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("run") is not None and cleaned.get("run") == cleaned.get("other"):
            self.add_error("other", "Choose two different runs.")
        return cleaned
