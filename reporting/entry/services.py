"""Writes of the data-entry area: saving report sections, capaian, evidence.

Every section save follows one path (`_edit`): lock the report row, check the editing rules
(`reporting.entry.locks`), check the optimistic `version`, apply, recompute capaian in the same
transaction, bump the version, and let simple-history record who/when/old/new.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from espm import history, versioning
from indicators.models import QualityItem, Target
from regions.scoping import AnyUser, acting_user
from reporting import reads
from reporting.entry.evidence import check_upload
from reporting.entry.locks import entry_lock_reason
from reporting.entry.selectors import capaian_of
from reporting.entry.values import QualityValue
from reporting.models import (
    BudgetLine,
    Evidence,
    Report,
    ReportQuality,
    ReportStage,
    Stage,
)
from reporting.quality import services as quality_checks
from reporting.rules import breakdown as breakdown_rules
from reporting.rules import completeness, merge

STORED = Decimal("0.0001")


# ---------------------------------------------------------------- errors


class EntryError(Exception):
    """Base for refusals shown to the user."""


class EntryLocked(EntryError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Change:
    label: str
    theirs: str
    yours: str
    key: str = ""  # the field key (``field_values``) when known
    base: str = ""  # the value the person started from, when the save carried it
    field_name: str = ""  # the form field showing it (set by the page)
    theirs_text: str = ""  # theirs as typed in that field ("use theirs")


@dataclass
class StaleVersion(EntryError):
    """Someone saved the report after this user loaded it."""

    current_version: int
    changed_by: str
    changed_at: datetime.datetime | None
    changes: list[Change] = field(default_factory=list)
    # Field-level conflicts of a three-way merge: the stored values of the conflicting keys.
    theirs: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return _("Laporan telah diubah oleh %(who)s.") % {"who": self.changed_by}


# ---------------------------------------------------------------- capaian


def recompute_capaian(
    report: Report,
    rows: Iterable[ReportQuality] | None = None,
    items: Iterable[QualityItem] | None = None,
) -> None:
    """Store the capaian on the report (the caller saves it, in its transaction).

    Only a complete report has an index (``rules.completeness``): a partly filled one stores
    none, so it is "belum lengkap" everywhere and missing in every roll-up — never a 0.
    """
    rows = list(report.quality.select_related("quality_item")) if rows is None else list(rows)
    items = report.service_type.quality_items.all() if items is None else items
    answers = completeness.quality_answers(items, rows)
    complete = completeness.is_complete(report.recipients_served, report.recipients_target, answers)
    if report.entered_at is None or not complete:
        report.recipients_pct = report.quality_pct = report.capaian_index = None
        report.band = ""
        report.flag_no_target = report.flag_over_target = report.flag_zero_required = False
        return
    c = capaian_of(report, rows)
    # Stored with the columns' 4 decimals; display rounds to 2 (capaian.round2).
    report.recipients_pct = c.recipients_pct.quantize(STORED)
    report.quality_pct = c.quality_pct.quantize(STORED)
    report.capaian_index = c.index.quantize(STORED)
    report.band = c.band
    report.flag_no_target = c.no_target
    report.flag_zero_required = c.zero_required
    report.flag_over_target = c.over_target


def sync_target(report: Report) -> None:
    """Follow the year's target: a verified one is authoritative, a draft only fills blanks.

    A target verified (or changed with a recorded reason) after the period opened must reach
    the open reports, or the capaian would use a stale denominator.
    """
    target = (
        Target.objects.filter(
            region_id=report.region_id,
            year=report.period.year,
            service_type__code=report.service_type.code,
        )
        .prefetch_related("quality")
        .first()
    )
    if target is None:
        return
    verified = target.status == Target.Status.VERIFIED
    if verified or report.recipients_target is None:
        report.recipients_target = target.recipients_target
    if not verified:
        return
    required = {tq.quality_item_id: tq.required_quantity for tq in target.quality.all()}
    for row in report.quality.select_for_update(of=("self",)):
        if row.quality_item_id in required and row.required != required[row.quality_item_id]:
            row.required = required[row.quality_item_id]
            history.set_actor(row, None, "target")
            row.save(update_fields=["required"])


# ---------------------------------------------------------------- the one edit path


def _display(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, Decimal):
        whole, _sep, frac = f"{value.normalize():f}".partition(".")
        text = f"{int(whole):,}".replace(",", ".") if whole.lstrip("-").isdigit() else whole
        return f"{text},{frac}" if frac else text
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_display(v)}" for k, v in value.items()) or "—"
    return str(value)


def _edit(
    report_id: int,
    user: AnyUser,
    version: int | None,
    apply: Callable[[Report], None],
    diff: Callable[[Report], list[Change]] | None = None,
) -> Report:
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("period", "region", "service_type__sector", "agency", "updated_by")
            .get(pk=report_id)
        )
        reason = entry_lock_reason(report, user)
        if reason:
            raise EntryLocked(reason)
        if versioning.is_stale(report.version, version):
            raise StaleVersion(
                current_version=report.version,
                changed_by=str(report.updated_by or _("pengguna lain")),
                changed_at=report.updated_at,
                changes=[c for c in (diff(report) if diff else []) if c.theirs != c.yours],
            )
        sync_target(report)
        apply(report)
        if report.entered_at is None:
            report.entered_at = timezone.now()
        report.version += 1
        report.updated_by = acting_user(user)
        rows = reads.read_quality_rows(report)
        items = list(report.service_type.quality_items.all())
        recompute_capaian(report, rows, items)
        history.set_actor(report, user)
        report.save()
        quality_checks.refresh(report)
        reads.carry(report, rows, items)  # for the save's answer: read after the writes
        return report


def _save_child(obj: Any, user: AnyUser) -> None:
    history.set_actor(obj, user)
    obj.save()


# ---------------------------------------------------------------- sections


def save_recipients(
    report_id: int,
    user: AnyUser,
    version: int | None,
    *,
    served: int | None,
    breakdown: Mapping[str, Any],
) -> Report:
    """Served so far and the breakdown (structured per catalog dimension, or free text)."""

    def diff(r: Report) -> list[Change]:
        dims = breakdown_rules.dimensions_of(r.service_type)
        return [
            Change(_("Penerima terlayani"), _display(r.recipients_served), _display(served)),
            Change(
                _("Rincian penerima"),
                breakdown_rules.describe(r.recipients_breakdown, dims),
                breakdown_rules.describe(breakdown, dims),
            ),
        ]

    def apply(r: Report) -> None:
        r.recipients_served = served
        r.recipients_breakdown = dict(breakdown)

    return _edit(report_id, user, version, apply, diff)


def save_problems(
    report_id: int, user: AnyUser, version: int | None, *, problems: str, solutions: str
) -> Report:
    def diff(r: Report) -> list[Change]:
        return [
            Change(_("Permasalahan"), _display(r.problems), _display(problems)),
            Change(_("Solusi"), _display(r.solutions), _display(solutions)),
        ]

    def apply(r: Report) -> None:
        r.problems = problems
        r.solutions = solutions

    return _edit(report_id, user, version, apply, diff)


def save_quality(
    report_id: int, user: AnyUser, version: int | None, values: Mapping[int, QualityValue]
) -> Report:
    def rows(r: Report) -> dict[int, ReportQuality]:
        return {
            q.pk: q
            for q in r.quality.select_related("quality_item").select_for_update(of=("self",))
        }

    def diff(r: Report) -> list[Change]:
        out = []
        for pk, row in rows(r).items():
            v = values.get(pk)
            if v is None:
                continue
            label = row.quality_item.description
            if row.quality_item.has_quantity:
                out.append(Change(label, _display(row.realised), _display(v.realised)))
            else:
                out.append(Change(label, _display(row.met), _display(v.met)))
        return out

    def apply(r: Report) -> None:
        for pk, row in rows(r).items():
            v = values.get(pk)
            if v is None:
                continue
            before = (row.realised, row.met, row.required)
            row.realised = v.realised
            row.met = v.met
            if v.set_required:
                row.required = v.required
            if (row.realised, row.met, row.required) != before:
                _save_child(row, user)

    return _edit(report_id, user, version, apply, diff)


def save_stages(
    report_id: int, user: AnyUser, version: int | None, values: Mapping[int, tuple[str, str]]
) -> Report:
    """values: stage number → (status, note)."""

    def stage_rows(r: Report) -> dict[int, ReportStage]:
        return {s.stage: s for s in r.stages.select_for_update(of=("self",))}

    def diff(r: Report) -> list[Change]:
        out = []
        for number, row in stage_rows(r).items():
            if number in values:
                status, note = values[number]
                label = Stage(number).label
                out.append(
                    Change(
                        f"{label}: {_('status')}",
                        _display(row.get_status_display()),
                        _display(dict(ReportStage.Status.choices).get(status, "")),
                    )
                )
                out.append(
                    Change(f"{label}: {_('keterangan')}", _display(row.note), _display(note))
                )
        return out

    def apply(r: Report) -> None:
        current = stage_rows(r)
        for number, (status, note) in values.items():
            row = current.get(number) or ReportStage(report=r, stage=number)
            if row.pk and (row.status, row.note) == (status, note):
                continue
            row.status, row.note = status, note
            _save_child(row, user)

    return _edit(report_id, user, version, apply, diff)


BUDGET_FIELDS = (
    "activity_code",
    "activity_name",
    "sub_activity_code",
    "sub_activity_name",
    "allocated",
    "realised",
)


def save_budget_line(
    report_id: int, user: AnyUser, version: int | None, line_id: int | None, data: Mapping[str, Any]
) -> tuple[Report, BudgetLine]:
    saved: dict[str, BudgetLine] = {}

    def diff(r: Report) -> list[Change]:
        line = r.budget_lines.filter(pk=line_id).first() if line_id else None
        if line is None:
            return []
        return [
            Change(
                str(getattr(BudgetLine._meta.get_field(f), "verbose_name", f)),
                _display(getattr(line, f)),
                _display(data.get(f)),
            )
            for f in BUDGET_FIELDS
        ]

    def apply(r: Report) -> None:
        if line_id:
            line = r.budget_lines.select_for_update().get(pk=line_id)
        else:
            last = r.budget_lines.order_by("-order").values_list("order", flat=True).first()
            line = BudgetLine(report=r, order=(last or 0) + 1)
        for f in BUDGET_FIELDS:
            setattr(line, f, data.get(f, getattr(line, f)))
        _save_child(line, user)
        saved["line"] = line

    report = _edit(report_id, user, version, apply, diff)
    return report, saved["line"]


def delete_budget_line(report_id: int, user: AnyUser, version: int | None, line_id: int) -> Report:
    def apply(r: Report) -> None:
        line = r.budget_lines.get(pk=line_id)
        history.set_actor(line, user)
        line.delete()

    # A delete must name the version it read, or it could remove a line a colleague just
    # edited: without one it is refused as stale (-1 matches no report version).
    return _edit(report_id, user, -1 if version is None else version, apply)


# ---------------------------------------------------------------- field-by-field saves

STAGE_STATUS_LABELS = dict(ReportStage.Status.choices)
REPORT_KEYS = {
    "recipients_served": "recipients_served",
    "recipients_breakdown": "recipients_breakdown",
    "problems": "problems",
    "solutions": "solutions",
}


def field_values(
    report: Report,
    quality: Iterable[ReportQuality] | None = None,
    stages: Iterable[ReportStage] | None = None,
    budget: Iterable[BudgetLine] | None = None,
) -> dict[str, Any]:
    """A report's editable values by field key — what a three-way merge compares.

    Keys: ``recipients_served``, ``recipients_breakdown``, ``problems``, ``solutions``,
    ``quality.<item code>.realised|met|required``, ``stages.<n>.status|note`` and
    ``budget.<line id>`` (a dict of ``BUDGET_FIELDS``). The API's field names, the form's and the
    import's all map onto these.
    """
    out: dict[str, Any] = {key: getattr(report, attr) for key, attr in REPORT_KEYS.items()}
    out["recipients_breakdown"] = report.recipients_breakdown or {}
    rows = report.quality.select_related("quality_item") if quality is None else quality
    for q in rows:
        code = q.quality_item.code
        out[f"quality.{code}.realised"] = q.realised
        out[f"quality.{code}.met"] = q.met
        out[f"quality.{code}.required"] = q.required
    for s in report.stages.all() if stages is None else stages:
        out[f"stages.{s.stage}.status"] = s.status
        out[f"stages.{s.stage}.note"] = s.note
    for b in report.budget_lines.all() if budget is None else budget:
        out[f"budget.{b.pk}"] = {f: getattr(b, f) for f in BUDGET_FIELDS}
    return out


def field_label(key: str, report: Report, quality: Iterable[ReportQuality] = ()) -> str:
    """The form's label of a field key, for conflict tables."""
    labels = {
        "recipients_served": _("Penerima terlayani"),
        "recipients_breakdown": _("Rincian penerima"),
        "problems": _("Permasalahan"),
        "solutions": _("Solusi"),
    }
    if key in labels:
        return str(labels[key])
    part, _sep, rest = key.partition(".")
    if part == "quality":
        code, _sep, attr = rest.rpartition(".")
        item = next((q.quality_item for q in quality if q.quality_item.code == code), None)
        name = item.description if item else code
        return f"{name} ({_('jumlah minimal')})" if attr == "required" else name
    if part == "stages":
        number, _sep, attr = rest.partition(".")
        label = (
            Stage(int(number)).label if number.isdigit() and int(number) in Stage.values else number
        )
        return f"{label}: {_('status') if attr == 'status' else _('keterangan')}"
    if part == "budget":
        return f"{_('Anggaran')} #{rest}"
    return key


