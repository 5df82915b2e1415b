"""Forms of the catalog and target pages (labels in Indonesian)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from espm.parsing import MAX_PEOPLE
from indicators.models import QualityItem, Sector, ServiceLevel
from reporting.rules import reasons


class CatalogFilterForm(forms.Form):
    sector = forms.ModelChoiceField(
        Sector.objects.all(),
        required=False,
        to_field_name="code",
        label=_("Bidang"),
        empty_label=_("Semua bidang"),
    )
    level = forms.ChoiceField(
        choices=[("", _("Semua tingkat")), *ServiceLevel.choices],
        required=False,
        label=_("Tingkat"),
    )
    q = forms.CharField(required=False, label=_("Cari"), max_length=100)


class TargetForm(forms.Form):
    """Recipients target plus one field per quality item that has a quantity."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    recipients_target = forms.IntegerField(
        label=_("Target jumlah penerima"),
        min_value=0,
        max_value=MAX_PEOPLE,
        required=False,
        widget=forms.NumberInput(attrs={"class": "num", "min": "0", "step": "1"}),
        error_messages={
            "invalid": _("Masukkan bilangan bulat."),
            "min_value": _("Tidak boleh negatif."),
            "max_value": _("Angka terlalu besar."),
        },
    )
    reason = forms.CharField(
        label=_("Alasan perubahan (wajib untuk target terkunci)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: Any, items: list[QualityItem], locked: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = [qi for qi in items if qi.has_quantity]
        self.locked = locked
        for qi in self.items:
            self.fields[f"q_{qi.code}"] = forms.DecimalField(
                label=qi.description,
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=2,
                help_text=qi.unit,
                widget=forms.NumberInput(attrs={"class": "num", "min": "0", "step": "any"}),
                error_messages={
                    "invalid": _("Masukkan angka."),
                    "min_value": _("Tidak boleh negatif."),
                },
            )
        if not locked:
            del self.fields["reason"]

    def quality_fields(self) -> list[tuple[QualityItem, forms.BoundField]]:
        return [(qi, self[f"q_{qi.code}"]) for qi in self.items]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.locked and reasons.is_blank(data.get("reason")):
            self.add_error("reason", _("Alasan perubahan wajib diisi untuk target terkunci."))
        return data


class ReturnForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Alasan pengembalian"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class DraftEditionForm(forms.Form):
    code = forms.RegexField(
        regex=r"^[0-9A-Za-z.\-]{1,20}$",
        label=_("Kode edisi baru"),
        help_text=_("mis. 2027.1"),
        error_messages={"invalid": _("Gunakan huruf, angka, titik atau tanda hubung.")},
    )
    name = forms.CharField(label=_("Nama"), max_length=200, required=False)


class PublishForm(forms.Form):
    years = forms.TypedMultipleChoiceField(
        label=_("Pakai untuk tahun pelaporan"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["years"]).choices = [(y, str(y)) for y in years]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Berkas lembar target (.xlsx)"))

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("Berkas terlalu besar (maksimal 5 MB)."))
        if not f.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Gunakan berkas .xlsx hasil unduhan lembar target."))
        return f


class NomenclatureFilterForm(forms.Form):
    sector = forms.ModelChoiceField(
        Sector.objects.all(),
        required=False,
        to_field_name="code",
        label=_("Bidang"),
        empty_label=_("Semua bidang"),
    )
    q = forms.CharField(required=False, label=_("Cari kode atau nama"), max_length=100)
