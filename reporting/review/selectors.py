"""Reads of the review chain: inboxes, timelines, and the diff of a resubmission."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _t

from regions.scoping import Action, AnyUser
from reporting import workflow
from reporting.entry import selectors
from reporting.entry.evidence import preview_kind
from reporting.models import (
    BudgetLine,
    Evidence,
    Period,
    RegionSubmission,
    Report,
    ReportQuality,
    ReportStage,
    ReviewNote,
    Section,
    Stage,
    WorkflowEvent,
)
from reporting.quality import selectors as quality_selectors
from reporting.rules import breakdown as breakdown_rules
from reporting.rules import capaian, windows

RETURNING = workflow.RETURNING


# ---------------------------------------------------------------- inboxes


@dataclass
class InboxRow:
    report: Report
    due_date: dt.date
    waiting_since: dt.datetime | None
    overdue: bool
    # Open data-quality flags (reporting.quality); None: nothing flagged.
    checks: quality_selectors.Counts | None = None


def reports_waiting(user: AnyUser) -> list[InboxRow]:
    """Service reports waiting for this user's decision (the table's inbox steps: the
    verifier's verify, the OPD head's sign-off), oldest first."""
    reports = list(
        Report.objects.visible_to(user, Action.VIEW)
        .filter(workflow.waiting(workflow.Kind.REPORT, user))
        .select_related("region", "period", "agency", "service_type")
        .order_by("submitted_at", "id")
    )
    subs = {
        (s.region_id, s.period_id): s
        for s in RegionSubmission.objects.filter(
            region_id__in={r.region_id for r in reports},
            period_id__in={r.period_id for r in reports},
        )
    }
    today = timezone.localdate()
    flags = quality_selectors.counts_for(r.pk for r in reports)
    rows = []
    for r in reports:
        due = windows.effective_due_date(r.period, subs.get((r.region_id, r.period_id)))
        rows.append(InboxRow(r, due, r.submitted_at, today > due, flags.get(r.pk)))
    return rows


def returned_to_agency(
    user: AnyUser, agency_id: int, limit: int = 20
) -> list[tuple[Report, WorkflowEvent | None]]:
    """The agency's returned reports with the reason that came with them (for the operator)."""
    reports = list(
        Report.objects.visible_to(user, Action.VIEW)
        .filter(agency_id=agency_id, status=Report.Status.RETURNED)
        .select_related("region", "period", "service_type")
        .order_by("-updated_at")[:limit]
    )
    latest: dict[int, WorkflowEvent] = {}
    for e in (
        WorkflowEvent.objects.filter(report__in=reports, action__in=RETURNING)
        .select_related("actor")
        .order_by("-at", "-id")
    ):
        if e.report_id is not None:  # always, by the filter
            latest.setdefault(e.report_id, e)
    return [(r, latest.get(r.pk)) for r in reports]


def bulk_candidates(user: AnyUser, ids: list[int]) -> QuerySet[Report]:
    return (
        Report.objects.visible_to(user, Action.VIEW)
        .filter(pk__in=ids)
        .select_related("region", "period", "agency", "service_type")
        .prefetch_related("quality", "stages", "service_type__quality_items")
        .order_by("submitted_at", "id")
    )


def submissions_waiting(user: AnyUser) -> QuerySet[RegionSubmission]:
    """Region submissions this user decides on, in any status (the table's accept step: a
    province's kab/kota, Bangda's provinces)."""
    return (
        RegionSubmission.objects.visible_to(user, Action.VIEW)
        .filter(workflow.decided_by(workflow.Kind.SUBMISSION, user))
        .select_related("region", "period")
        .order_by("-period__year", "-period__quarter", "region__code")
    )


def kabkota_not_submitted(
    submission: RegionSubmission, user: AnyUser | None = None
) -> list[RegionSubmission]:
    """A province's kab/kota that have not submitted this period (what its reviewer is warned
    of before forwarding to Bangda), of those `user` may see; empty for a kab/kota."""
    if not submission.region.is_province:
        return []
    return list(
        workflow.kabkota_submissions(submission, user)
        .exclude(status__in=(RegionSubmission.Status.SUBMITTED, RegionSubmission.Status.ACCEPTED))
        .select_related("region")
        .order_by("region__code")
    )


