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
  today is past the due date).

The same rule is written twice: in Python for one submission (`timeliness`) and in SQL for
querysets (`late_q`, `on_time_q`, `missing_q`, `annotate_timeliness`). Both read only
stored fields, and tests/test_timeliness.py checks they agree on every demo submission.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.expressions import Case, When
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone

if TYPE_CHECKING:
    from reporting.models import Period, RegionSubmission

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
