"""Writes of the data-entry area: periods, opening a quarter, saving report sections, evidence.

Every section save follows one path (`_edit`): lock the report row, check the editing rules
(`reporting.locks`), check the optimistic `version`, apply, recompute capaian in the same
transaction, bump the version, and let simple-history record who/when/old/new.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from espm import history, versioning
from indicators.models import (
    Assignment,
    CatalogEdition,
    ServiceType,
    Target,
)
from regions.scoping import sees_everything
from reporting.evidence import check_upload
from reporting.locks import entry_lock_reason
from reporting.models import (
    BudgetLine,
    Evidence,
    Period,
    PeriodOpening,
    RegionSubmission,
    Report,
    ReportQuality,
    ReportStage,
    Stage,
)
from reporting.quality import services as quality_checks
from reporting.rules import breakdown as breakdown_rules
from reporting.rules import capaian, completeness, merge, universe

log = logging.getLogger(__name__)

BATCH = 2000
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


class PeriodError(EntryError):
    pass


# ---------------------------------------------------------------- periods


def default_due_date(year: int, quarter: int) -> datetime.date:
    """The 20th of the month after the quarter (policy; settings.SPM_DUE_DAY)."""
    day = int(getattr(settings, "SPM_DUE_DAY", 20))
    month = quarter * 3 + 1
    if month > 12:
        return datetime.date(year + 1, month - 12, day)
    return datetime.date(year, month, day)


@transaction.atomic
def ensure_periods(year: int, user: Any = None) -> list[Period]:
    """TW I–IV of `year`, created as planned with default due dates; idempotent."""
    periods = []
    for quarter in (1, 2, 3, 4):
        period = Period.objects.filter(year=year, quarter=quarter).first()
        if period is None:
            period = Period(year=year, quarter=quarter, due_date=default_due_date(year, quarter))
            history.set_actor(period, user)
            period.save()
        periods.append(period)
    return periods


class PeriodChanged(PeriodError):
    """The period was changed by someone else after this user read it (stale ``version``)."""

    def __init__(self, period: Period) -> None:
        self.period = period
        changed = period.history.first()
        who = getattr(changed, "history_user", None) if changed else None
        super().__init__(
            _(
                "Periode %(p)s telah diubah oleh %(who)s sejak Anda membukanya (kini: batas "
                "waktu %(due)s, %(state)s). Periksa lalu ulangi perubahan Anda."
            )
            % {
                "p": period,
                "who": who or _("pengguna lain"),
                "due": period.due_date.strftime("%d-%m-%Y"),
                "state": period.get_state_display().lower(),
            }
        )


@transaction.atomic
def update_period(
    period_id: int, user: Any, *, due_date: datetime.date, allow_late: bool, version: int
) -> Period:
    """Change a period's window, only from its current ``version`` (else PeriodChanged)."""
    period = Period.objects.select_for_update().get(pk=period_id)
    if versioning.is_stale(period.version, version):
        raise PeriodChanged(period)
    period.due_date = due_date
    period.allow_late = allow_late
    period.version += 1
    history.set_actor(period, user)
    period.save()
    return period


def edition_for_year(year: int) -> CatalogEdition | None:
    """The catalog edition of a reporting year (the catalog area's selector)."""
    from indicators.selectors import edition_for_year_or_none

    return edition_for_year_or_none(year)


@dataclass
class OpenResult:
    reports_created: int
    submissions_created: int
    regions: int


# Regions per transaction when opening a period: a failure loses at most one chunk and progress
# moves (≈10 steps nationally), while queries still grow with batches of rows, never per row.
OPEN_CHUNK = 60
OpenProgress = Callable[[int, int, OpenResult], None]


@dataclass
class _Catalog:
    by_level: dict[str, list[dict[str, Any]]]
    service_ids: list[int]


def _catalog(edition: CatalogEdition) -> _Catalog:
    services: list[dict[str, Any]] = [
        dict(row)
        for row in ServiceType.objects.filter(edition=edition).values("id", "code", "level")
    ]
    by_level: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for st in services:
        by_level[st["level"]].append(st)
    return _Catalog(by_level, [s["id"] for s in services])


