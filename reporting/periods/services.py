"""Writes of the periods area: the national calendar of quarters (default due dates, Bangda's
changes), opening a quarter for every region (a background job, in chunks, idempotent) and
closing it.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from espm import background, history, versioning
from indicators.models import Assignment, CatalogEdition, ServiceType, Target
from regions.scoping import AnyUser, acting_user, sees_everything
from reporting.models import Period, PeriodOpening, RegionSubmission, Report, Stage
from reporting.rules import universe

log = logging.getLogger(__name__)

BATCH = 2000


class PeriodError(Exception):
    """A refusal about a period, shown to the user."""


# ---------------------------------------------------------------- periods


def default_due_date(year: int, quarter: int) -> datetime.date:
    """The 20th of the month after the quarter (policy; settings.SPM_DUE_DAY)."""
    day = int(getattr(settings, "SPM_DUE_DAY", 20))
    month = quarter * 3 + 1
    if month > 12:
        return datetime.date(year + 1, month - 12, day)
    return datetime.date(year, month, day)


@transaction.atomic
def ensure_periods(year: int, user: AnyUser | None = None) -> list[Period]:
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
    period_id: int, user: AnyUser, *, due_date: datetime.date, allow_late: bool, version: int
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
    user: AnyUser,
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
            period.opened_by = acting_user(user)
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


def request_open_period(period_id: int, user: AnyUser) -> tuple[PeriodOpening, bool]:
    """Queue opening a period (Bangda; the caller checks the role). Returns (job, started).

    Idempotent: while a run of this period is queued or running it is returned, not a second
    one started (the period row lock serialises two clicks; a partial unique constraint backs
    it up). A run silent for `STALE_OPENING` is marked failed and a new one replaces it.
    """
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
            period=period, requested_by=acting_user(user), task_id=str(uuid.uuid4())
        )

        def enqueue() -> None:
            try:
                task = background.task("reporting.tasks.open_period_job")
                task.apply_async((job.pk,), task_id=job.task_id)
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
def close_period(period_id: int, user: AnyUser) -> Period:
    period = Period.objects.select_for_update().get(pk=period_id)
    if period.state != Period.State.OPEN:
        raise PeriodError(_("Hanya periode yang sedang dibuka yang dapat ditutup."))
    period.state = Period.State.CLOSED
    period.closed_at = timezone.now()
    period.version += 1
    history.set_actor(period, user)
    period.save()
    return period
