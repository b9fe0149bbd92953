"""Forms of the catalog pages: they shape input; the services hold the rules."""

from __future__ import annotations

from django import forms

from costing.feeds import CATALOG_SOURCES, FeedError
from costing.models import CATALOG_ROW_MODELS, Catalog, GpuSpec, Provider
from costing.models.reference import EDITABLE_FIELDS as ACCELERATOR_FIELDS
from costing.models.reference import SIZING_FIELDS
from costing.price_display import KIND_LABELS
from costing.services.catalog_io import columns
from costing.services.feed_fetch import refuse_size

MAX_IMPORT_BYTES = 5 * 1024 * 1024
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CatalogForm(forms.ModelForm):
    """A new private draft catalog."""

    class Meta:
        model = Catalog
        fields = ["name", "version", "currency", "effective_date", "source", "notes"]
        widgets = {
            "effective_date": DATE_INPUT,
            "source": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class CatalogVersionForm(forms.Form):
    """A new draft version copied from an existing catalog."""

    version = forms.CharField(max_length=60, help_text="e.g. 2026-Q2 or 2.")
    effective_date = forms.DateField(
        required=False, widget=DATE_INPUT, help_text="Empty: the copied version's date."
    )


OFFER_WIDGETS = {
    "date": DATE_INPUT,
    "notes": forms.Textarea(attrs={"rows": 2}),
    "data_terms": forms.Textarea(attrs={"rows": 2}),
    "regions": forms.Textarea(attrs={"rows": 2}),
    "source_url": forms.TextInput(),
}


def offer_form_class(kind: str, organization) -> type[forms.ModelForm]:
    """A form for one kind of offer; providers are the public ones and the organization's."""
    model = CATALOG_ROW_MODELS[kind]
    names = [name for name in columns(kind) if name != "source_row"]

    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": names,
            "widgets": {name: widget for name, widget in OFFER_WIDGETS.items() if name in names},
        },
    )

    def __init__(self, *args, **kwargs):
        forms.ModelForm.__init__(self, *args, **kwargs)
        if "provider" in self.fields:
            self.fields["provider"].queryset = Provider.objects.for_organization(organization)

    return type(
        f"{model.__name__}Form",
        (forms.ModelForm,),
        {"Meta": meta, "__init__": __init__, "__doc__": f"A {model._meta.verbose_name}."},
    )


class CatalogImportForm(forms.Form):
    """A JSON export document, or one kind of row as CSV."""

    file = forms.FileField(help_text="JSON as exported (every kind), or CSV of one kind of row.")
    kind = forms.ChoiceField(
        choices=[(kind, KIND_LABELS.get(kind, kind.capitalize())) for kind in CATALOG_ROW_MODELS],
        required=False,
        help_text="For a CSV file: which kind of row it holds.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is over 5 MB.")
        try:
            return upload.name, upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError("The file is not UTF-8 text.") from exc


class AcceleratorForm(forms.ModelForm):
    """An organization's own accelerator; the services store it."""

    class Meta:
        model = GpuSpec
        fields = list(ACCELERATOR_FIELDS)
        widgets = {
            "source_url": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What sizing reads is marked required, and missing it says why (as the model does).
        for name, message in SIZING_FIELDS.items():
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = message


class FeedImportForm(forms.Form):
    """A price feed's file, read into a new draft version (never published by the upload)."""

    source = forms.ChoiceField(
        choices=[(source, source) for source in CATALOG_SOURCES],
        help_text="Which feed the file comes from (see the README's Price feeds).",
    )
    file = forms.FileField(help_text="The feed's file as its project publishes it.")
    as_of = forms.DateField(
        required=False,
        widget=DATE_INPUT,
        help_text="Date of the prices; empty: today. A file that states its own date "
        "(gcp-pricing) is dated by it.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            refuse_size(upload.size, name=upload.name)
        except FeedError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload.name, upload.read()


class PublishForm(forms.Form):
    """Publishing a draft whose feed import changed many prices needs this box ticked."""

    confirm_large_change = forms.BooleanField(
        required=False,
        label="I reviewed the diff: publish these price changes",
    )