def _shown(key: str, value: Any, report: Report | None = None) -> str:
    if key == "recipients_breakdown":
        dims = breakdown_rules.dimensions_of(report.service_type) if report else ()
        return breakdown_rules.describe(value, dims)
    if key.endswith(".status") and key.startswith("stages."):
        return _display(STAGE_STATUS_LABELS.get(value, value))
    if key.startswith("budget.") and isinstance(value, Mapping):
        return _display(
            f"{value.get('activity_code', '')} {value.get('activity_name', '')}: "
            f"{_display(value.get('realised'))} / {_display(value.get('allocated'))}"
        )
    return _display(value)


class _NothingToWrite(Exception):
    pass


def save_fields(
    report_id: int,
    user: AnyUser,
    mine: Mapping[str, Any],
    base: Mapping[str, Any],
) -> Report:
    """Save what one person changed, merged field by field with what is stored now.

    ``mine``: the values they want, by field key (``field_values``); ``base``: the values they
    started from. Under the report's row lock, ``rules.merge`` keeps fields changed only by
    others, writes those changed only by this person, and refuses the save with
    ``StaleVersion`` (``changes`` and ``theirs`` filled per conflicting field, nothing written)
    when both changed a field differently. A save that changes nothing writes nothing.
    """
    try:
        return _edit(report_id, user, None, lambda r: _merge_into(r, user, mine, base))
    except _NothingToWrite:
        return (
            Report.objects.select_related("period", "region", "service_type", "agency")
            .filter(pk=report_id)
            .get()
        )