# Each report of the period still without parts gets them, in the database: the quality rows
# (with the year's required quantity from the region's target) and the four stage rows.
_INSERT_QUALITY = """
    INSERT INTO reporting_reportquality (report_id, quality_item_id, required, realised, met)
    SELECT r.id, qi.id, tq.required_quantity, NULL, NULL
    FROM reporting_report r
    JOIN indicators_qualityitem qi ON qi.service_type_id = r.service_type_id
    LEFT JOIN indicators_target t ON t.region_id = r.region_id
        AND t.service_type_id = r.service_type_id AND t.year = %s
    LEFT JOIN indicators_targetquality tq ON tq.target_id = t.id AND tq.quality_item_id = qi.id
    WHERE r.period_id = %s
        AND NOT EXISTS (SELECT 1 FROM reporting_reportquality x WHERE x.report_id = r.id)
"""
_INSERT_STAGES = """
    INSERT INTO reporting_reportstage (report_id, stage, status, note)
    SELECT r.id, s.stage, '', ''
    FROM reporting_report r
    CROSS JOIN (SELECT %s AS stage UNION ALL SELECT %s UNION ALL SELECT %s UNION ALL SELECT %s) s
    WHERE r.period_id = %s
        AND NOT EXISTS (SELECT 1 FROM reporting_reportstage x WHERE x.report_id = r.id)
"""


def _insert_parts(period: Period) -> None:
    """The parts of the period's new reports: one INSERT … SELECT each (PostgreSQL and SQLite).

    Building ~140k model objects in Python was two thirds of opening a national period.
    """
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_QUALITY, [period.year, period.pk])
        cursor.execute(_INSERT_STAGES, [*(st.value for st in Stage), period.pk])


def _open_regions(
    period: Period, regions: Sequence[Mapping[str, Any]], catalog: _Catalog
) -> tuple[int, int]:
    """Create what is missing for these regions (reports with their parts, submissions)."""
    region_ids = [r["id"] for r in regions]
    existing = set(
        Report.objects.filter(period=period, region_id__in=region_ids).values_list(
            "region_id", "service_type_id"
        )
    )
    assigned = {
        (a["region_id"], a["service_code"]): a["agency_id"]
        for a in Assignment.objects.filter(region_id__in=region_ids).values(
            "region_id", "service_code", "agency_id"
        )
    }
    targets = {
        (t["region_id"], t["service_type_id"]): t
        for t in Target.objects.filter(
            year=period.year, service_type_id__in=catalog.service_ids, region_id__in=region_ids
        ).values("region_id", "service_type_id", "recipients_target")
    }
    new_reports: list[Report] = []
    for region in regions:
        services = [
            st
            for level in universe.service_levels(region["code"], region["level"])
            for st in catalog.by_level.get(level, [])
        ]
        for st in services:
            if (region["id"], st["id"]) in existing:
                continue
            target = targets.get((region["id"], st["id"]))
            new_reports.append(
                Report(
                    region_id=region["id"],
                    period=period,
                    service_type_id=st["id"],
                    agency_id=assigned.get((region["id"], st["code"])),
                    recipients_target=target["recipients_target"] if target else None,
                )
            )
    created = Report.objects.bulk_create(new_reports, batch_size=BATCH)
    if created:
        _insert_parts(period)

    have_submission = set(
        RegionSubmission.objects.filter(period=period, region_id__in=region_ids).values_list(
            "region_id", flat=True
        )
    )
    subs = RegionSubmission.objects.bulk_create(
        [
            RegionSubmission(region_id=rid, period=period)
            for rid in region_ids
            if rid not in have_submission
        ],
        batch_size=BATCH,
    )
    return len(created), len(subs)


def open_period(
    period_id: int,
    user: Any,
    region_codes: Iterable[str] | None = None,
    *,
    progress: OpenProgress | None = None,
    chunk: int | None = None,
) -> OpenResult:
    """Open a quarter: one report per region × service type of the region's level.

    Bulk inserts only (≈15k reports nationally, no per-row queries); idempotent — a re-open
    creates only what is missing. `region_codes` limits it (the demo opens 6 regions).
    The regions are done `chunk` at a time, each chunk in its own transaction under the period's
    row lock (so two runs never both insert), and the period turns *open* only after the last
    one: a run that fails midway leaves the period as it was plus complete regions, and the
    next run completes it. Called by the Celery task (`run_open_period`), the demo and the bench.
    """
    period = Period.objects.get(pk=period_id)
    edition = edition_for_year(period.year)
    if edition is None:
        raise PeriodError(
            _("Tahun %(year)s belum memiliki edisi katalog; periode tidak dapat dibuka.")
            % {"year": period.year}
        )
    catalog = _catalog(edition)
    # The period's universe is fixed first (idempotent), then exactly its regions are opened.
    universe.snapshot(period, user)
    regions_qs = universe.regions_of(period)
    if region_codes is not None:
        regions_qs = regions_qs.filter(code__in=list(region_codes))
    regions = list(regions_qs.order_by("code").values("id", "code", "level"))
    result = OpenResult(0, 0, len(regions))
    if progress is not None:
        progress(0, len(regions), result)
    size = chunk or OPEN_CHUNK
    for start in range(0, len(regions), size):
        part = regions[start : start + size]
        with transaction.atomic():
            period = Period.objects.select_for_update().get(pk=period_id)
            reports, subs = _open_regions(period, part, catalog)
        result.reports_created += reports
        result.submissions_created += subs
        if progress is not None:
            progress(start + len(part), len(regions), result)
    with transaction.atomic():
        period = Period.objects.select_for_update().get(pk=period_id)
        if period.state != Period.State.OPEN:
            period.state = Period.State.OPEN
            period.opened_at = timezone.now()
            period.opened_by = user
            period.version += 1
            period.closed_at = None
            history.set_actor(period, user)
            period.save()
    return result


