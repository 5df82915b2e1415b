"""A region's due date and the timeliness of its submission — the only place the rule lives.

The rule (domain reference §6–7):
- the effective due date is the region's own (``RegionSubmission.due_date``, set by a
  reopen) or else the period's;
- a region has *submitted* while its submission is with the level above or accepted
  (status ``submitted``/``accepted``, ``submitted_at`` set); a returned or reopened region
  has not, until it submits again;
- a submitted region is *late* when the local date (``settings.TIME_ZONE``) of
  ``submitted_at`` is after the effective due date; on the due date itself it is on time;
- a region that has not submitted is *missing* (pages that say so call it *overdue* once
  today is past the due date);
- entry and submission are open (``window_problem``) while the period is open and today is
  not after the due date, or the period accepts late reports, or a reopen set a due date not
  yet passed; a submission with the level above or accepted freezes the region's data
  (``freeze_reason``). ``rules.editing`` combines these with a report's own status.

The same rule is written twice: in Python for one submission (`timeliness`) and in SQL for
querysets (`late_q`, `on_time_q`, `missing_q`, `annotate_timeliness`). Both read only
stored fields, and tests/test_timeliness.py checks they agree on every demo submission.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.expressions import Case, When
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _t


class Period(Protocol):
    """What the rule reads of a period (``reporting.models.Period``)."""

    @property
    def due_date(self) -> dt.date: ...
    @property
    def allow_late(self) -> bool: ...
    @property
    def state(self) -> str: ...


class RegionSubmission(Protocol):
    """What the rule reads of a region submission (``reporting.models.RegionSubmission``)."""

    @property
    def due_date(self) -> dt.date | None: ...
    @property
    def status(self) -> str: ...
    @property
    def submitted_at(self) -> dt.datetime | None: ...
    @property
    def period(self) -> Period: ...


Timeliness = Literal["on_time", "late", "missing"]
TIMELINESS: tuple[Timeliness, ...] = ("on_time", "late", "missing")
# RegionSubmission.Status values meaning "the region's report is with the level above".
SUBMITTED_STATUSES = ("submitted", "accepted")


def local_tz() -> ZoneInfo:
    """The project's own time zone: a due date is a date in Indonesia, not in the browser's."""
    return ZoneInfo(settings.TIME_ZONE)


def effective_due_date(period: Period, submission: RegionSubmission | None) -> dt.date:
    """The region's own due date after a reopen, else the period's."""
    if submission is not None and submission.due_date:
        return submission.due_date
    return period.due_date


def submitted_on(submission: RegionSubmission) -> dt.date | None:
    """The local calendar date of the submission, or None when the region has not submitted."""
    if submission.status not in SUBMITTED_STATUSES or submission.submitted_at is None:
        return None
    return timezone.localtime(submission.submitted_at, local_tz()).date()


def timeliness(submission: RegionSubmission | None) -> Timeliness:
    """'on_time', 'late' or 'missing' for one region submission (None: never opened)."""
    if submission is None:
        return "missing"
    sent = submitted_on(submission)
    if sent is None:
        return "missing"
    return "late" if sent > effective_due_date(submission.period, submission) else "on_time"


def is_late_submission(submission: RegionSubmission | None) -> bool:
    return timeliness(submission) == "late"


def is_overdue(
    period: Period, submission: RegionSubmission | None, today: dt.date | None = None
) -> bool:
    """Not submitted and the due date has passed (pages that tell "overdue" from "missing")."""
    today = today or timezone.localdate()
    return timeliness(submission) == "missing" and today > effective_due_date(period, submission)


# ---------------------------------------------------------------- the entry window
# Period states and region-submission statuses by value: models.py imports this module.
PLANNED, CLOSED = "planned", "closed"


def is_reopened(submission: RegionSubmission | None, today: dt.date | None = None) -> bool:
    """A reopen (``workflow.reopen_region``) gave the region a due date not yet passed."""
    today = today or timezone.localdate()
    return bool(submission is not None and submission.due_date and submission.due_date >= today)


def is_past_due(
    period: Period, submission: RegionSubmission | None, today: dt.date | None = None
) -> bool:
    """Today is after the region's due date (the due date itself is still in time)."""
    return (today or timezone.localdate()) > effective_due_date(period, submission)


def window_problem(
    period: Period, submission: RegionSubmission | None, today: dt.date | None = None
) -> str | None:
    """Why entry and submission are closed for this region and period, or None when open.

    Policy (SPM.md §6): a planned period is not open yet; a closed one is open again only for
    a reopened region; after the due date a region is locked unless the period accepts late
    reports (its submission is then late) or a reopen set a new due date.
    """
    today = today or timezone.localdate()
    reopened = is_reopened(submission, today)
    if period.state == PLANNED:
        return _t("Periode %(p)s belum dibuka.") % {"p": period}
    due = effective_due_date(period, submission)
    if period.state == CLOSED and not reopened:
        return _t("Periode %(p)s sudah ditutup (batas waktu %(due)s); minta pembukaan kembali.") % {
            "p": period,
            "due": date_format(due, "j F Y"),
        }
    if today > due and not period.allow_late and not reopened:
        return _t(
            "Batas waktu %(due)s sudah lewat dan periode ini tidak menerima laporan terlambat; "
            "minta pembukaan kembali kepada provinsi/Bangda."
        ) % {"due": date_format(due, "j F Y")}
    return None


def freeze_reason(submission: RegionSubmission | None) -> str | None:
    """Why a region's data is frozen by the review chain above it, or None."""
    if submission is None:
        return None
    if submission.status == "accepted":
        return _t(
            "Laporan wilayah sudah diterima tingkat di atasnya; data dibekukan. "
            "Perbaikan memerlukan pembukaan kembali."
        )
    if submission.status == "submitted":
        return _t("Laporan wilayah sedang ditinjau tingkat di atasnya; data tidak dapat diubah.")
    return None


# ---------------------------------------------------------------- the same rule in SQL
# Over RegionSubmission rows; `period__due_date` joins the period when no reopen date is set.


def submitted_q() -> Q:
    return Q(status__in=SUBMITTED_STATUSES, submitted_at__isnull=False)


def _sent_after_due() -> GreaterThan:
    return GreaterThan(
        TruncDate("submitted_at", tzinfo=local_tz()),
        Coalesce(F("due_date"), F("period__due_date")),
    )


def late_q() -> Q:
    return submitted_q() & Q(_sent_after_due())


def on_time_q() -> Q:
    return submitted_q() & Q(
        LessThanOrEqual(
            TruncDate("submitted_at", tzinfo=local_tz()),
            Coalesce(F("due_date"), F("period__due_date")),
        )
    )


def missing_q() -> Q:
    return ~submitted_q()


def timeliness_q(value: str) -> Q:
    """The filter for one timeliness value (API and drill-down lists)."""
    return {"on_time": on_time_q, "late": late_q, "missing": missing_q}[value]()


def annotate_timeliness(qs: QuerySet[Any], name: str = "timeliness_sql") -> QuerySet[Any]:
    """Each row with its timeliness computed in SQL, under `name`."""
    return qs.annotate(
        **{
            name: Case(
                When(late_q(), then=Value("late")),
                When(on_time_q(), then=Value("on_time")),
                default=Value("missing"),
                output_field=CharField(),
            )
        }
    )