def _merge_into(
    report: Report, user: AnyUser, mine: Mapping[str, Any], base: Mapping[str, Any]
) -> None:
    quality = {
        q.quality_item.code: q
        for q in report.quality.select_related("quality_item").select_for_update(of=("self",))
    }
    stages = {s.stage: s for s in report.stages.select_for_update(of=("self",))}
    budget = {b.pk: b for b in report.budget_lines.select_for_update(of=("self",))}
    theirs = field_values(report, quality.values(), stages.values(), budget.values())
    unknown = [k for k in mine if k not in theirs]
    if unknown:
        raise EntryLocked(_("Isian tidak dikenal: %(keys)s.") % {"keys": ", ".join(unknown)})
    outcome = merge.merge(base, mine, theirs)
    if outcome.conflicts:
        raise StaleVersion(
            current_version=report.version,
            changed_by=str(report.updated_by or _("pengguna lain")),
            changed_at=report.updated_at,
            changes=[
                Change(
                    field_label(k, report, quality.values()),
                    _shown(k, theirs[k], report),
                    _shown(k, mine[k], report),
                    key=k,
                    base=_shown(k, base.get(k), report),
                )
                for k in outcome.conflicts
            ],
            theirs={k: theirs[k] for k in outcome.conflicts},
        )
    if not outcome.writes:
        raise _NothingToWrite
    dirty: dict[int, Any] = {}
    for key, value in outcome.writes.items():
        if key in REPORT_KEYS:
            setattr(report, REPORT_KEYS[key], value)
            continue
        part, _sep, rest = key.partition(".")
        if part == "quality":
            code, _sep, attr = rest.rpartition(".")
            row: Any = quality[code]
            setattr(row, attr, value)
        elif part == "stages":
            number, _sep, attr = rest.partition(".")
            row = stages[int(number)]
            setattr(row, attr, value)
        else:
            row = budget[int(rest)]
            for f in BUDGET_FIELDS:
                if f in value:
                    setattr(row, f, value[f])
        dirty[id(row)] = row
    for row in dirty.values():
        _save_child(row, user)


