"""Forms of the report page: one per section, Indonesian messages, forgiving number input."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, cast

import lokal
from django import forms
from django.utils.translation import gettext_lazy as _

from reporting.entry.evidence import ACCEPT_ATTR
from reporting.entry.values import QualityValue
from reporting.models import ReportQuality, ReportStage, Stage
from reporting.rules import breakdown as breakdown_rules

THOUSANDS = re.compile(r"^[1-9]\d{0,2}([.\s]\d{3})+$")
THOUSANDS_DEC = re.compile(r"^[1-9]\d{0,2}(\.\d{3})+,\d+$")
ACTIVITY_CODE = re.compile(r"^[0-9X]\.[0-9X]{2}\.\d{2}\.\d\.\d{2}$")
SUB_ACTIVITY_CODE = re.compile(r"^[0-9X]\.[0-9X]{2}\.\d{2}\.\d\.\d{2}\.\d{4}$")


# A free-text breakdown (a service type whose catalog names no dimensions) has a few groups;
# the cap bounds the JSON stored on every report. Catalog dimensions bound themselves.
MAX_BREAKDOWN_GROUPS = 20


class CountField(forms.Field):
    """A whole, non-negative count; accepts Indonesian thousands separators ("1.234")."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "class": "num", "autocomplete": "off"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}".replace(",", ".")
        return value

    def to_python(self, value: Any) -> int | None:
        text = str(value or "").strip()
        if not text:
            return None
        if text.startswith("-"):
            raise forms.ValidationError(_("Jumlah tidak boleh negatif."), code="negative")
        if THOUSANDS.match(text):
            text = re.sub(r"[.\s]", "", text)
        if re.match(r"^\d+[,.]\d+$", text):
            raise forms.ValidationError(
                _("Jumlah orang harus bilangan bulat (tanpa koma)."), code="fraction"
            )
        if not (text.isascii() and text.isdigit()):  # "²" is a digit to Python, not to int()
            raise forms.ValidationError(_("Isi dengan angka, misalnya 1.250."), code="invalid")
        number = int(text)
        if number > 2_000_000_000:
            raise forms.ValidationError(_("Angka terlalu besar."), code="max")
        return number


class QuantityField(forms.Field):
    """A non-negative quantity; decimal comma as Indonesians write it ("12,5")."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "class": "num", "autocomplete": "off"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            text = f"{value.normalize():,f}"
            return text.replace(",", "_").replace(".", ",").replace("_", ".")
        return value

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value or "").strip().replace(" ", "")
        if not text:
            return None
        if text.startswith("-"):
            raise forms.ValidationError(_("Jumlah tidak boleh negatif."), code="negative")
        if THOUSANDS.match(text) or THOUSANDS_DEC.match(text):
            text = text.replace(".", "")
        text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise forms.ValidationError(
                _("Isi dengan angka, misalnya 12 atau 12,5."), code="invalid"
            ) from exc
        if not number.is_finite() or number >= Decimal("1e12"):
            raise forms.ValidationError(_("Angka tidak valid."), code="invalid")
        return number.quantize(Decimal("0.01"))


class RupiahField(forms.Field):
    """Whole Rupiah; accepts "1.500.000", "Rp1.500.000" or "1,5 juta"."""

    widget = forms.TextInput(
        attrs={"inputmode": "numeric", "class": "num rupiah", "autocomplete": "off"}
    )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return lokal.format_rupiah(value).removeprefix("Rp")
        return value

    def to_python(self, value: Any) -> int:
        text = str(value or "").strip()
        if not text:
            return 0
        if "-" in text:
            raise forms.ValidationError(_("Nilai rupiah tidak boleh negatif."), code="negative")
        parsed = lokal.parse_rupiah(text)
        if parsed is None:
            raise forms.ValidationError(
                _("Isi dengan nominal rupiah, misalnya 1.500.000."), code="invalid"
            )
        amount = parsed.amount
        if amount != int(amount):
            raise forms.ValidationError(_("Nilai rupiah harus bilangan bulat."), code="fraction")
        if amount > 10**15:
            raise forms.ValidationError(_("Nominal terlalu besar."), code="max")
        return int(amount)


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput(attrs={"data-report-version": ""}))

    # Field key (services.field_values) → form field name; sections with rows override field_keys().
    KEYS: dict[str, str] = {}
    # Set after a conflict: form field name → the text the next save starts from (theirs).
    base_text: dict[str, str] | None = None

    def field_keys(self) -> dict[str, str]:
        return {k: n for k, n in self.KEYS.items() if n in self.fields}

    def field_values(self) -> dict[str, Any]:
        """The cleaned values by field key (a three-way merge compares these)."""
        return {k: self.cleaned_data.get(n) for k, n in self.field_keys().items()}

    def text_of(self, key: str, value: Any) -> str:
        """A stored value as this form's field shows it (what "use theirs" puts back)."""
        name = self.field_keys().get(key)
        if name is None:
            return ""
        shown = self.fields[name].prepare_value(value)
        return "" if shown is None else str(shown)

    def base_data(self, data: Any) -> dict[str, Any] | None:
        """The ``base-<name>`` values a save carried (what the person started from), or None."""
        names = list(self.field_keys().values())
        if not names or any(f"base-{n}" not in data for n in names):
            return None
        return {"version": data.get("version", "0"), **{n: data[f"base-{n}"] for n in names}}

    def bases(self) -> list[tuple[str, str]]:
        """The hidden ``base-<name>`` inputs: the values this form started from."""
        out = []
        for name in self.field_keys().values():
            if self.base_text is not None and name in self.base_text:
                value = self.base_text[name]
            elif self.is_bound and f"base-{name}" in self.data:
                value = self.data[f"base-{name}"]
            else:
                shown = self[name].value()
                value = "" if shown is None else str(shown)
            out.append((name, value))
        return out


