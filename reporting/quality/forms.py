"""The rule editor's form: what Bangda types for a data-quality rule, checked before it is saved
or tested (the expression by the rule language itself, the message's {names} against what the
flag will carry)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from reporting.entry.forms import QuantityField
from reporting.models import Section, ValidationRule
from reporting.quality import rule_selectors
from reporting.quality.rule_services import EDITABLE, version_of
from reporting.quality.services import HISTORY_QUARTERS
from reporting.rules import quality as rules
from reporting.rules import reasons

CODE = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
OUTLIERS = (ValidationRule.Kind.OUTLIER_HISTORY, ValidationRule.Kind.OUTLIER_PEERS)
# The values an outlier flag carries (``rules.outlier``).
OUTLIER_NAMES = frozenset({"served", "target", "value", "median", "score", "peers"})
# The label an item flag carries beside the names its expression uses.
ITEM_LABEL = {
    rules.EACH_QUALITY: "item_name",
    rules.EACH_BUDGET: "line_name",
    rules.EACH_STAGE: "stage_name",
}
MIN_POINTS = 3
MAX_PEER_POINTS = 500

_TEXT = {"rows": 3}


def placeholder_names(kind: str, each: str, compiled: rules.Compiled | None) -> set[str]:
    """The {names} a message may show: what the flag keeps (``rules.message_names``)."""
    if kind in OUTLIERS:
        return set(OUTLIER_NAMES)
    names = {"served", "target"} | set(compiled.names if compiled else ())
    if each in ITEM_LABEL:
        names.add(ITEM_LABEL[each])
    return names


class RuleForm(forms.Form):
    code = forms.CharField(
        label=_("Kode"),
        max_length=40,
        help_text=_(
            "Huruf besar, angka dan tanda hubung, mis. MUTU-NOL. Tidak dapat diubah setelah "
            "disimpan."
        ),
    )
    kind = forms.ChoiceField(
        label=_("Jenis aturan"),
        choices=ValidationRule.Kind.choices,
        initial=ValidationRule.Kind.EXPRESSION,
    )
    each = forms.ChoiceField(
        label=_("Diperiksa pada"),
        choices=ValidationRule.Each.choices,
        initial=rules.EACH_REPORT,
        help_text=_("Laporan sekali, atau setiap butir mutu, baris anggaran atau tahapannya."),
    )
    severity = forms.ChoiceField(
        label=_("Tingkat"),
        choices=ValidationRule.Severity.choices,
        initial=ValidationRule.Severity.WARNING,
        widget=forms.RadioSelect,
    )
    section = forms.ChoiceField(
        label=_("Bagian formulir tempat temuan tampil"),
        choices=Section.choices,
        initial=Section.RECIPIENTS,
    )
    expression = forms.CharField(
        label=_("Tandai bila"),
        required=False,
        max_length=rules.MAX_EXPRESSION_LENGTH,
        widget=forms.Textarea(attrs={**_TEXT, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_(
            "Laporan ditandai bila ekspresi ini benar, mis. served > target. Boleh memakai "
            "angka, + - * / %, perbandingan, and, or, not, x if syarat else y, serta fungsi "
            "abs, min, max, round dan pct(bagian, keseluruhan). Aturan diam bila nilai yang "
            "dipakainya kosong."
        ),
    )
    threshold = QuantityField(
        label=_("Ambang skor z"),
        required=False,
        help_text=_("Tandai bila |skor z robust| melebihi ambang ini (lazimnya 3,5)."),
    )
    min_points = forms.IntegerField(
        label=_("Data minimal"),
        required=False,
        min_value=MIN_POINTS,
        widget=forms.NumberInput(attrs={"class": "num"}),
    )
    sectors = forms.MultipleChoiceField(
        label=_("Bidang"), required=False, widget=forms.CheckboxSelectMultiple
    )
    service_types = forms.MultipleChoiceField(
        label=_("Jenis layanan"), required=False, widget=forms.CheckboxSelectMultiple
    )
    message_id = forms.CharField(
        label=_("Pesan (Indonesia)"),
        max_length=1000,
        widget=forms.Textarea(attrs=_TEXT),
        help_text=_(
            "Yang dibaca operator dan verifikator. Nama dalam kurung kurawal diganti nilainya, "
            "mis. {served}."
        ),
    )
    message_en = forms.CharField(
        label=_("Pesan (Inggris)"), max_length=1000, widget=forms.Textarea(attrs=_TEXT)
    )
    reason = forms.CharField(
        label=_("Alasan aturan"),
        max_length=2000,
        widget=forms.Textarea(attrs=_TEXT),
        help_text=_("Mengapa data seperti ini patut diperiksa (tampil di daftar aturan)."),
    )
    change_reason = forms.CharField(
        label=_("Alasan perubahan (wajib)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        rule: ValidationRule | None = None,
        testing: bool = False,
        **kwargs: Any,
    ) -> None:
        self.rule = rule
        self.testing = testing
        if rule is not None and data is None:
            kwargs.setdefault("initial", self.initial_of(rule))
        super().__init__(data, **kwargs)
        cast(forms.ChoiceField, self.fields["sectors"]).choices = rule_selectors.sector_choices()
        cast(
            forms.ChoiceField, self.fields["service_types"]
        ).choices = rule_selectors.service_type_choices()
        self.fields["expression"].widget.attrs["maxlength"] = rules.MAX_EXPRESSION_LENGTH
        self.fields["min_points"].widget.attrs["min"] = MIN_POINTS
        self.fields["min_points"].help_text = _(
            "Banyaknya nilai pembanding paling sedikit agar aturan menilai: triwulan riwayat "
            "wilayah (paling banyak %(n)d) atau wilayah sebanding."
        ) % {"n": HISTORY_QUARTERS}
        if rule is None:
            del self.fields["change_reason"], self.fields["version"]
        else:
            # What a rule is (its code, kind and what it looks at) stays: flags point at it.
            del self.fields["code"], self.fields["kind"], self.fields["each"]
            if not testing:
                self.fields["change_reason"].required = True

    @staticmethod
    def initial_of(rule: ValidationRule) -> dict[str, Any]:
        return {
            **{name: getattr(rule, name) for name in EDITABLE},
            "version": version_of(rule.pk),
        }

    # -------------------------------------------------------------- what the rule is

    @property
    def rule_kind(self) -> str:
        if self.rule is not None:
            return self.rule.kind
        cleaned = getattr(self, "cleaned_data", {})
        return cleaned.get("kind") or self["kind"].value() or ""

    @property
    def rule_each(self) -> str:
        if self.rule is not None:
            return self.rule.each
        cleaned = getattr(self, "cleaned_data", {})
        return cleaned.get("each") or self["each"].value() or rules.EACH_REPORT

    # -------------------------------------------------------------- cleaning

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip().upper()
        if not CODE.match(code):
            raise forms.ValidationError(
                _("Kode hanya huruf besar, angka dan tanda hubung, mis. MUTU-NOL.")
            )
        if ValidationRule.objects.filter(code=code).exists():
            raise forms.ValidationError(_("Kode ini sudah dipakai aturan lain."))
        return code

    def clean_threshold(self) -> Decimal | None:
        value = self.cleaned_data.get("threshold")
        if value is not None and not (Decimal(1) <= value <= Decimal(99)):
            raise forms.ValidationError(_("Ambang antara 1 dan 99."))
        return value

    def _text(self, name: str) -> str:
        return reasons.clean(self.cleaned_data.get(name))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("message_id", "message_en", "reason", "change_reason"):
            if name in self.fields and name in data:
                data[name] = self._text(name)
        for name in ("message_id", "message_en", "reason"):
            if name in data and not data[name]:
                self.add_error(name, _("Wajib diisi."))
        if self.rule is not None and not self.testing and not data.get("change_reason"):
            self.add_error("change_reason", _("Tulis alasan perubahan."))
        kind, each = self.rule_kind, self.rule_each
        compiled = None
        if kind in OUTLIERS:
            self._clean_outlier(data, kind)
        elif kind:
            data["threshold"] = data["min_points"] = None
            try:
                compiled = rules.compile_expression(data.get("expression", ""), each)
            except rules.RuleSyntaxError as exc:
                self.add_error("expression", str(exc))
            else:
                data["expression"] = compiled.source
        allowed = placeholder_names(kind, each, compiled)
        for name in ("message_id", "message_en"):
            unknown = sorted(set(rules._PLACEHOLDER.findall(data.get(name) or "")) - allowed)
            if unknown and (compiled is not None or kind in OUTLIERS):
                self.add_error(
                    name,
                    _("Tanda {%(name)s} tidak akan terisi. Yang dapat dipakai: %(names)s.")
                    % {
                        "name": unknown[0],
                        "names": ", ".join(f"{{{n}}}" for n in sorted(allowed)),
                    },
                )
        data["sectors"] = sorted(data.get("sectors") or [])
        data["service_types"] = sorted(data.get("service_types") or [])
        return data

    def _clean_outlier(self, data: dict[str, Any], kind: str) -> None:
        data["expression"] = ""
        if self.rule is None:
            data["each"] = rules.EACH_REPORT
        if data.get("severity") == ValidationRule.Severity.ERROR:
            self.add_error("severity", _("Aturan pencilan hanya dapat berupa peringatan."))
        if data.get("threshold") is None and "threshold" not in self.errors:
            self.add_error("threshold", _("Isi ambang skor z, mis. 3,5."))
        points = data.get("min_points")
        if points is None and "min_points" not in self.errors:
            self.add_error("min_points", _("Isi banyaknya data minimal."))
        most = HISTORY_QUARTERS if kind == ValidationRule.Kind.OUTLIER_HISTORY else MAX_PEER_POINTS
        if points is not None and points > most:
            self.add_error("min_points", _("Paling banyak %(n)d.") % {"n": most})

    def values(self) -> dict[str, Any]:
        """The cleaned values the rule services take (``code``/``kind``/``each`` when new)."""
        out = {name: self.cleaned_data[name] for name in EDITABLE if name != "each"}
        out["each"] = self.rule_each
        if self.rule is None:
            out["code"], out["kind"] = self.cleaned_data["code"], self.cleaned_data["kind"]
        return out

    def draft(self) -> ValidationRule:
        """An unsaved rule with what was typed (to test it before saving)."""
        values = self.values()
        if self.rule is not None:
            values["code"], values["kind"] = self.rule.code, self.rule.kind
        return ValidationRule(**values)
