"""Forms of the periods area: a period's due date and late entry (with the version it was read
at), and the year whose quarters are provided. The API types the same input with their rules
and messages (``espm.api_base.form_cleaned``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PeriodForm(forms.Form):
    due_date = forms.DateField(
        label=_("Batas waktu"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Tanggal batas waktu wajib diisi."),
            "invalid": _("Tanggal tidak valid."),
        },
    )
    allow_late = forms.BooleanField(
        label=_("Izinkan pengisian setelah batas waktu (ditandai terlambat)"), required=False
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": _("Versi periode tidak terkirim; muat ulang halaman lalu ulangi."),
            "invalid": _("Versi periode tidak valid; muat ulang halaman lalu ulangi."),
            "min_value": _("Versi periode tidak valid; muat ulang halaman lalu ulangi."),
        },
    )


class YearForm(forms.Form):
    year = forms.IntegerField(
        label=_("Tahun"),
        min_value=2020,
        max_value=2100,
        error_messages={
            "invalid": _("Isi tahun, misalnya 2027."),
            "min_value": _("Tahun minimal 2020."),
            "max_value": _("Tahun maksimal 2100."),
        },
    )