@dataclass(frozen=True)
class KabkotaStanding:
    """Before a province forwards: of its kab/kota expected this period, who has not
    submitted, and which of those have not entered any data at all."""

    total: int
    not_submitted: list[RegionSubmission]
    without_data: frozenset[int]  # region ids with no report entered


def kabkota_standing(submission: RegionSubmission, user: AnyUser | None = None) -> KabkotaStanding:
    """`kabkota_not_submitted` with the count and the regions without data, each read through
    what `user` may see (a province's own agency: none of its kab/kota; its Biro: all)."""
    if not submission.region.is_province:
        return KabkotaStanding(0, [], frozenset())
    missing = kabkota_not_submitted(submission, user)
    total = workflow.kabkota_submissions(submission, user).count()
    reports = Report.objects.visible_to(user) if user is not None else Report.objects
    entered = set(
        reports.filter(
            period_id=submission.period_id,
            region_id__in=[s.region_id for s in missing],
            entered_at__isnull=False,
        )
        .values_list("region_id", flat=True)
        .distinct()
    )
    return KabkotaStanding(
        total, missing, frozenset(s.region_id for s in missing if s.region_id not in entered)
    )


def ready_to_submit(user: AnyUser) -> list[RegionSubmission]:
    """The user's own region submissions of open periods whose every report is verified and
    that wait only for the verifier's submit (the inbox's next-step prompt)."""
    out = []
    for sub in own_submissions(user).filter(
        workflow.handed_in_by(workflow.Kind.SUBMISSION, user, ready=True),
        period__state=Period.State.OPEN,
    )[:12]:
        if not workflow.region_problems(sub) and not windows.window_problem(sub.period, sub):
            out.append(sub)
    return out


def own_submissions(user: AnyUser) -> QuerySet[RegionSubmission]:
    """The submissions this user hands in upward (the table's submit step: the regions they
    verify)."""
    return (
        RegionSubmission.objects.visible_to(user, Action.VIEW)
        .filter(workflow.handed_in_by(workflow.Kind.SUBMISSION, user))
        .select_related("region", "period")
        .order_by("-period__year", "-period__quarter", "region__code")
    )


# ---------------------------------------------------------------- timelines and returns


def timeline(obj: Report | RegionSubmission) -> list[WorkflowEvent]:
    events = list(obj.events.select_related("actor").order_by("at", "id"))
    for e in events:
        e.label = workflow.ACTION_LABELS.get(e.action, e.action)
    return events


def last_return(obj: Report | RegionSubmission) -> WorkflowEvent | None:
    """The latest step that sent the object back (its reason is what must be fixed)."""
    actions = RETURNING if isinstance(obj, Report) else ("return_region", "reopen_region")
    return (
        obj.events.filter(action__in=actions).select_related("actor").order_by("-at", "-id").first()
    )


# ---------------------------------------------------------------- diff since the returned version


@dataclass(frozen=True)
class DiffRow:
    section: str
    label: str
    before: str
    after: str


VALUE_LABELS = {
    "recipients_target": "Target penerima",
    "recipients_served": "Penerima terlayani",
    "recipients_breakdown": "Rincian penerima",
    "problems": "Permasalahan",
    "solutions": "Solusi",
    "capaian_index": "Indeks capaian",
    "band": "Kategori",
}