# ---------------------------------------------------------------- evidence


def add_evidence(
    report_id: int,
    user: AnyUser,
    upload: IO[bytes],
    *,
    name: str,
    size: int,
    description: str = "",
    stage_id: int | None = None,
    quality_id: int | None = None,
) -> Evidence:
    """Check the file by content and size, store it privately; no version bump (no data race)."""
    checked = check_upload(upload, name, size)
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("period", "agency", "service_type__sector")
            .get(pk=report_id)
        )
        reason = entry_lock_reason(report, user)
        if reason:
            raise EntryLocked(reason)
        stage = report.stages.get(pk=stage_id) if stage_id else None
        quality = report.quality.get(pk=quality_id) if quality_id else None
        evidence = Evidence(
            report=report,
            stage=stage,
            quality=quality,
            original_name=name[:255],
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            description=description[:300],
            uploaded_by=acting_user(user),
        )
        evidence.file.save(f"{uuid.uuid4().hex}.{checked.extension}", File(upload), save=False)
        history.set_actor(evidence, user)
        evidence.save()
        if report.entered_at is None:
            report.entered_at = timezone.now()
            report.save(update_fields=["entered_at"])
        if stage is not None:
            quality_checks.refresh(report)
        return evidence


def delete_evidence(
    evidence_id: int, user: AnyUser, *, report_id: int | None = None, version: int | None = None
) -> Evidence:
    """Soft delete while the report is editable; after submission it is impossible.

    The report row is locked first (as uploads and the workflow do), so a submit cannot slip in
    between the lock check and the delete. `report_id` confines the file to that report (else
    `Evidence.DoesNotExist`); `version`, when given, must be the report's (else `StaleVersion`).
    Like an upload, a delete leaves the report's version as it is: the form's other sections
    stay current.
    """
    with transaction.atomic():
        owner = (
            Evidence.objects.filter(pk=evidence_id, deleted_at__isnull=True)
            .values_list("report_id", flat=True)
            .first()
        )
        if owner is None or (report_id is not None and owner != report_id):
            raise Evidence.DoesNotExist
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("period", "agency", "updated_by", "service_type__sector")
            .get(pk=owner)
        )
        reason = entry_lock_reason(report, user)
        if reason:
            raise EntryLocked(reason)
        if versioning.is_stale(report.version, version):
            raise StaleVersion(
                current_version=report.version,
                changed_by=str(report.updated_by or _("pengguna lain")),
                changed_at=report.updated_at,
            )
        evidence = Evidence.objects.select_for_update(of=("self",)).get(
            pk=evidence_id, report_id=owner, deleted_at__isnull=True
        )
        evidence.report = report
        evidence.deleted_at = timezone.now()
        evidence.deleted_by = acting_user(user)
        history.set_actor(evidence, user)
        evidence.save()
        if evidence.stage_id is not None:
            quality_checks.refresh(report)
        return evidence


def active_evidence(report: Report) -> QuerySet[Evidence]:
    return report.evidence.filter(deleted_at__isnull=True).select_related(
        "uploaded_by", "stage", "quality__quality_item"
    )