class RecipientsForm(VersionedForm):
    """Served so far and the breakdown: one count per catalog group, or free text "label: n".

    With ``dimensions`` (the service type's, ``reporting.rules.breakdown``) the form has one
    count field per group (``bd-<dimension>-<group>``); the ``breakdown`` text field then
    only carries a breakdown saved before the catalog defined one (shown while it is not
    replaced) or, in a base form, the stored breakdown as JSON.
    """

    KEYS = {"recipients_served": "recipients_served", "recipients_breakdown": "breakdown"}
    recipients_served = CountField(
        label=_("Jumlah penerima terlayani (kumulatif sejak Januari)"), required=False
    )
    breakdown = forms.CharField(
        label=_("Rincian penerima (opsional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Laki-laki: 70\nPerempuan: 80"}),
        help_text=_("Satu baris per kelompok, format “kelompok: jumlah”."),
    )

    def __init__(
        self, *args: Any, dimensions: Iterable[breakdown_rules.Dimension] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.dimensions = tuple(dimensions)
        for dim in self.dimensions:
            for group in dim.groups:
                self.fields[self.group_field(dim.key, group.key)] = CountField(
                    label=group.label, required=False
                )
        if self.dimensions:
            self.fields["breakdown"].label = _("Rincian lama (teks bebas)")
            self.fields["breakdown"].help_text = _(
                "Disimpan sebelum katalog menetapkan rincian; diganti begitu isian per "
                "kelompok di atas diisi."
            )

    @staticmethod
    def group_field(dimension: str, group: str) -> str:
        return f"bd-{dimension}-{group}"

    @classmethod
    def initial_for(
        cls, stored: Any, dimensions: Iterable[breakdown_rules.Dimension] = ()
    ) -> dict[str, Any]:
        """The initial values of the breakdown fields for a stored breakdown."""
        if not breakdown_rules.is_structured(stored):
            return {"breakdown": cls.breakdown_text(stored)}
        out: dict[str, Any] = {"breakdown": breakdown_rules.as_json(stored)}
        for row in breakdown_rules.rows(stored, dimensions):
            for gkey, _label, n in row.groups:
                out[cls.group_field(row.key, gkey)] = n
        return out

    def fieldsets(self) -> list[tuple[breakdown_rules.Dimension, list[Any]]]:
        """Per dimension its bound fields, for one fieldset each."""
        return [
            (dim, [self[self.group_field(dim.key, g.key)] for g in dim.groups])
            for dim in self.dimensions
        ]

    def show_legacy(self) -> bool:
        """Show the free-text field: no catalog dimensions, or an old free-text value to keep."""
        if not self.dimensions:
            return True
        value = self["breakdown"].value() or ""
        return bool(str(value).strip()) and not str(value).lstrip().startswith("{")

    def clean_breakdown(self) -> dict[str, Any]:
        text = self.cleaned_data.get("breakdown", "")
        if self.dimensions and text.lstrip().startswith("{"):
            try:
                return breakdown_rules.clean(json.loads(text), self.dimensions)
            except (ValueError, breakdown_rules.BreakdownInvalid) as exc:
                raise forms.ValidationError(_("Rincian tidak terbaca.")) from exc
        result: dict[str, Any] = {}
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            label, sep, number = line.rpartition(":")
            try:
                value = CountField().to_python(number) if sep else None
            except forms.ValidationError:
                value = None
            if not sep or not label.strip() or value is None:
                raise forms.ValidationError(
                    _(
                        "Baris %(n)s tidak terbaca; tulis “kelompok: jumlah”, misalnya “Perempuan: 80”."
                    )
                    % {"n": n}
                )
            result[label.strip()[:80]] = value
            if len(result) > MAX_BREAKDOWN_GROUPS:
                raise forms.ValidationError(
                    _("Rincian paling banyak %(n)s kelompok.") % {"n": MAX_BREAKDOWN_GROUPS}
                )
        return result

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        structured: dict[str, dict[str, int]] = {}
        for dim in self.dimensions:
            for group in dim.groups:
                value = cleaned.get(self.group_field(dim.key, group.key))
                if value is not None:
                    structured.setdefault(dim.key, {})[group.key] = value
        if structured and "breakdown" not in self.errors:
            cleaned["breakdown"] = structured  # filled groups replace an old free-text value
        return cleaned

    def bases(self) -> list[tuple[str, str]]:
        """Also each group's value: after a save the page refreshes the group inputs not typed
        into since (the merge itself compares the whole breakdown, ``base-breakdown``)."""
        out = super().bases()
        if self.dimensions and not self.is_bound:
            for dim in self.dimensions:
                for group in dim.groups:
                    name = self.group_field(dim.key, group.key)
                    shown = self[name].value()
                    out.append((name, "" if shown is None else str(shown)))
        return out

    def choosable(self, key: str) -> bool:
        """A structured breakdown spans many inputs: no one-field "use theirs" for it."""
        return not (self.dimensions and key == "recipients_breakdown")

    @staticmethod
    def breakdown_text(data: Any) -> str:
        """The stored groups as they are typed: "Laki-laki: 90.000", one per line."""
        count = CountField()
        return "\n".join(f"{k}: {count.prepare_value(v)}" for k, v in (data or {}).items())

    def text_of(self, key: str, value: Any) -> str:
        if key == "recipients_breakdown":
            if breakdown_rules.is_structured(value):
                return breakdown_rules.as_json(value)
            return self.breakdown_text(value)
        return super().text_of(key, value)


class ProblemsForm(VersionedForm):
    KEYS = {"problems": "problems", "solutions": "solutions"}
    problems = forms.CharField(
        label=_("Permasalahan"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    solutions = forms.CharField(
        label=_("Solusi / tindak lanjut"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


MET_CHOICES = [("", _("— belum diisi —")), ("1", _("Terpenuhi")), ("0", _("Belum terpenuhi"))]


class QualityForm(VersionedForm):
    """One field per quality item: realised quantity, or met yes/no for items without quantity."""

    def __init__(
        self, *args: Any, rows: list[ReportQuality], required_editable: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.required_editable = required_editable
        for row in rows:
            item = row.quality_item
            if item.has_quantity:
                if required_editable:
                    self.fields[f"req_{row.pk}"] = QuantityField(
                        label=_("Jumlah minimal"), required=False, initial=row.required
                    )
                self.fields[f"q_{row.pk}"] = QuantityField(
                    label=_("Realisasi"), required=False, initial=row.realised
                )
            else:
                initial = "" if row.met is None else ("1" if row.met else "0")
                self.fields[f"m_{row.pk}"] = forms.ChoiceField(
                    label=_("Terpenuhi?"), choices=MET_CHOICES, required=False, initial=initial
                )

    def field_keys(self) -> dict[str, str]:
        out = {}
        for row in self.rows:
            code = row.quality_item.code
            if row.quality_item.has_quantity:
                if self.required_editable:
                    out[f"quality.{code}.required"] = f"req_{row.pk}"
                out[f"quality.{code}.realised"] = f"q_{row.pk}"
            else:
                out[f"quality.{code}.met"] = f"m_{row.pk}"
        return out

    def field_values(self) -> dict[str, Any]:
        out = super().field_values()
        for key, name in self.field_keys().items():
            if key.endswith(".met"):
                raw = self.cleaned_data.get(name, "")
                out[key] = None if raw in ("", None) else raw == "1"
        return out

    def text_of(self, key: str, value: Any) -> str:
        if key.endswith(".met"):
            return "" if value is None else ("1" if value else "0")
        return super().text_of(key, value)

    def items(self) -> list[dict[str, Any]]:
        """Rows with their bound fields, for the template."""
        out = []
        for row in self.rows:
            out.append(
                {
                    "row": row,
                    "req": self[f"req_{row.pk}"] if f"req_{row.pk}" in self.fields else None,
                    "value": self[f"q_{row.pk}"]
                    if row.quality_item.has_quantity
                    else self[f"m_{row.pk}"],
                }
            )
        return out

    def values(self) -> dict[int, Any]:
        out: dict[int, Any] = {}
        for row in self.rows:
            if row.quality_item.has_quantity:
                out[row.pk] = QualityValue(
                    realised=self.cleaned_data.get(f"q_{row.pk}"),
                    met=row.met,
                    required=self.cleaned_data.get(f"req_{row.pk}"),
                    set_required=self.required_editable,
                )
            else:
                raw = self.cleaned_data.get(f"m_{row.pk}", "")
                out[row.pk] = QualityValue(
                    realised=row.realised, met=None if raw == "" else raw == "1"
                )
        return out


class StagesForm(VersionedForm):
    def __init__(self, *args: Any, stages: list[ReportStage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage_rows = stages
        status_choices = [("", _("— pilih status —")), *ReportStage.Status.choices]
        for s in stages:
            self.fields[f"status_{s.stage}"] = forms.ChoiceField(
                label=_("Status"), choices=status_choices, required=False, initial=s.status
            )
            self.fields[f"note_{s.stage}"] = forms.CharField(
                label=_("Keterangan"),
                required=False,
                max_length=3000,
                initial=s.note,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def field_keys(self) -> dict[str, str]:
        out = {}
        for s in self.stage_rows:
            out[f"stages.{s.stage}.status"] = f"status_{s.stage}"
            out[f"stages.{s.stage}.note"] = f"note_{s.stage}"
        return out

    def blocks(self) -> list[dict[str, Any]]:
        return [
            {
                "row": s,
                "label": Stage(s.stage).label,
                "status": self[f"status_{s.stage}"],
                "note": self[f"note_{s.stage}"],
            }
            for s in self.stage_rows
        ]

    def values(self) -> dict[int, tuple[str, str]]:
        return {
            s.stage: (
                self.cleaned_data.get(f"status_{s.stage}", ""),
                self.cleaned_data.get(f"note_{s.stage}", ""),
            )
            for s in self.stage_rows
        }


class BudgetLineForm(VersionedForm):
    activity_code = forms.CharField(
        label=_("Kode kegiatan"),
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "1.02.02.2.02"}),
        error_messages={"required": _("Kode kegiatan wajib diisi.")},
    )
    activity_name = forms.CharField(
        label=_("Nama kegiatan"),
        max_length=300,
        error_messages={"required": _("Nama kegiatan wajib diisi.")},
    )
    sub_activity_code = forms.CharField(
        label=_("Kode sub kegiatan"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "1.02.02.2.02.0001"}),
    )
    sub_activity_name = forms.CharField(
        label=_("Nama sub kegiatan"), max_length=300, required=False
    )
    allocated = RupiahField(label=_("Pagu (Rp)"), required=False)
    realised = RupiahField(label=_("Realisasi (Rp)"), required=False)

    def clean_activity_code(self) -> str:
        code = self.cleaned_data["activity_code"].strip()
        if not ACTIVITY_CODE.match(code):
            raise forms.ValidationError(
                _(
                    "Format kode kegiatan menurut Kepmendagri 900.1-2850/2025: X.XX.XX.X.XX, misalnya 1.02.02.2.02."
                )
            )
        return code

    NOMENCLATURE_LIST = "budget-nomenclature"

    def with_nomenclature(self, url: str) -> BudgetLineForm:
        """Search-as-you-type on the code fields: typing asks the section's nomenclature list
        (a datalist filled by htmx) for matches; picking one fills the name (entry.js)."""
        for name in ("activity_code", "sub_activity_code"):
            self.fields[name].widget.attrs.update(
                {
                    "list": self.NOMENCLATURE_LIST,
                    "autocomplete": "off",
                    "hx-get": url,
                    "hx-trigger": "input changed delay:250ms",
                    "hx-target": f"#{self.NOMENCLATURE_LIST}",
                    "hx-swap": "innerHTML",
                    "hx-sync": "this:replace",
                    "data-nomenclature": "",
                }
            )
        return self

    def focus(self) -> BudgetLineForm:
        """Where the cursor goes when the section comes back: the first field to fix, else the
        first field, ready for the next line (htmx focuses ``autofocus`` in swapped content)."""
        name = next((n for n in self.fields if n in self.errors), "activity_code")
        self.fields[name].widget.attrs["autofocus"] = True
        return self

    def clean_sub_activity_code(self) -> str:
        code = self.cleaned_data.get("sub_activity_code", "").strip()
        if code and not SUB_ACTIVITY_CODE.match(code):
            raise forms.ValidationError(
                _("Format kode sub kegiatan: X.XX.XX.X.XX.XXXX, misalnya 1.02.02.2.02.0001.")
            )
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        act, sub = data.get("activity_code"), data.get("sub_activity_code")
        if act and sub and not sub.startswith(act + "."):
            self.add_error(
                "sub_activity_code",
                _("Kode sub kegiatan harus berawalan kode kegiatannya (%(code)s).") % {"code": act},
            )
        if sub and not data.get("sub_activity_name", "").strip():
            self.add_error(
                "sub_activity_name", _("Nama sub kegiatan wajib diisi bila kodenya diisi.")
            )
        allocated, realised = data.get("allocated"), data.get("realised")
        if allocated is not None and realised is not None and realised > allocated:
            self.add_error(
                "realised",
                _("Realisasi melebihi pagu (%(pagu)s).") % {"pagu": lokal.format_rupiah(allocated)},
            )
        return data


class VersionOnlyForm(VersionedForm):
    pass


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTR}),
        error_messages={
            "required": _("Pilih berkas yang akan diunggah."),
            "empty": _("Berkas kosong."),
        },
    )
    description = forms.CharField(label=_("Keterangan"), max_length=300, required=False)
    attach_to = forms.ChoiceField(label=_("Lampirkan pada"), required=False)

    def __init__(
        self, *args: Any, stages: list[ReportStage], quality: list[ReportQuality], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [("", str(_("Laporan (umum)")))]
        choices += [
            (f"stage:{s.pk}", f"{_('Tahap')} {s.stage}: {Stage(s.stage).label}") for s in stages
        ]
        choices += [
            (f"quality:{q.pk}", f"{_('Mutu')}: {q.quality_item.description[:80]}") for q in quality
        ]
        cast(forms.ChoiceField, self.fields["attach_to"]).choices = choices

    def target(self) -> tuple[int | None, int | None]:
        value = self.cleaned_data.get("attach_to") or ""
        kind, _sep, pk = value.partition(":")
        if kind == "stage" and pk.isdigit():
            return int(pk), None
        if kind == "quality" and pk.isdigit():
            return None, int(pk)
        return None, None
