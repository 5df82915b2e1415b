"""Changing a report from outside the form (the API, the Excel import) with the form's rules.

Values arrive as JSON or spreadsheet cells; they are validated by the very forms of the
report page (reporting.entry.forms) and written by the very services (reporting.entry.services), so
the API and the import can neither accept what the form refuses nor skip the audit, the
version check or the editing lock. `plan()` validates and diffs without writing (the
import's dry run); `apply()` writes one report's sections in one transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from espm import versioning
from regions.scoping import AnyUser
from reporting.entry import services
from reporting.entry.forms import (
    BudgetLineForm,
    ProblemsForm,
    QualityForm,
    RecipientsForm,
    StagesForm,
)
from reporting.models import BudgetLine, Report, ReportQuality, ReportStage
from reporting.rules import breakdown as breakdown_rules
from reporting.rules import merge

SECTION_KEYS = {
    "recipients": ("recipients_served", "recipients_breakdown"),
    "problems": ("problems", "solutions"),
    "quality": ("quality",),
    "stages": ("stages",),
    "budget": ("budget_lines",),
}
STAGE_STATUSES = dict(ReportStage.Status.choices)


def as_text(value: Any) -> str:
    """A value as a person would type it in the form (decimal comma, no thousands dots)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        value = Decimal(str(value))
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return f"{value.normalize():f}".replace(".", ",")
    return str(value).strip()


def required_editable(report: Report) -> bool:
    """The report page's rule: minimums are editable only without a verified target."""
    from reporting.entry import selectors

    return selectors.required_editable(report)