# A queued or running opening silent this long is taken as lost (worker died, broker lost it).
STALE_OPENING = datetime.timedelta(minutes=10)
_ACTIVE = (PeriodOpening.Status.QUEUED, PeriodOpening.Status.RUNNING)


def active_opening(period_id: int) -> PeriodOpening | None:
    return (
        PeriodOpening.objects.select_related("requested_by")
        .filter(period_id=period_id, status__in=_ACTIVE)
        .first()
    )


def request_open_period(period_id: int, user: Any) -> tuple[PeriodOpening, bool]:
    """Queue opening a period (Bangda; the caller checks the role). Returns (job, started).

    Idempotent: while a run of this period is queued or running it is returned, not a second
    one started (the period row lock serialises two clicks; a partial unique constraint backs
    it up). A run silent for `STALE_OPENING` is marked failed and a new one replaces it.
    """
    from reporting import tasks

    with transaction.atomic():
        period = Period.objects.select_for_update().get(pk=period_id)
        if edition_for_year(period.year) is None:  # refused at once, not after a queue wait
            raise PeriodError(
                _("Tahun %(year)s belum memiliki edisi katalog; periode tidak dapat dibuka.")
                % {"year": period.year}
            )
        active = active_opening(period.pk)
        if active is not None:
            if active.updated_at >= timezone.now() - STALE_OPENING:
                return active, False
            _finish_opening(
                active.pk,
                PeriodOpening.Status.FAILED,
                _("Terhenti tanpa kabar dari pekerja latar; diganti oleh proses baru."),
            )
        job = PeriodOpening.objects.create(
            period=period, requested_by=user, task_id=str(uuid.uuid4())
        )

        def enqueue() -> None:
            try:
                tasks.open_period_job.apply_async((job.pk,), task_id=job.task_id)
            except Exception as exc:  # broker down: say so on the page instead of waiting
                log.exception("could not enqueue period opening %s", job.pk)
                _finish_opening(
                    job.pk,
                    PeriodOpening.Status.FAILED,
                    _("Antrean tugas tidak dapat dihubungi (%(err)s); coba lagi.") % {"err": exc},
                    only_from=_ACTIVE,
                )

        transaction.on_commit(enqueue)
    return job, True


def _finish_opening(
    job_id: int,
    status: str,
    message: str = "",
    *,
    only_from: Iterable[str] = _ACTIVE,
    **fields: Any,
) -> int:
    now = timezone.now()
    if status == PeriodOpening.Status.DONE:
        fields["progress"] = 100
    return PeriodOpening.objects.filter(pk=job_id, status__in=list(only_from)).update(
        status=status, message=message[:300], finished_at=now, updated_at=now, **fields
    )