def _show(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if value is True:
        return _t("ya")
    if value is False:
        return _t("tidak")
    if isinstance(value, dict) and breakdown_rules.is_structured(value):
        return breakdown_rules.describe(value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_num(v)}" for k, v in value.items()) or "–"
    return str(value)


def _num(value: Any) -> str:
    """A stored number (int, or a decimal kept as text in snapshots) as the page shows it:
    Indonesian grouping and decimal comma (264.250; 76,42)."""
    if value is None or value == "":
        return "–"
    try:
        number = Decimal(str(value)).normalize()
    except InvalidOperation:
        return _show(value)
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return number_format(number, use_l10n=True, force_grouping=True)


def _index(value: Any) -> str:
    """An index or percentage as the pages write it: two decimals (76,42)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return _show(value)
    return number_format(number, 2, use_l10n=True, force_grouping=True)


NUMERIC_VALUES = frozenset({"recipients_target", "recipients_served", "capaian_index"})
STAGE_STATUSES = dict(ReportStage.Status.choices)


def _value_shown(key: str) -> Any:
    if key == "capaian_index":
        return lambda v: "–" if v in (None, "") else _index(v)
    return _num if key in NUMERIC_VALUES else _show


def _stage_status(value: Any) -> str:
    return str(STAGE_STATUSES.get(value, "")) or _show(value)


def diff_snapshots(
    before: dict[str, Any],
    after: dict[str, Any],
    dims: tuple[breakdown_rules.Dimension, ...] = (),
) -> list[DiffRow]:
    """Values, quality items, stages, budget lines and files that differ between two snapshots
    (``dims``: the service type's breakdown dimensions, to name its groups)."""
    rows: list[DiffRow] = []
    bv, av = before.get("values", {}), after.get("values", {})
    for key in VALUE_LABELS:
        if bv.get(key) != av.get(key):
            show = _value_shown(key)
            if key == "recipients_breakdown" and dims:
                show = lambda v: breakdown_rules.describe(v, dims)  # noqa: E731
            rows.append(
                DiffRow(_t("Isian"), _t(VALUE_LABELS[key]), show(bv.get(key)), show(av.get(key)))
            )
    bq, aq = before.get("quality", {}), after.get("quality", {})
    for code in sorted(set(bq) | set(aq)):
        b, a = bq.get(code, {}), aq.get(code, {})
        for fld, label in (
            ("required", _t("jumlah minimal")),
            ("realised", _t("realisasi")),
            ("met", _t("terpenuhi")),
        ):
            if b.get(fld) != a.get(fld):
                name = (a or b).get("label", code)
                show = _show if fld == "met" else _num
                rows.append(
                    DiffRow(
                        _t("Mutu"), f"{code} {name} — {label}", show(b.get(fld)), show(a.get(fld))
                    )
                )
    bs, as_ = before.get("stages", {}), after.get("stages", {})
    for stage in sorted(set(bs) | set(as_)):
        b, a = bs.get(stage, {}), as_.get(stage, {})
        for fld, label in (("status", _t("status")), ("note", _t("keterangan"))):
            if b.get(fld) != a.get(fld):
                show = _stage_status if fld == "status" else _show
                rows.append(
                    DiffRow(
                        _t("Tahap"),
                        f"{Stage(int(stage)).label} — {label}",
                        show(b.get(fld)),
                        show(a.get(fld)),
                    )
                )
    bb = {line["key"]: line for line in before.get("budget", [])}
    ab = {line["key"]: line for line in after.get("budget", [])}
    for key in list(bb) + [k for k in ab if k not in bb]:
        b, a = bb.get(key, {}), ab.get(key, {})
        name = (a or b).get("name", key)
        for fld, label in (("allocated", _t("pagu")), ("realised", _t("realisasi"))):
            if b.get(fld) != a.get(fld):
                rows.append(
                    DiffRow(
                        _t("Anggaran"),
                        f"{key} {name} — {label}",
                        _num(b.get(fld)),
                        _num(a.get(fld)),
                    )
                )
    bf = {x["sha256"] + x["name"]: x["name"] for x in before.get("files", [])}
    af = {x["sha256"] + x["name"]: x["name"] for x in after.get("files", [])}
    for key in bf.keys() - af.keys():
        rows.append(DiffRow(_t("Bukti dukung"), bf[key], _t("ada"), _t("dihapus")))
    for key in af.keys() - bf.keys():
        rows.append(DiffRow(_t("Bukti dukung"), af[key], "–", _t("ditambahkan")))
    return rows


@dataclass
class Changes:
    returned: WorkflowEvent
    rows: list[DiffRow]


def changes_since_return(report: Report) -> Changes | None:
    """What changed between the returned version and the report as it stands now."""
    ret = last_return(report)
    if ret is None:
        return None
    dims = breakdown_rules.dimensions_of(report.service_type)
    return Changes(ret, diff_snapshots(ret.snapshot or {}, workflow.snapshot_report(report), dims))


# ---------------------------------------------------------------- the whole report, for review


@dataclass(frozen=True)
class EvidenceItem:
    evidence: Evidence
    preview: str | None  # 'pdf', 'image' or None (download only)


@dataclass
class QualityItemRow:
    row: ReportQuality
    term: capaian.QualityTerm
    evidence: list[EvidenceItem]


@dataclass
class StageRow:
    stage: ReportStage
    evidence: list[EvidenceItem]


@dataclass
class ReviewContents:
    """Everything the operator entered, as the verifier reads it on one page."""

    explanation: selectors.Explanation
    breakdown: list[tuple[str, Any]]  # a free-text breakdown's (label, count)
    breakdown_rows: list[breakdown_rules.DimensionRow]  # the catalog's dimensions, structured
    quality: list[QualityItemRow]
    stages: list[StageRow]
    budget: list[tuple[BudgetLine, Decimal | None]]  # each line with its realised share (%)
    budget_totals: dict[str, Any]
    evidence: list[EvidenceItem]


def review_contents(report: Report) -> ReviewContents:
    """The report's sections with their files (each once, with its preview kind)."""
    rows = selectors.report_quality_rows(report)
    explanation = selectors.explain(report, rows)
    evidence = [
        EvidenceItem(e, preview_kind(e.content_type)) for e in selectors.report_evidence(report)
    ]
    by_stage: dict[int, list[EvidenceItem]] = {}
    by_quality: dict[int, list[EvidenceItem]] = {}
    for item in evidence:
        if item.evidence.stage_id:
            by_stage.setdefault(item.evidence.stage_id, []).append(item)
        if item.evidence.quality_id:
            by_quality.setdefault(item.evidence.quality_id, []).append(item)
    budget = selectors.report_budget(report)
    stored = report.recipients_breakdown or {}
    structured = breakdown_rules.is_structured(stored)
    return ReviewContents(
        explanation=explanation,
        breakdown=breakdown_rules.legacy_items(stored),
        breakdown_rows=breakdown_rules.rows(
            stored, breakdown_rules.dimensions_of(report.service_type)
        )
        if structured
        else [],
        quality=[
            QualityItemRow(row, term, by_quality.get(row.pk, [])) for row, term in explanation.items
        ],
        stages=[StageRow(s, by_stage.get(s.pk, [])) for s in selectors.report_stages(report)],
        budget=[(b, selectors.realised_share(b.allocated, b.realised)) for b in budget],
        budget_totals=selectors.budget_totals(budget),
        evidence=evidence,
    )


@dataclass(frozen=True)
class SectionFeedback:
    """What the review says about one section of the form: the verifier's note, and the
    return whose reason points at this section."""

    key: str
    label: str
    note: ReviewNote | None
    returned: WorkflowEvent | None


def section_feedback(
    report: Report, returned: WorkflowEvent | None = None
) -> dict[str, SectionFeedback]:
    """Every section's feedback by key; ``returned`` is the return to point from (if any)."""
    notes = {n.section: n for n in report.review_notes.select_related("author")}
    pointed = set(returned.sections or []) if returned is not None else set()
    return {
        key: SectionFeedback(key, str(label), notes.get(key), returned if key in pointed else None)
        for key, label in Section.choices
    }


def operator_feedback(report: Report) -> dict[str, SectionFeedback]:
    """The feedback the operator's form shows: notes always, the return's pointers while the
    report is returned (what there is to fix)."""
    returned = last_return(report) if report.status == Report.Status.RETURNED else None
    return section_feedback(report, returned)
