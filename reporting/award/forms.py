"""The SPM Award configuration form: one weight per known component, the categories, a reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reporting.models import AwardConfig
from reporting.rules import award


class AwardConfigForm(forms.Form):
    categories = forms.MultipleChoiceField(
        label=_("Kategori"),
        choices=[(k, v) for k, v in award.CATEGORIES.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Sumber / catatan"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(label=_("Alasan perubahan"), max_length=100, widget=forms.TextInput())
    # The version the page showed: 0 while the year has no saved configuration, so a first
    # save is refused once another tab has saved one. A post without it counts as 0 (it can
    # create the configuration, never replace one).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, data: Any = None, *, config: AwardConfig) -> None:
        weights = dict(config.weights)
        initial = {
            "categories": config.categories,
            "note": config.note,
            "version": config.version if config.pk else 0,
            **{f"w_{k}": weights.get(k, 0) for k in award.COMPONENTS},
        }
        super().__init__(data, initial=initial)
        for key, definition in award.COMPONENTS.items():
            self.fields[f"w_{key}"] = forms.IntegerField(
                label=award.COMPONENT_LABELS[key],
                help_text=definition,
                min_value=0,
                max_value=100,
            )

    def clean_version(self) -> int:
        version = self.cleaned_data.get("version")
        return 0 if version is None else int(version)

    @property
    def weight_fields(self) -> list[Any]:
        return [self[f"w_{k}"] for k in award.COMPONENTS]

    def criteria(self) -> list[tuple[str, int]]:
        """Components with a weight above 0, in the rule's order."""
        return [
            (k, self.cleaned_data[f"w_{k}"])
            for k in award.COMPONENTS
            if self.cleaned_data.get(f"w_{k}")
        ]
