"""Forms of the LPPD annex page: hand in (a note), withdraw (a reason), Bangda's due date."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class HandInForm(forms.Form):
    note = forms.CharField(
        label=_("Catatan (wajib bila angka tahunan masih sementara)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Alasan menarik"), max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class DueDateForm(forms.Form):
    due_date = forms.DateField(label=_("Batas waktu penyerahan"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Alasan perubahan"), max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
