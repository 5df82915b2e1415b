from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from indicators.models import Sector
from regions.models import Agency, Region, User
from regions.roles import AGENCY_ROLES, Role


class LoginForm(AuthenticationForm):
    """One generic message for every failure: it never says which part was wrong."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Nama pengguna atau kata sandi salah."),
        "inactive": _("Nama pengguna atau kata sandi salah."),
    }


class AgencyForm(forms.ModelForm):
    sectors = forms.ModelMultipleChoiceField(
        label=_("Bidang SPM yang dilayani"),
        queryset=Sector.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Agency
        fields = [
            "name",
            "short_name",
            "sectors",
            "contact_name",
            "contact_position",
            "contact_phone",
            "contact_email",
            "is_active",
        ]

    def __init__(self, *args: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region = region
        if self.instance.pk:
            self.fields["sectors"].initial = list(self.instance.sectors.all())

    def clean_short_name(self) -> str:
        short = self.cleaned_data["short_name"].strip().upper()
        clash = Agency.objects.filter(region=self.region, short_name__iexact=short)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Singkatan ini sudah dipakai di wilayah ini."))
        return short

    def validate_unique(self) -> None:
        # The region is not a form field; uniqueness of the short name is checked above.
        pass


class RegionSettingsForm(forms.ModelForm):
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Region
        fields = [
            "contact_name",
            "contact_position",
            "contact_phone",
            "contact_email",
            "requires_head_signoff",
        ]
        help_texts = {
            "requires_head_signoff": _(
                "Jika dicentang, entri OPD harus disetujui kepala OPD sebelum sampai ke verifikator."
            )
        }


class InviteForm(forms.Form):
    username = forms.RegexField(
        label=_("Nama pengguna"),
        regex=r"^[a-z0-9._-]{3,150}$",
        error_messages={"invalid": _("Gunakan 3–150 huruf kecil, angka, titik, - atau _.")},
        help_text=_("Contoh: klaten.dinkes2"),
    )
    full_name = forms.CharField(label=_("Nama lengkap"), max_length=150)
    email = forms.EmailField(
        label=_("Email"), help_text=_("Tautan untuk membuat kata sandi dikirim ke sini.")
    )
    role = forms.ChoiceField(label=_("Peran"))
    agency = forms.ModelChoiceField(
        label=_("Perangkat daerah"),
        queryset=Agency.objects.none(),
        required=False,
        help_text=_("Wajib untuk operator dan kepala OPD."),
    )
    sector_code = forms.ChoiceField(label=_("Bidang"), required=False)

    def __init__(self, *args: Any, region: Region, roles: list[Role], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region = region
        cast(forms.ChoiceField, self.fields["role"]).choices = [(r.value, r.label) for r in roles]
        cast(forms.ModelChoiceField, self.fields["agency"]).queryset = Agency.objects.filter(
            region=region, is_active=True
        )
        if Role.SECTOR_VIEWER in roles:
            cast(forms.ChoiceField, self.fields["sector_code"]).choices = [("", "—")] + [
                (s.code, s.name) for s in Sector.objects.all()
            ]
        else:
            del self.fields["sector_code"]
        if not any(r in AGENCY_ROLES for r in roles):
            del self.fields["agency"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("Nama pengguna ini sudah dipakai."))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        agency = data.get("agency")
        if role in AGENCY_ROLES and not agency:
            self.add_error("agency", _("Pilih perangkat daerah untuk peran OPD."))
        if role not in AGENCY_ROLES:
            data["agency"] = None
        if role == Role.SECTOR_VIEWER and not data.get("sector_code"):
            self.add_error("sector_code", _("Pilih bidang untuk pemantau kementerian sektor."))
        if role != Role.SECTOR_VIEWER:
            data["sector_code"] = ""
        return data


class AddRoleForm(InviteForm):
    """Another role for an existing user, in the region of the URL."""

    def __init__(self, *args: Any, region: Region, roles: list[Role], **kwargs: Any) -> None:
        super().__init__(*args, region=region, roles=roles, **kwargs)
        for name in ("username", "full_name", "email"):
            del self.fields[name]