@dataclass
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass
class Plan:
    """What one report patch would do: validated section values, their diff, or errors."""

    report: Report
    errors: dict[str, list[str]] = field(default_factory=dict)
    changes: list[FieldChange] = field(default_factory=list)
    recipients: dict[str, Any] | None = None
    problems: dict[str, Any] | None = None
    quality: dict[int, Any] | None = None
    stages: dict[int, tuple[str, str]] | None = None
    budget: list[tuple[int | None, dict[str, Any]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def error(self, key: str, messages: Any) -> None:
        self.errors.setdefault(key, []).extend(str(m) for m in messages)


def _form_errors(plan: Plan, form: Any, names: Mapping[str, str]) -> None:
    for name, errs in form.errors.items():
        if name == "version":
            continue
        plan.error(names.get(name, name), errs)


def _num(value: Any) -> Any:
    return value.normalize() if isinstance(value, Decimal) else value


def plan(report: Report, data: Mapping[str, Any], *, budget_mode: str = "keep") -> Plan:
    """Validate `data` (API/Excel field names) against the report with the form rules."""
    p = Plan(report)
    v = {"version": str(report.version)}

    if any(k in data for k in SECTION_KEYS["recipients"]):
        _plan_recipients(p, report, data)

    if any(k in data for k in SECTION_KEYS["problems"]):
        form = ProblemsForm(
            {
                **v,
                "problems": as_text(data.get("problems", report.problems)),
                "solutions": as_text(data.get("solutions", report.solutions)),
            }
        )
        if form.is_valid():
            p.problems = {
                "problems": form.cleaned_data["problems"],
                "solutions": form.cleaned_data["solutions"],
            }
            for name in ("problems", "solutions"):
                if p.problems[name] != getattr(report, name):
                    p.changes.append(FieldChange(name, getattr(report, name), p.problems[name]))
        else:
            _form_errors(p, form, {})

    if "quality" in data:
        _plan_quality(p, report, data["quality"])
    if "stages" in data:
        _plan_stages(p, report, data["stages"])
    if "budget_lines" in data:
        _plan_budget(p, report, data["budget_lines"])
    return p


def _plan_recipients(p: Plan, report: Report, data: Mapping[str, Any]) -> None:
    """Served and the breakdown: structured ``{dimension: {group: n}}`` where the catalog
    defines dimensions (errors keyed ``recipients_breakdown.<dimension>[.<group>]``), else
    the free-text ``{label: n}`` of the form."""
    dims = breakdown_rules.dimensions_of(report.service_type)
    breakdown = data.get("recipients_breakdown", report.recipients_breakdown)
    initial: dict[str, Any] = {}
    refused = False
    if dims and "recipients_breakdown" in data:
        try:
            structured = breakdown_rules.clean(breakdown, dims)
        except breakdown_rules.BreakdownInvalid as exc:
            for key, messages in exc.errors.items():
                p.error(f"recipients_breakdown.{key}" if key else "recipients_breakdown", messages)
            structured, refused = {}, True
        initial = RecipientsForm.initial_for(structured, dims)
    elif dims:
        initial = RecipientsForm.initial_for(breakdown, dims)
    else:
        if not isinstance(breakdown, Mapping) or breakdown_rules.is_structured(breakdown):
            p.error("recipients_breakdown", [_("Rincian harus berupa {kelompok: jumlah}.")])
            breakdown, refused = {}, True
        initial = {
            "breakdown": RecipientsForm.breakdown_text(
                {str(k): as_text(n) for k, n in breakdown.items()}
            )
        }
    form = RecipientsForm(
        {
            "version": str(report.version),
            "recipients_served": as_text(data.get("recipients_served", report.recipients_served)),
            **{k: as_text(v) if k != "breakdown" else v for k, v in initial.items()},
        },
        dimensions=dims,
    )
    if not form.is_valid():
        names = {"recipients_served": "recipients_served", "breakdown": "recipients_breakdown"}
        _form_errors(p, form, names)
        return
    if refused:
        return
    p.recipients = {
        "served": form.cleaned_data["recipients_served"],
        "breakdown": form.cleaned_data["breakdown"],
    }
    if p.recipients["served"] != report.recipients_served:
        p.changes.append(
            FieldChange("recipients_served", report.recipients_served, p.recipients["served"])
        )
    if p.recipients["breakdown"] != (report.recipients_breakdown or {}):
        p.changes.append(
            FieldChange(
                "recipients_breakdown", report.recipients_breakdown, p.recipients["breakdown"]
            )
        )


def _plan_quality(p: Plan, report: Report, given: Any) -> None:
    rows: list[ReportQuality] = list(report.quality.select_related("quality_item"))
    by_code = {r.quality_item.code: r for r in rows}
    if not isinstance(given, list) or not all(isinstance(g, Mapping) for g in given):
        p.error("quality", [_("Mutu harus berupa daftar {code, realised/met}.")])
        return
    editable = required_editable(report)
    data: dict[str, str] = {"version": str(report.version)}
    names: dict[str, str] = {}
    for row in rows:  # everything not mentioned keeps its current value
        pk = row.pk
        data[f"q_{pk}"] = as_text(row.realised)
        data[f"req_{pk}"] = as_text(row.required)
        data[f"m_{pk}"] = "" if row.met is None else ("1" if row.met else "0")
    for n, item in enumerate(given):
        code = str(item.get("code", ""))
        sent_row = by_code.get(code)
        if sent_row is None:
            p.error(
                f"quality[{n}].code",
                [_("Kode mutu %(code)s tidak dikenal untuk layanan ini.") % {"code": code or "—"}],
            )
            continue
        pk = sent_row.pk
        names.update(
            {
                f"q_{pk}": f"quality.{code}.realised",
                f"req_{pk}": f"quality.{code}.required",
                f"m_{pk}": f"quality.{code}.met",
            }
        )
        if sent_row.quality_item.has_quantity:
            if "realised" in item:
                data[f"q_{pk}"] = as_text(item["realised"])
            if "required" in item:
                if not editable:
                    p.error(
                        f"quality.{code}.required",
                        [_("Jumlah minimal ditetapkan oleh target terverifikasi.")],
                    )
                data[f"req_{pk}"] = as_text(item["required"])
        elif "met" in item:
            met = item["met"]
            if met in (None, ""):
                data[f"m_{pk}"] = ""
            elif isinstance(met, bool) or str(met).strip().lower() in (
                "1",
                "0",
                "ya",
                "tidak",
                "true",
                "false",
            ):
                data[f"m_{pk}"] = (
                    "1" if (met is True or str(met).strip().lower() in ("1", "ya", "true")) else "0"
                )
            else:
                p.error(f"quality.{code}.met", [_("Isi ya/tidak (1/0).")])
    form = QualityForm(data, rows=rows, required_editable=editable)
    if not form.is_valid():
        _form_errors(p, form, names)
        return
    p.quality = form.values()
    for row in rows:
        value = p.quality[row.pk]
        code = row.quality_item.code
        if row.quality_item.has_quantity:
            if _num(value.realised) != _num(row.realised):
                p.changes.append(
                    FieldChange(f"quality.{code}.realised", row.realised, value.realised)
                )
            if editable and _num(value.required) != _num(row.required):
                p.changes.append(
                    FieldChange(f"quality.{code}.required", row.required, value.required)
                )
        elif value.met != row.met:
            p.changes.append(FieldChange(f"quality.{code}.met", row.met, value.met))


def _plan_stages(p: Plan, report: Report, given: Any) -> None:
    rows: list[ReportStage] = list(report.stages.all())
    current = {s.stage: s for s in rows}
    if not isinstance(given, list) or not all(isinstance(g, Mapping) for g in given):
        p.error("stages", [_("Tahap harus berupa daftar {stage, status, note}.")])
        return
    data: dict[str, str] = {"version": str(report.version)}
    for s in rows:
        data[f"status_{s.stage}"] = s.status
        data[f"note_{s.stage}"] = s.note
    names: dict[str, str] = {}
    for n, item in enumerate(given):
        try:
            number = int(str(item.get("stage")))
        except ValueError:
            number = 0
        if number not in current:
            p.error(f"stages[{n}].stage", [_("Tahap harus 1–4.")])
            continue
        names.update(
            {
                f"status_{number}": f"stages.{number}.status",
                f"note_{number}": f"stages.{number}.note",
            }
        )
        if "status" in item:
            data[f"status_{number}"] = as_text(item["status"])
        if "note" in item:
            data[f"note_{number}"] = as_text(item["note"])
    form = StagesForm(data, stages=rows)
    if not form.is_valid():
        _form_errors(p, form, names)
        return
    values = form.values()
    changed = {k: val for k, val in values.items() if (current[k].status, current[k].note) != val}
    for number, (status, note) in changed.items():
        if status != current[number].status:
            p.changes.append(FieldChange(f"stages.{number}.status", current[number].status, status))
        if note != current[number].note:
            p.changes.append(FieldChange(f"stages.{number}.note", current[number].note, note))
    p.stages = changed or None


BUDGET_NAMES = (
    "activity_code",
    "activity_name",
    "sub_activity_code",
    "sub_activity_name",
    "allocated",
    "realised",
)


def _plan_budget(p: Plan, report: Report, given: Any) -> None:
    """Budget lines: a line with an `id` of this report is updated, one without is added."""
    existing = {b.pk: b for b in report.budget_lines.all()}
    if not isinstance(given, list) or not all(isinstance(g, Mapping) for g in given):
        p.error("budget_lines", [_("Anggaran harus berupa daftar baris kegiatan.")])
        return
    for n, item in enumerate(given):
        line_id = item.get("id")
        line = None
        if line_id not in (None, ""):
            try:
                line = existing.get(int(str(line_id)))
            except ValueError:
                line = None
            if line is None:
                p.error(
                    f"budget_lines[{n}].id",
                    [_("Baris anggaran %(id)s bukan milik laporan ini.") % {"id": line_id}],
                )
                continue
        form = BudgetLineForm(
            {
                "version": str(report.version),
                **{f: as_text(item.get(f, getattr(line, f) if line else "")) for f in BUDGET_NAMES},
            }
        )
        if not form.is_valid():
            for name, errs in form.errors.items():
                if name != "version":
                    p.error(f"budget_lines[{n}].{name}", errs)
            continue
        values = {f: form.cleaned_data[f] for f in BUDGET_NAMES}
        if line is not None and all(getattr(line, f) == values[f] for f in BUDGET_NAMES):
            continue
        p.budget.append((line.pk if line else None, values))
        p.changes.append(
            FieldChange(
                f"budget_lines[{n}]",
                {f: getattr(line, f) for f in BUDGET_NAMES} if line else None,
                values,
            )
        )


class _Unknown:
    """A base value that cannot be known: the row changed after the version was read and has
    no history record from before. Equal to no value, so ``rules.merge`` treats a client value
    that differs from the stored one as changed on both sides (a conflict), and one equal to
    it as already so."""

    def __str__(self) -> str:
        return _("tidak diketahui")

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


def values_at(report: Report, version: int) -> dict[str, Any] | None:
    """The report's field values (``services.field_values`` keys) as they were at ``version``.

    Read from the history: the report's record of that version, and each quality row, stage
    and budget line as of that moment. Per row:

    - a record at or before that moment: that record;
    - no record at all: the row has not changed since it was created — its current values;
    - records only after that moment: the row changed since, and only what period opening
      inserts as a constant is known from before (no answer, no status: ``realised``, ``met``,
      a stage's status and note, the report's own fields). A quality row's minimum
      (``required``, copied from the target by the opening's SQL) and a budget line (created
      with a record) are ``UNKNOWN`` there, so a different client value is a conflict.

    None when the version is unknown.
    """
    if version == report.version:
        return services.field_values(report)
    record = report.history.filter(version=version).order_by("-history_date").first()
    out: dict[str, Any]
    if record is not None:
        at: datetime.datetime | None = record.history_date
        out = {key: getattr(record, attr) for key, attr in services.REPORT_KEYS.items()}
        out["recipients_breakdown"] = record.recipients_breakdown or {}
    else:
        # Not saved since the period opened (bulk-created rows have no record): the opening
        # values, up to the first recorded save.
        first = report.history.order_by("history_date").first()
        if first is None or first.version <= version or first.history_type == "+":
            return None  # unknown, or before a report created with a record
        at = None  # before every record (children are saved in the report's transaction)
        out = {
            "recipients_served": None,
            "recipients_breakdown": {},
            "problems": "",
            "solutions": "",
        }

    def as_of(model: Any, rows: list[Any]) -> tuple[dict[int, Any], set[int]]:
        """Each row's latest record up to `at` (None once deleted), the row itself if it has
        no record at all; and the rows whose records all come after `at` (changed since)."""
        seen: dict[int, Any] = {}
        have_history: set[int] = set()
        for h in model.history.filter(report_id=report.pk).order_by("history_date"):
            have_history.add(h.id)
            if at is not None and h.history_date <= at:
                seen[h.id] = None if h.history_type == "-" else h
        for row in rows:
            if row.pk not in have_history:
                seen[row.pk] = row
        return seen, have_history - set(seen)

    quality = list(report.quality.select_related("quality_item"))
    q_at, q_later = as_of(ReportQuality, quality)
    for row in quality:
        code = row.quality_item.code
        then = q_at.get(row.pk)
        out[f"quality.{code}.realised"] = then.realised if then else None
        out[f"quality.{code}.met"] = then.met if then else None
        out[f"quality.{code}.required"] = (
            then.required if then else (UNKNOWN if row.pk in q_later else None)
        )
    stages = list(report.stages.all())
    s_at, _s_later = as_of(ReportStage, stages)
    for stage in stages:
        then = s_at.get(stage.pk)
        out[f"stages.{stage.stage}.status"] = then.status if then else ""
        out[f"stages.{stage.stage}.note"] = then.note if then else ""
    lines = list(report.budget_lines.all())
    b_at, b_later = as_of(BudgetLine, lines)
    for line_id, then in b_at.items():
        if then is not None:
            out[f"budget.{line_id}"] = {f: getattr(then, f) for f in services.BUDGET_FIELDS}
    for line_id in b_later:
        out[f"budget.{line_id}"] = UNKNOWN
    return out


def mine_of(p: Plan) -> dict[str, Any]:
    """What a plan changes, by field key (the keys ``services.save_fields`` merges)."""
    out = {c.field: c.new for c in p.changes if not c.field.startswith("budget_lines[")}
    for line_id, values in p.budget:
        if line_id is not None:
            out[f"budget.{line_id}"] = values
    return out


def conflicts(p: Plan, version: int) -> list[str]:
    """The fields of a plan that someone else changed differently since ``version``."""
    base = values_at(p.report, version)
    if base is None:
        return list(mine_of(p))
    return merge.merge(base, mine_of(p), services.field_values(p.report)).conflicts


def apply(p: Plan, user: AnyUser, version: int | None) -> Report:
    """Write a valid plan through the services, all sections or none (one transaction).

    With ``version`` (the one the client read), only what the plan changes is written, merged
    field by field with whatever was saved since that version (``services.save_fields``);
    a field changed differently on both sides raises services.StaleVersion listing it.
    Raises services.EntryLocked exactly as the form would.
    """
    if not p.ok:
        raise ValueError("apply() needs a plan without errors")
    report = p.report
    if version is not None and p.changed:
        base = values_at(report, int(version))
        if base is None:
            raise services.StaleVersion(
                current_version=report.version,
                changed_by=str(report.updated_by or _("pengguna lain")),
                changed_at=report.updated_at,
            )
        with transaction.atomic():
            mine = mine_of(p)
            if mine:
                report = services.save_fields(report.pk, user, mine, base)
            for line_id, values in p.budget:
                if line_id is None:
                    report, _line = services.save_budget_line(report.pk, user, None, None, values)
        return report
    if not p.changed:
        if versioning.is_stale(report.version, version):
            # Even a no-op must not pretend the client's view is current.
            raise services.StaleVersion(
                current_version=report.version,
                changed_by=str(report.updated_by or _("pengguna lain")),
                changed_at=report.updated_at,
            )
        return report
    with transaction.atomic():
        current = version
        if p.recipients is not None and any(c.field.startswith("recipients_") for c in p.changes):
            report = services.save_recipients(report.pk, user, current, **p.recipients)
            current = report.version
        if p.problems is not None and any(c.field in ("problems", "solutions") for c in p.changes):
            report = services.save_problems(report.pk, user, current, **p.problems)
            current = report.version
        if p.quality is not None and any(c.field.startswith("quality.") for c in p.changes):
            report = services.save_quality(report.pk, user, current, p.quality)
            current = report.version
        if p.stages:
            report = services.save_stages(report.pk, user, current, p.stages)
            current = report.version
        for line_id, values in p.budget:
            report, _line = services.save_budget_line(report.pk, user, current, line_id, values)
            current = report.version
    return report
