"""Forms of the action plan and Tim Penerapan SPM pages (the services hold the rules)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from reporting.entry.forms import RupiahField
from reporting.models import ActionPlan, SpmTeamMember
from reporting.plans import services
from reporting.plans.selectors import CommitmentRow

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OptionalRupiahField(RupiahField):
    """Whole Rupiah, or nothing when left empty (a plan may name no amount)."""

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        if not str(value or "").strip():
            return None
        return super().to_python(value)


class DocumentForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
        error_messages={"empty": _("Berkas kosong.")},
    )
    remove_file = forms.BooleanField(label=_("Hapus berkas yang tersimpan"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def upload(self) -> services.Upload | None:
        f = self.cleaned_data.get("file")
        return services.Upload(f, f.name, f.size) if f else None


class ActionPlanForm(DocumentForm):
    status = forms.ChoiceField(
        label=_("Status"), choices=ActionPlan.Status.choices, widget=forms.RadioSelect
    )
    number = forms.CharField(label=_("Nomor peraturan"), max_length=200, required=False)
    date = forms.DateField(label=_("Tanggal penetapan"), required=False, widget=DATE_WIDGET)
    title = forms.CharField(label=_("Judul peraturan"), max_length=500, required=False)

    field_order = ["status", "number", "date", "title", "file", "remove_file", "version"]

    def __init__(self, *args: Any, rows: list[CommitmentRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            code = row.service_type.code
            self.fields[f"c_{code}"] = forms.CharField(
                label=_("Komitmen %(code)s") % {"code": code},
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=row.commitment.commitment if row.commitment else "",
            )
            self.fields[f"b_{code}"] = OptionalRupiahField(
                label=_("Rencana anggaran %(code)s (Rp)") % {"code": code},
                required=False,
                initial=row.commitment.budget if row.commitment else None,
            )

    def plan_input(self) -> services.PlanInput:
        d = self.cleaned_data
        return services.PlanInput(d["status"], d["number"], d["date"], d["title"])

    def commitments(self) -> list[services.CommitmentInput]:
        out = []
        for row in self.rows:
            code = row.service_type.code
            text = self.cleaned_data.get(f"c_{code}") or ""
            budget = self.cleaned_data.get(f"b_{code}")
            if text.strip() or budget:
                out.append(services.CommitmentInput(code, text, budget))
        return out

    def sectors(self) -> list[dict[str, Any]]:
        """The commitment fields grouped by sector, for the page."""
        groups: dict[str, dict[str, Any]] = {}
        for row in self.rows:
            st = row.service_type
            group = groups.setdefault(st.sector.code, {"sector": st.sector, "items": []})
            group["items"].append(
                {"service_type": st, "text": self[f"c_{st.code}"], "budget": self[f"b_{st.code}"]}
            )
        return list(groups.values())


class SpmTeamForm(DocumentForm):
    # Required by the service, which says what is missing in the domain's words.
    decree_number = forms.CharField(label=_("Nomor keputusan"), max_length=200, required=False)
    decree_date = forms.DateField(label=_("Tanggal keputusan"), widget=DATE_WIDGET, required=False)
    chair_name = forms.CharField(label=_("Nama ketua"), max_length=150, required=False)
    chair_position = forms.CharField(
        label=_("Jabatan ketua"), max_length=200, initial=_("Sekretaris Daerah"), required=False
    )

    field_order = [
        "decree_number",
        "decree_date",
        "chair_name",
        "chair_position",
        "file",
        "remove_file",
        "version",
    ]

    def team_input(self) -> services.TeamInput:
        d = self.cleaned_data
        return services.TeamInput(
            d["decree_number"], d["decree_date"], d["chair_name"], d["chair_position"]
        )


class MemberForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    name = forms.CharField(label=_("Nama"), max_length=150, required=False)
    position = forms.CharField(label=_("Jabatan"), max_length=200, required=False)
    # Plain choices, read once for the whole formset (a model field would query per row).
    agency = forms.TypedChoiceField(
        label=_("Perangkat daerah"), coerce=int, empty_value=None, required=False
    )
    unit = forms.CharField(label=_("Unit kerja lain"), max_length=200, required=False)
    role = forms.ChoiceField(
        label=_("Peran dalam tim"),
        choices=SpmTeamMember.Role.choices,
        initial=SpmTeamMember.Role.MEMBER,
    )

    def __init__(
        self, *args: Any, agencies: list[tuple[Any, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["agency"]).choices = [("", "—"), *(agencies or [])]

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {})
        return not any(
            (d.get(k) or "").strip() for k in ("name", "position", "unit")
        ) and not d.get("agency")

    def member_input(self) -> services.MemberInput:
        d = self.cleaned_data
        return services.MemberInput(
            d.get("name") or "",
            d.get("position") or "",
            d.get("role") or "",
            d.get("agency"),
            d.get("unit") or "",
            d.get("id"),
        )


class BaseMemberFormSet(forms.BaseFormSet):
    def __init__(
        self, *args: Any, agencies: list[tuple[Any, str]] | None = None, **kwargs: Any
    ) -> None:
        self.agencies = agencies
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "agencies": self.agencies}

    def members(self) -> list[services.MemberInput]:
        out = []
        for form in self.forms:
            if self.can_delete and form.cleaned_data.get("DELETE"):
                continue
            if form.is_blank():
                continue
            out.append(form.member_input())
        return out


MemberFormSet = cast(
    type[BaseMemberFormSet],
    forms.formset_factory(
        MemberForm,
        formset=BaseMemberFormSet,
        extra=3,
        can_delete=True,
        max_num=100,
        absolute_max=150,
    ),
)