def run_open_period(job_id: int) -> str:
    """The Celery task's body: open the job's period, recording progress and the result.

    Re-checks that the requester is still Bangda; a job already finished is skipped (a
    redelivered task), a running one is resumed (opening is idempotent). Progress is written
    outside the chunk transactions, so the polling page sees it at once.
    """
    job = PeriodOpening.objects.select_related("period", "requested_by").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return "skipped"
    user = job.requested_by
    if not sees_everything(user):
        _finish_opening(
            job.pk, PeriodOpening.Status.FAILED, _("Akses pemohon sudah tidak berlaku.")
        )
        return PeriodOpening.Status.FAILED
    now = timezone.now()
    started = PeriodOpening.objects.filter(pk=job.pk, status__in=_ACTIVE).update(
        status=PeriodOpening.Status.RUNNING, started_at=now, updated_at=now, progress=1
    )
    if not started:  # replaced meanwhile (taken as lost): the new run does the work
        return "skipped"

    def step(done: int, total: int, result: OpenResult) -> None:
        PeriodOpening.objects.filter(pk=job.pk, status=PeriodOpening.Status.RUNNING).update(
            progress=min(99, max(1, done * 100 // total)) if total else 99,
            regions_total=total,
            regions_done=done,
            reports_created=result.reports_created,
            submissions_created=result.submissions_created,
            updated_at=timezone.now(),
        )

    try:
        result = open_period(job.period_id, user, progress=step)
    except PeriodError as exc:
        _finish_opening(job.pk, PeriodOpening.Status.FAILED, str(exc))
        return PeriodOpening.Status.FAILED
    except Exception as exc:
        log.exception("opening period %s (job %s) failed", job.period_id, job.pk)
        _finish_opening(job.pk, PeriodOpening.Status.FAILED, f"{type(exc).__name__}: {exc}")
        return PeriodOpening.Status.FAILED
    _finish_opening(
        job.pk,
        PeriodOpening.Status.DONE,
        only_from=[PeriodOpening.Status.RUNNING],
        regions_total=result.regions,
        regions_done=result.regions,
        reports_created=result.reports_created,
        submissions_created=result.submissions_created,
    )
    return PeriodOpening.Status.DONE


@transaction.atomic
def close_period(period_id: int, user: Any) -> Period:
    period = Period.objects.select_for_update().get(pk=period_id)
    if period.state != Period.State.OPEN:
        raise PeriodError(_("Hanya periode yang sedang dibuka yang dapat ditutup."))
    period.state = Period.State.CLOSED
    period.closed_at = timezone.now()
    period.version += 1
    history.set_actor(period, user)
    period.save()
    return period


# ---------------------------------------------------------------- capaian


def quality_inputs(rows: Iterable[ReportQuality]) -> list[capaian.QualityInput]:
    return [
        capaian.QualityInput(
            required=r.required,
            realised=r.realised,
            has_quantity=r.quality_item.has_quantity,
            met=r.met,
            label=r.quality_item.description,
        )
        for r in rows
    ]


def capaian_of(report: Report, rows: Iterable[ReportQuality] | None = None) -> capaian.Capaian:
    """THE capaian of a report, from its current data (capaian.compute, nothing else)."""
    if rows is None:
        rows = report.quality.select_related("quality_item")
    return capaian.compute(report.recipients_served, report.recipients_target, quality_inputs(rows))


def recompute_capaian(report: Report, rows: Iterable[ReportQuality] | None = None) -> None:
    """Store the capaian on the report (the caller saves it, in its transaction).

    Only a complete report has an index (``rules.completeness``): a partly filled one stores
    none, so it is "belum lengkap" everywhere and missing in every roll-up — never a 0.
    """
    rows = list(report.quality.select_related("quality_item")) if rows is None else list(rows)
    answers = completeness.quality_answers(report.service_type.quality_items.all(), rows)
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
    user: Any,
    version: int | None,
    apply: Callable[[Report], None],
    diff: Callable[[Report], list[Change]] | None = None,
) -> Report:
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("period", "region", "service_type", "agency", "updated_by")
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
        report.updated_by = user
        recompute_capaian(report)
        history.set_actor(report, user)
        report.save()
        quality_checks.refresh(report)
        return report


def _save_child(obj: Any, user: Any) -> None:
    history.set_actor(obj, user)
    obj.save()


# ---------------------------------------------------------------- sections


def save_recipients(
    report_id: int,
    user: Any,
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
    report_id: int, user: Any, version: int | None, *, problems: str, solutions: str
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


@dataclass(frozen=True)
class QualityValue:
    realised: Decimal | None = None
    met: bool | None = None
    required: Decimal | None = None
    set_required: bool = False  # only when no verified target fixes it


def save_quality(
    report_id: int, user: Any, version: int | None, values: Mapping[int, QualityValue]
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
    report_id: int, user: Any, version: int | None, values: Mapping[int, tuple[str, str]]
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
    report_id: int, user: Any, version: int | None, line_id: int | None, data: Mapping[str, Any]
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


def delete_budget_line(report_id: int, user: Any, version: int | None, line_id: int) -> Report:
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
    user: Any,
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
    report: Report, user: Any, mine: Mapping[str, Any], base: Mapping[str, Any]
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
    user: Any,
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
            .select_related("period", "agency")
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
            uploaded_by=user,
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
    evidence_id: int, user: Any, *, report_id: int | None = None, version: int | None = None
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
            .select_related("period", "agency", "updated_by")
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
        evidence.deleted_by = user
        history.set_actor(evidence, user)
        evidence.save()
        if evidence.stage_id is not None:
            quality_checks.refresh(report)
        return evidence


def active_evidence(report: Report) -> QuerySet[Evidence]:
    return report.evidence.filter(deleted_at__isnull=True).select_related(
        "uploaded_by", "stage", "quality__quality_item"
    )
